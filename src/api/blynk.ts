/**
 * Blynk Platform API (blynk.md): `POST /oauth2/token?grant_type=client_credentials` with HTTP Basic →
 * `access_token`, `expires_in`; ids in query parameters; numbered pages (`page` from 0, `size` up to 1000,
 * `totalElements`); 10,000 requests per minute per organization.
 */
import { buildTransport, seconds, unsupported } from "./base";
import { DeviceCloudError, invalidInput, wellFormed } from "./errors";
import { asObject, describe } from "./flatpeak";
import { numberedPages, type NumberedPage } from "./paging";
import type { Transport } from "./transport";
import type { ApiObject, CallOptions, ClientConfig, DeviceCloudClient, DeviceStatus, ListOptions, Operation, Page } from "./types";

export const BLYNK_MAX_PAGE = 1000;
export const BLYNK_RATE_LIMIT = 10_000;
const ORG = "/api/v1/organization";
const INT32_MAX = 2_147_483_647;
/** The operations this cloud offers (the nodes check it before any request). */
export const BLYNK_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  "listDevices",
  "getDevice",
  "deviceStatus",
  "triggerEvent",
  "updateMetafield",
  "manageDevice",
  "deviceHistory",
  "watchDevices",
]);

export class BlynkClient implements DeviceCloudClient {
  readonly provider = "blynk" as const;
  readonly transport: Transport;
  private readonly parallel: number;

  constructor(private readonly config: ClientConfig) {
    this.transport = buildTransport(config, {
      credentialHint: "the client id and client secret (an OAuth2 client with the Platform API scope) and the server region",
      login: (t) => this.login(t),
      defaultRateLimit: BLYNK_RATE_LIMIT,
    });
    this.parallel = config.concurrency ?? 32;
  }

  supports(op: Operation): boolean {
    return BLYNK_OPERATIONS.has(op);
  }

  rateLimit(): number {
    return this.transport.gate.currentLimit;
  }

  normalizeDeviceId(value: unknown, field = "deviceId"): number {
    return wholeNumber(value, field, "a Blynk device id");
  }

  async *listDevices(opts: ListOptions = {}): AsyncGenerator<Page> {
    const size = Math.max(1, Math.min(BLYNK_MAX_PAGE, opts.pageSize ?? BLYNK_MAX_PAGE));
    const query = typeof opts.query === "string" && opts.query.trim() !== "" ? opts.query.trim() : undefined;
    if (query !== undefined && query.length > 255) throw invalidInput("query", "a Blynk search text has at most 255 characters.");
    if (query !== undefined) wellFormed("query", query);
    const pages = numberedPages(
      (page, pageSize, signal) => this.fetchDevicePage(page, pageSize, query, { ...opts, signal }),
      size,
      opts.max ?? 0,
      this.parallel,
      opts.signal,
    );
    for await (const page of pages) yield { ...page, items: page.items.map(withoutToken) };
  }

  listSites(): AsyncGenerator<Page> {
    return rejectingGenerator(unsupported("blynk", "listSites"));
  }

  async getDevice(id: string | number, opts: CallOptions & { detail?: "full" | "base"; includeToken?: boolean } = {}): Promise<ApiObject> {
    const deviceId = this.normalizeDeviceId(id);
    const res = await this.transport.request({
      method: "GET",
      path: opts.detail === "base" ? `${ORG}/device/baseInfo` : `${ORG}/device`,
      query: { deviceId },
      signal: opts.signal,
      onWait: opts.onWait,
    });
    const device = asObject(res.data, "device");
    return opts.includeToken ? device : withoutToken(device);
  }

  async deviceStatus(id: string | number, opts: CallOptions = {}): Promise<DeviceStatus> {
    const deviceId = this.normalizeDeviceId(id);
    const res = await this.transport.request({
      method: "GET",
      path: `${ORG}/device/online`,
      query: { deviceId },
      signal: opts.signal,
      onWait: opts.onWait,
    });
    const body = asObject(res.data, "online status");
    if (typeof body.connected !== "boolean") {
      throw new DeviceCloudError("API_ERROR", "The answer to GET /device/online had no connected flag.", { status: res.status });
    }
    return { deviceId, online: body.connected, lastSeen: null, source: "connection" };
  }

  async triggerEvent(id: string | number, eventCode: string, description: string | undefined, opts: CallOptions = {}): Promise<void> {
    const deviceId = this.normalizeDeviceId(id);
    const body: Record<string, unknown> = { deviceId, eventCode };
    if (description !== undefined && description !== "") body.eventDescription = description;
    await this.transport.request({ method: "POST", path: `${ORG}/device/trigger-event`, body, signal: opts.signal, onWait: opts.onWait });
  }

