/**
 * Flatpeak (flatpeak.md): `GET /login` with HTTP Basic (account id, API key) → `bearer_token`, `expires_in`;
 * `Flatpeak-Version` on every request when the account sets one; cursor pages of up to 100.
 */
import { buildTransport, seconds, unsupported } from "./base";
import { DeviceCloudError, invalidInput, wellFormed } from "./errors";
import { cursorPages, type CursorPage } from "./paging";
import type { Transport } from "./transport";
import type { ApiObject, CallOptions, ClientConfig, DeviceCloudClient, DeviceStatus, ListOptions, Operation, Page } from "./types";

export const FLATPEAK_MAX_PAGE = 100;
/** Real ids have 24 characters after dev_; the bound keeps a runaway value out of the URL. */
const DEVICE_ID = /^dev_[A-Za-z0-9]{1,100}$/;
/** The operations this cloud offers (the nodes check it before any request). */
export const FLATPEAK_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>(["listDevices", "getDevice", "deviceStatus", "listSites", "manageDevice", "watchDevices"]);

export class FlatpeakClient implements DeviceCloudClient {
  readonly provider = "flatpeak" as const;
  readonly transport: Transport;

  constructor(private readonly config: ClientConfig) {
    const headers: Record<string, string> = {};
    if (config.apiVersion && config.apiVersion.trim() !== "") headers["Flatpeak-Version"] = config.apiVersion.trim();
    this.transport = buildTransport(config, {
      headers,
      credentialHint: "the account id (acc_…) and the API key (sk_live_… or sk_test_…)",
      login: (t) => this.login(t),
    });
  }

  supports(op: Operation): boolean {
    return FLATPEAK_OPERATIONS.has(op);
  }

  normalizeDeviceId(value: unknown, field = "deviceId"): string {
    if (typeof value !== "string") {
      throw invalidInput(field, `a Flatpeak device id is a string like dev_63a6087272941ef077a8fd3e, got ${describe(value)}.`);
    }
    const id = value.trim();
    if (!DEVICE_ID.test(id)) {
      throw invalidInput(field, `a Flatpeak device id looks like dev_63a6087272941ef077a8fd3e, got ${describe(value)}.`);
    }
    return id;
  }

  async *listDevices(opts: ListOptions = {}): AsyncGenerator<Page> {
    yield* this.list("/devices", opts);
  }

  async *listSites(opts: ListOptions = {}): AsyncGenerator<Page> {
    yield* this.list("/sites", opts);
  }

  async getDevice(id: string | number, opts: CallOptions = {}): Promise<ApiObject> {
    const res = await this.transport.request({
      method: "GET",
      path: `/devices/${encodeURIComponent(this.normalizeDeviceId(id))}`,
      signal: opts.signal,
      onWait: opts.onWait,
    });
    return asObject(res.data, "device");
  }

  async deviceStatus(id: string | number, opts: CallOptions & { offlineAfter?: number } = {}): Promise<DeviceStatus> {
    const device = await this.getDevice(id, opts);
    return statusFromLastSeen({ id: String(id), ...device }, opts.offlineAfter ?? 900);
  }

  triggerEvent(): Promise<void> {
    return Promise.reject(unsupported("flatpeak", "triggerEvent"));
  }

  updateMetafield(): Promise<void> {
    return Promise.reject(unsupported("flatpeak", "updateMetafield"));
  }

  listMetafields(): Promise<ApiObject[]> {
    return Promise.reject(unsupported("flatpeak", "updateMetafield"));
  }

  /** One page for the editor's device picker; `cursor` is the last id of the page before. */
  async browseDevices(opts: CallOptions & { query?: string; cursor?: string; pageSize?: number } = {}) {
    const query = opts.query ? wellFormed("query", opts.query) : undefined;
    const page = await this.fetchPage("/devices", Math.min(opts.pageSize ?? 50, FLATPEAK_MAX_PAGE), opts.cursor || undefined, query, opts);
    const last = page.data[page.data.length - 1];
    return { items: page.data, next: page.hasMore && last && typeof last.id === "string" ? last.id : null, total: undefined };
  }

  async testConnection(opts: CallOptions = {}): Promise<{ devices: number; more: boolean }> {
    const page = await this.fetchPage("/devices", FLATPEAK_MAX_PAGE, undefined, undefined, opts);
    return { devices: page.data.length, more: page.hasMore };
  }

  close(): void {
    this.transport.close();
  }

  private async login(t: Transport) {
    const res = await t.login({ method: "GET", path: "/login", user: this.config.clientId, password: this.config.clientSecret });
    const body = (res.data ?? {}) as Record<string, unknown>;
    const token = [body.bearer_token, body.token, body.access_token].find((v) => typeof v === "string" && v !== "");
    if (typeof token !== "string") {
      throw new DeviceCloudError("API_ERROR", "The login answer had no bearer_token; check the account's server.", { status: res.status });
    }
    let expiresIn = seconds(body.expires_in, 0);
    if (!expiresIn && typeof body.expires_at === "string") expiresIn = Math.max(1, (Date.parse(body.expires_at) - Date.now()) / 1000);
    return { token, expiresIn: expiresIn || 3600 };
  }

  private list(path: "/devices" | "/sites", opts: ListOptions): AsyncGenerator<Page> {
    const size = Math.max(1, Math.min(FLATPEAK_MAX_PAGE, opts.pageSize ?? FLATPEAK_MAX_PAGE));
    const query = typeof opts.query === "string" && opts.query.trim() !== "" ? wellFormed("query", opts.query.trim()) : undefined;
    return cursorPages((limit, after) => this.fetchPage(path, limit, after, query, opts), size, opts.max ?? 0);
  }

  private async fetchPage(
    path: string,
    limit: number,
    startingAfter: string | undefined,
    referenceId: string | undefined,
    opts: CallOptions,
  ): Promise<CursorPage> {
    const res = await this.transport.request({
      method: "GET",
      path,
      query: { limit, starting_after: startingAfter, reference_id: referenceId },
      signal: opts.signal,
      onWait: opts.onWait,
    });
    const body = asObject(res.data, "list");
    if (!Array.isArray(body.data)) {
      throw new DeviceCloudError("API_ERROR", `The answer to GET ${path} had no data list.`, { status: res.status });
    }
    return { data: body.data as ApiObject[], hasMore: body.has_more === true };
  }
}

/**
 * Online from Flatpeak's `last_seen`: seen within `offlineAfter` seconds. `lastSeen` is the cloud's own ISO 8601
 * string, as it reported it, or null when the device was never seen.
 */
export function statusFromLastSeen(device: ApiObject, offlineAfter: number, now = Date.now()): DeviceStatus {
  const raw = device.last_seen;
  const seenAt = typeof raw === "string" ? Date.parse(raw) : NaN;
  const lastSeen = Number.isNaN(seenAt) ? null : (raw as string);
  const online = !Number.isNaN(seenAt) && now - seenAt <= offlineAfter * 1000;
  return { deviceId: typeof device.id === "string" ? device.id : String(device.id), online, lastSeen, source: "last_seen" };
}

export function asObject(data: unknown, what: string): ApiObject {
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    throw new DeviceCloudError("API_ERROR", `The cloud's answer was not a ${what} object.`);
  }
  return data as ApiObject;
}

/** A short, safe description of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    if (value.trim() === "") return "an empty string";
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
