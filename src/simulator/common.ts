/** What the two provider modules and the server share: the request and answer shapes, small parsers. */
import type { IncomingHttpHeaders } from "http";

export type ProviderName = "flatpeak" | "blynk";

/** One API request as the provider modules see it (the body already read). */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  bodyText: string;
  /** Wall-clock time the request is handled at (ms). */
  now: number;
  /** Path parameters of the matched route (e.g. the device id of /devices/{id}). */
  params: string[];
}

/** One answer: JSON `body` (omitted for 204), or a `raw` string sent as is. */
export interface SimResponse {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export interface RouteMatch<P> {
  /** Stats key pattern without the method, e.g. "/devices/{id}". */
  pattern: string;
  /** The token endpoint: no bearer needed, not rate limited. */
  authEndpoint: boolean;
  params: string[];
  handlers: Partial<Record<string, (req: SimRequest, principal: P) => SimResponse>>;
}

/** HTTP Basic credentials of an Authorization header, or null. The user is everything before the first colon. */
export function parseBasic(header: string | undefined): { user: string; pass: string } | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return null;
  return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

/** The bearer token of an Authorization header, or null. */
export function parseBearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** A query parameter; an empty value counts as absent (documented choice). First value wins. */
export function qp(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v === null || v === "" ? undefined : v;
}

export type JsonBody = { ok: true; value: unknown } | { ok: false };

/** Parses a JSON body; an empty body is `undefined`. */
export function parseJson(text: string): JsonBody {
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Whole integers within int32, as Java's Integer.parseInt accepts them. */
export function parseInt32(s: string | undefined): number | undefined {
  if (s === undefined || !/^[+-]?\d{1,10}$/.test(s.trim())) return undefined;
  const n = Number(s.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/** An integer from a JSON value: a whole number or a numeric string (Jackson's default coercion). */
export function jsonInt(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? v : undefined;
  if (typeof v === "string") {
    if (!/^[+-]?\d{1,16}$/.test(v.trim())) return undefined;
    return Number(v.trim());
  }
  return undefined;
}

const SENSITIVE_QUERY = /^(client_secret|client_id|refresh_token|access_token|token|password|api_key|secret|key)$/i;

/** The path plus query for a log line, with the values of secret-looking parameters replaced. */
export function redactedTarget(path: string, query: URLSearchParams): string {
  const parts: string[] = [];
  for (const [k, v] of query) parts.push(`${encodeURIComponent(k)}=${SENSITIVE_QUERY.test(k) ? "***" : encodeURIComponent(v)}`);
  return parts.length ? `${path}?${parts.join("&")}` : path;
}
