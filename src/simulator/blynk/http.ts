/** What every Blynk room answers with and reads requests by: the error bodies ({"error":{"message"}}) and parameters. */
import { isPlainObject, jsonInt, parseInt32, parseJson, qp, type SimRequest, type SimResponse } from "../common";
import type { BlynkFleet } from "./fleet";
import type { Room } from "../rooms";
import type { BlynkDevice, BlynkPrincipal } from "./model";

/** A room of the Blynk simulator: routes under PREFIX (or the token endpoint) that act on the fleet. */
export type BlynkRoom = Room<BlynkFleet, BlynkPrincipal>;

export const NAME_RE = /^[\p{L}\p{N} '_-]{1,50}$/u;
export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function err(status: number, message: string): SimResponse {
  return { status, body: { error: { message } } };
}

const STATUS_MESSAGES: Record<number, string> = {
  400: "Bad request",
  401: "Invalid or expired token.",
  403: "Forbidden",
  404: "Not Found",
  429: "Too many requests",
  500: "Internal server error",
  502: "Bad gateway",
  503: "Service unavailable",
  504: "Gateway timeout",
};

export const answers = {
  invalidToken: (): SimResponse => ({ status: 401, body: { error: { message: "Invalid or expired token." } }, headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } }),
  rateLimited: (): SimResponse => err(429, "Too many requests"),
  notFoundRoute: (): SimResponse => err(404, "Not Found"),
  methodNotAllowed: (allow: string[]): SimResponse => ({ status: 405, body: { error: { message: "Method Not Allowed" } }, headers: { Allow: allow.join(", ") } }),
  notFoundDevice: (id: number): SimResponse => err(404, `Device with identifier ${id} is not found or belong to another organization.`),
  orgNotFound: (): SimResponse => err(404, "Organization is not found or you don't have access to it."),
  userNotFound: (): SimResponse => err(404, "User is not found or you don't have access to him."),
  invalidBody: (): SimResponse => err(400, "Invalid request body."),
  /** The answer a fault with this status gets on a Platform API path (the token endpoint: RFC 6749 bodies for 400/401). */
  forStatus(status: number, tokenEndpoint: boolean): SimResponse {
    if (tokenEndpoint && (status === 400 || status === 401)) {
      return { status, body: { error: "invalid_client", error_description: "Client ID is not found or password is wrong." } };
    }
    if (status < 400) return status === 204 ? { status } : { status, body: {} };
    return err(status, STATUS_MESSAGES[status] ?? (status >= 500 ? "Internal server error" : "Bad request"));
  },
};

export function deviceIdParam(req: SimRequest): number | SimResponse {
  const id = parseInt32(qp(req.query, "deviceId"));
  return id === undefined ? err(400, "Device identifier. Should be a valid integer") : id;
}

/** Runs `fn` with the device of the deviceId query parameter, or answers 400/404. */
export function withDevice(f: BlynkFleet, req: SimRequest, fn: (d: BlynkDevice) => SimResponse): SimResponse {
  const id = deviceIdParam(req);
  if (typeof id !== "number") return id;
  const d = f.byId.get(id);
  return d ? fn(d) : answers.notFoundDevice(id);
}

export function paging(req: SimRequest): { page: number; size: number } | SimResponse {
  const pageRaw = qp(req.query, "page");
  const sizeRaw = qp(req.query, "size");
  const page = pageRaw === undefined ? 0 : parseInt32(pageRaw);
  if (page === undefined) return err(400, "Page number. Should be a valid integer");
  if (page < 0) return err(400, "Page number should not be negative.");
  const size = sizeRaw === undefined ? 50 : parseInt32(sizeRaw);
  if (size === undefined) return err(400, "Page size. Should be a valid integer");
  if (size > 1000) return err(400, "requested page size is too big");
  if (size < 1) return err(400, "Page size should be greater than 0.");
  return { page, size };
}

/** One page of `list` as {content, totalElements}. */
export function paged<T>(req: SimRequest, list: readonly T[], render: (x: T) => unknown): SimResponse {
  const pg = paging(req);
  if ("status" in pg) return pg;
  const from = pg.page * pg.size;
  const content = from >= list.length ? [] : list.slice(from, from + pg.size).map(render);
  return { status: 200, body: { content, totalElements: list.length } };
}

/** orgId query parameter: the principal's org when absent; 400 when not an integer; 404 outside the org tree. */
export function orgParam(f: BlynkFleet, req: SimRequest, p: BlynkPrincipal): number | SimResponse {
  const raw = qp(req.query, "orgId");
  if (raw === undefined) return p.orgId;
  const id = parseInt32(raw);
  if (id === undefined) return err(400, "Organization identifier. Should be a valid integer");
  return f.inTree(id) ? id : answers.orgNotFound();
}

export function emailParam(req: SimRequest, name: string, label: string): string | SimResponse {
  const v = qp(req.query, name);
  if (v === undefined) return err(400, `${label} is required.`);
  if (!EMAIL_RE.test(v)) return err(400, `${label} is not valid.`);
  return v.toLowerCase();
}

/** The JSON object body, or null (then answer invalidBody()). */
export function jsonBody(req: SimRequest): Record<string, unknown> | null {
  const parsed = parseJson(req.bodyText);
  return parsed.ok && isPlainObject(parsed.value) ? parsed.value : null;
}

export function bodyDeviceId(body: Record<string, unknown>): number | SimResponse {
  const id = jsonInt(body.deviceId);
  return id === undefined || Math.abs(id) > 2147483647 ? err(400, "Device identifier. Should be a valid integer") : id;
}

/** A JSON body's device: the body, the device, or the answer to give instead (400 or 404). */
export function bodyDevice(req: SimRequest): { body: Record<string, unknown>; id: number } | SimResponse {
  const body = jsonBody(req);
  if (!body) return answers.invalidBody();
  const id = bodyDeviceId(body);
  return typeof id === "number" ? { body, id } : id;
}

export function nameError(name: unknown): SimResponse | null {
  if (typeof name !== "string" || name.trim() === "" || !NAME_RE.test(name)) {
    return err(400, "Device name is not valid. Use up to 50 letters, digits, spaces, apostrophes, underscores and hyphens.");
  }
  return null;
}
