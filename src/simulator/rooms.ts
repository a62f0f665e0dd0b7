/**
 * Rooms: each module of a cloud's simulator serves one resource of its API (auth, devices, sites, …) as a list
 * of routes. A cloud registers its rooms in one list, and routeTable() turns them into its path matcher.
 */
import type { RouteMatch, SimRequest, SimResponse } from "./common";

export interface Route<S, P> {
  method: string;
  /** The path, exact or with `{name}` segments (e.g. "/devices/{id}"); also the stats key. */
  path: string;
  /** The token endpoint: no bearer needed, not rate limited. */
  authEndpoint?: boolean;
  handle(req: SimRequest, principal: P, state: S): SimResponse;
}

export type Room<S, P> = readonly Route<S, P>[];

interface PathEntry<P> {
  pattern: string;
  authEndpoint: boolean;
  regex: RegExp | null;
  handlers: Partial<Record<string, (req: SimRequest, principal: P) => SimResponse>>;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function templateRegex(path: string): RegExp | null {
  if (!path.includes("{")) return null;
  const source = path
    .split("/")
    .map((seg) => (/^\{\w+\}$/.test(seg) ? "([^/]+)" : seg.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}$`);
}

/** The matcher of a cloud's rooms: the path's route with its handlers bound to `state`, or null. */
export function routeTable<S, P>(state: S, rooms: readonly Room<S, P>[]): (path: string) => RouteMatch<P> | null {
  const byPattern = new Map<string, PathEntry<P>>();
  for (const route of rooms.flat()) {
    let entry = byPattern.get(route.path);
    if (!entry) {
      entry = { pattern: route.path, authEndpoint: route.authEndpoint === true, regex: templateRegex(route.path), handlers: {} };
      byPattern.set(route.path, entry);
    }
    if (entry.handlers[route.method]) throw new Error(`two rooms serve ${route.method} ${route.path}`);
    entry.handlers[route.method] = (req, principal) => route.handle(req, principal, state);
  }
  const templates = [...byPattern.values()].filter((e) => e.regex);
  return (path) => {
    const exact = byPattern.get(path);
    if (exact && !exact.regex) return { pattern: exact.pattern, authEndpoint: exact.authEndpoint, params: [], handlers: exact.handlers };
    for (const e of templates) {
      const m = (e.regex as RegExp).exec(path);
      if (m) return { pattern: e.pattern, authEndpoint: e.authEndpoint, params: m.slice(1).map(safeDecode), handlers: e.handlers };
    }
    return null;
  };
}
