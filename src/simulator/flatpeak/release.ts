/**
 * Flatpeak releases (flatpeak.md §2): which release a request is answered in, the documented 422 for a version
 * older than the account's default, and the `flatpeak-version` answer header. Every room asks here.
 */
import type { SimRequest, SimResponse } from "../common";
import { rich } from "./answers";

export type FlatpeakReleaseName = "zero" | "anode" | "busbar" | "yotta";

export interface FlatpeakRelease {
  readonly name: FlatpeakReleaseName;
  /** The `Flatpeak-Version` value, `<date>.<name>`. */
  readonly version: string;
}

/**
 * Oldest first. Yotta (seed 001's device shape) has no published date: 2027-01-01 is the simulator's guess, as
 * is its place after busbar (docs/simulator.md).
 */
export const FLATPEAK_RELEASES: readonly FlatpeakRelease[] = [
  { name: "zero", version: "2024-08-24.zero" },
  { name: "anode", version: "2025-09-14.anode" },
  { name: "busbar", version: "2026-08-01.busbar" },
  { name: "yotta", version: "2027-01-01.yotta" },
];
export const FLATPEAK_VERSIONS: readonly string[] = FLATPEAK_RELEASES.map((r) => r.version);
/** The demo account's default, and the one an answer names when the caller is unknown. */
export const FLATPEAK_DEFAULT_VERSION = "2026-08-01.busbar";
export const VERSION_HEADER = "flatpeak-version";

/** A release by its name (`busbar`) or version (`2026-08-01.busbar`). */
export function releaseNamed(nameOrVersion: string): FlatpeakRelease | undefined {
  return FLATPEAK_RELEASES.find((r) => r.name === nameOrVersion || r.version === nameOrVersion);
}

export const DEFAULT_RELEASE = releaseNamed(FLATPEAK_DEFAULT_VERSION) as FlatpeakRelease;

/** Whether `r` is `name` or a later release. */
export function atLeast(r: FlatpeakRelease, name: FlatpeakReleaseName): boolean {
  return FLATPEAK_RELEASES.indexOf(r) >= FLATPEAK_RELEASES.findIndex((x) => x.name === name);
}

/**
 * The release a `Flatpeak-Version` header names: none sent is `undefined`; a date alone ("2024-08-24", the
 * SPEC-2024 info.version) names that release; anything else is `"invalid"`.
 */
export function requestedRelease(req: SimRequest): FlatpeakRelease | "invalid" | undefined {
  const raw = req.headers["flatpeak-version"];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:\.([a-z]+))?$/.exec(value);
  const found = m && FLATPEAK_RELEASES.find((r) => r.version.split(".")[0] === m[1] && (m[2] === undefined || r.name === m[2]));
  return found || "invalid";
}

/**
 * The release a request of an account whose default is `accountDefault` is answered in, or the error answer:
 * 400 `api_version_invalid` for an unknown version, 422 `api_version_not_supported` for one older than the
 * default (the message as the versioning guide's example: the requested date, the default's full name).
 */
export function releaseFor(req: SimRequest, accountDefault: FlatpeakRelease, live: boolean): { release: FlatpeakRelease } | { error: SimResponse } {
  const asked = requestedRelease(req);
  if (asked === undefined) return { release: accountDefault };
  if (asked === "invalid") {
    const value = String(req.headers["flatpeak-version"]).trim();
    return { error: rich(400, "api_version_invalid", `Requested API version ${value} is not a valid API version`, "api", live) };
  }
  if (!atLeast(asked, accountDefault.name)) {
    const date = asked.version.split(".")[0];
    return { error: rich(422, "api_version_not_supported", `Requested API version ${date} older than account default ${accountDefault.version}`, "api", live) };
  }
  return { release: asked };
}

/** The version an answer names in its header: the one in force if the request's is usable, else the default. */
export function versionInForce(req: SimRequest, accountDefault: FlatpeakRelease): string {
  const r = releaseFor(req, accountDefault, false);
  return "release" in r ? r.release.version : accountDefault.version;
}