  async updateMetafield(id: string | number, metafieldId: number, value: unknown, opts: CallOptions = {}): Promise<void> {
    const deviceId = this.normalizeDeviceId(id);
    await this.transport.request({
      method: "POST",
      path: `${ORG}/device/metafield`,
      body: { deviceId, metaFieldId: metafieldId, newValue: value },
      signal: opts.signal,
      onWait: opts.onWait,
    });
  }

  async listMetafields(id: string | number, opts: CallOptions = {}): Promise<ApiObject[]> {
    const deviceId = this.normalizeDeviceId(id);
    const res = await this.transport.request({ method: "GET", path: `${ORG}/device/metafield`, query: { deviceId }, signal: opts.signal });
    if (!Array.isArray(res.data)) throw new DeviceCloudError("API_ERROR", "The answer to GET /device/metafield was not a list.");
    return res.data as ApiObject[];
  }

  /** One page for the editor's device picker; `cursor` is the page number as a string. */
  async browseDevices(opts: CallOptions & { query?: string; cursor?: string; pageSize?: number } = {}) {
    const page = opts.cursor && /^\d+$/.test(opts.cursor) ? Number(opts.cursor) : 0;
    const size = Math.min(opts.pageSize ?? 50, BLYNK_MAX_PAGE);
    const query = opts.query && opts.query.trim() !== "" ? wellFormed("query", opts.query.trim().slice(0, 255)) : undefined;
    const body = await this.fetchDevicePage(page, size, query, opts);
    const seen = page * size + body.content.length;
    return { items: body.content.map(withoutToken), next: seen < body.totalElements && body.content.length > 0 ? String(page + 1) : null, total: body.totalElements };
  }

  async testConnection(opts: CallOptions = {}): Promise<{ devices: number; total: number }> {
    const body = await this.fetchDevicePage(0, 1, undefined, opts);
    return { devices: body.content.length, total: body.totalElements };
  }

  close(): void {
    this.transport.close();
  }

  private async login(t: Transport) {
    const res = await t.login({
      method: "POST",
      path: "/oauth2/token",
      query: { grant_type: "client_credentials" },
      user: this.config.clientId,
      password: this.config.clientSecret,
    });
    const body = (res.data ?? {}) as Record<string, unknown>;
    if (typeof body.access_token !== "string" || body.access_token === "") {
      throw new DeviceCloudError("API_ERROR", "The token answer had no access_token; check the account's server.", { status: res.status });
    }
    return { token: body.access_token, expiresIn: seconds(body.expires_in, 300) };
  }

  private async fetchDevicePage(page: number, size: number, query: string | undefined, opts: CallOptions): Promise<NumberedPage> {
    const res = await this.transport.request({
      method: "GET",
      path: query === undefined ? `${ORG}/devices` : `${ORG}/search/devices`,
      query: query === undefined ? { page, size } : { query, page, size },
      signal: opts.signal,
      onWait: opts.onWait,
    });
    const body = asObject(res.data, "page");
    if (!Array.isArray(body.content)) {
      throw new DeviceCloudError("API_ERROR", "The cloud's page of devices had no content list.", { status: res.status });
    }
    const total = typeof body.totalElements === "number" ? body.totalElements : Number(body.totalElements);
    return { content: body.content as ApiObject[], totalElements: Number.isFinite(total) ? total : body.content.length };
  }
}

/** A Blynk id: a whole number from 1 to 2³¹−1, given as a number or a string of digits. */
export function wholeNumber(value: unknown, field: string, what: string): number {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^\s*\d{1,10}\s*$/.test(value)) n = Number(value.trim());
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > INT32_MAX) {
    throw invalidInput(field, `${what} is a whole number (like 42), got ${describe(value)}.`);
  }
  return n;
}

/** The device's auth token is a secret: it leaves the client only when a node asks for it (includeToken). */
export function withoutToken(device: ApiObject): ApiObject {
  if (!device || typeof device !== "object" || !("token" in device)) return device;
  // Rest destructuring builds the copy without the key; `delete` on a copy would leave 100,000 listed devices as
  // slow dictionary-mode objects (measured by the benchmark: 2-3 times the time and heap).
  const { token: _token, ...copy } = device;
  return copy;
}

/** A listing that fails on its first step, as a generator must (not when it is created). */
function rejectingGenerator(err: Error): AsyncGenerator<Page> {
  return (async function* (): AsyncGenerator<Page> {
    yield* [];
    throw err;
  })();
}
