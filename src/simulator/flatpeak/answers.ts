/** Flatpeak's two error shapes: the documented `{message}` bodies (SPEC-2024) and the rich envelope of the guides. */
import type { SimResponse } from "../common";

export function notFound(): SimResponse {
  return { status: 404, body: { message: "Not Found" } };
}

export function badCredentials(): SimResponse {
  return { status: 403, body: { message: "Bad credentials" } };
}

export function internalError(): SimResponse {
  return { status: 500, body: { message: "Internal Server Error" } };
}

/** The rich error envelope of the current guides; `time_created` in their form (milliseconds, no zone). */
export function rich(status: number, code: string, message: string, context: string, live: boolean): SimResponse {
  const type = status === 429 ? "rate_limit" : status >= 500 ? "api_error" : "invalid_request";
  return {
    status,
    body: { object: "error", live_mode: live, context, type, code, message, time_created: new Date().toISOString().slice(0, 23) },
  };
}

export function rateLimited(live: boolean): SimResponse {
  return rich(429, "rate_limit_exceeded", "Too many requests. Slow down and retry later.", "api", live);
}

/** The answer a fault with this status gets: the documented {message} bodies for 403/404/500, else the envelope. */
export function errorFor(status: number): SimResponse {
  if (status === 403) return badCredentials();
  if (status === 404) return notFound();
  if (status === 500) return internalError();
  if (status === 429) return rateLimited(false);
  if (status < 400) return status === 204 ? { status } : { status, body: {} };
  const code = status >= 500 ? "service_unavailable" : "request_failed";
  const message = status >= 500 ? `The service failed to answer (${status}). Retry later.` : `The request failed (${status}).`;
  return rich(status, code, message, "api", false);
}

export function methodNotAllowed(method: string, pattern: string, allow: string[]): SimResponse {
  const r = rich(405, "method_not_allowed", `Method ${method} is not allowed on ${pattern}`, "api", false);
  r.headers = { Allow: allow.join(", ") };
  return r;
}
