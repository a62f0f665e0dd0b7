/**
 * What a Flatpeak room (one module per resource) offers the simulator: routes whose handlers are told the
 * release the request is answered in. A room registers with `FlatpeakSim.addRoom`.
 */
import type { RouteMatch, SimRequest, SimResponse } from "../common";
import { notFound } from "./answers";
import { atLeast, releaseFor, type FlatpeakRelease, type FlatpeakReleaseName } from "./release";

/** Who is calling: the account, its mode (from the key's prefix) and its default release. */
export interface FlatpeakPrincipal {
  accountId: string;
  live: boolean;
  release: FlatpeakRelease;
}

export type FlatpeakHandler = (req: SimRequest, p: FlatpeakPrincipal, release: FlatpeakRelease) => SimResponse;

export interface FlatpeakRoom {
  /** The route for `path`, or null when the path is not this room's. */
  match(path: string): RouteMatch<FlatpeakPrincipal> | null;
}

/**
 * A data route: each handler runs in the release the request asks for (or the account's default), after the
 * version checks. With `since`, a release before it answers 404 Not Found, as a path it does not have.
 */
export function versionedRoute(
  pattern: string,
  params: string[],
  handlers: Partial<Record<string, FlatpeakHandler>>,
  since?: FlatpeakReleaseName,
): RouteMatch<FlatpeakPrincipal> {
  const wrapped: RouteMatch<FlatpeakPrincipal>["handlers"] = {};
  for (const [method, fn] of Object.entries(handlers)) {
    if (!fn) continue;
    wrapped[method] = (req, p) => {
      const r = releaseFor(req, p.release, p.live);
      if ("error" in r) return r.error;
      if (since && !atLeast(r.release, since)) return notFound();
      return fn(req, p, r.release);
    };
  }
  return { pattern, authEndpoint: false, params, handlers: wrapped };
}

/** The path parameter as sent, decoded where it can be. */
export function pathParam(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
