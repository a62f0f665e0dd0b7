/**
 * What the watch node polls, without Node-RED: one `poll()` reads the state it watches and returns what changed
 * since the poll before (the first poll returns the current state, flagged `first`).
 *
 * - status, Blynk: the cloud has no fleet-wide connection state, so a poll is one `GET /device/online` per
 *   device (plus the pages of `GET /devices` when every device is watched).
 * - status, Flatpeak: online is derived from `last_seen` as device status does; every device costs one page
 *   request per 100 devices, chosen devices one `GET /devices/{id}` each.
 * - activated, Blynk: one `GET /device/last-activated` per poll, new ids compared with the poll before.
 *
 * `minimumInterval` turns the requests of one poll into the shortest interval that keeps the watch within its
 * share of the account's rate limit.
 */
import type { BlynkClient } from "./blynk";
import { DeviceCloudError, invalidInput } from "./errors";
import { notOffered, WATCH_KIND_NAMES, type WatchKind } from "./base";
import { statusFromLastSeen, type FlatpeakClient } from "./flatpeak";

export { statusFromLastSeen };
import type { ApiObject, CallOptions, DeviceStatus, Provider } from "./types";

type Client = BlynkClient | FlatpeakClient;

export interface WatchEvent {
  event: "online" | "offline" | "activated";
  deviceId: string | number;
  /** status: `{deviceId, online, lastSeen, source}` as device status sends it; activated: the activation entry. */
  payload: ApiObject;
  /** The device as listed (status of every device) or read (Flatpeak, chosen devices), tokens removed. */
  device?: ApiObject;
}

export interface PollResult {
  events: WatchEvent[];
  /** True for the first successful poll: `events` is the current state, not a change. */
  first: boolean;
  /** HTTP requests this poll needed. */
  requests: number;
  /** Devices watched (status) or activations in the window (activated). */
  watched: number;
  /** status: devices online now. */
  online?: number;
}

/** The share of the account's rate limit one watch node may use; the rest is left to the other nodes. */
export const WATCH_SHARE = 0.2;
/**
 * Requests per rate window assumed when the account knows no limit: Blynk documents 10,000 per minute per
 * organization; Flatpeak documents none (429 exists), so a modest 600 per minute is assumed.
 */
export const ASSUMED_LIMIT: Record<Provider, number> = { blynk: 10_000, flatpeak: 600 };

/** Seconds between poll starts that keep `requestsPerPoll` within `share` of `limit` requests per `windowMs`. */
export function minimumInterval(requestsPerPoll: number, limit: number, windowMs: number, share = WATCH_SHARE): number {
  if (!(requestsPerPoll > 0) || !(limit > 0) || !Number.isFinite(limit)) return 0;
  return (requestsPerPoll * windowMs) / (share * limit) / 1000;
}

/**
 * What a watcher remembers between polls, as plain JSON, so that it can outlive the process (the watch node keeps
 * it in its context). One entry per device watched (status) or per activation in the window (activated).
 */
export interface WatchState {
  kind: WatchKind;
  provider: Provider;
  /** status: device id → online. */
  known?: Record<string, boolean>;
  /** activated: the ids of the activations seen in the last poll. */
  seen?: string[];
}

export class Watcher {
  private known: Map<string, boolean> | undefined;
  private seen: Set<string> | undefined;

  constructor(
    private readonly client: Client,
    private readonly kind: WatchKind,
    private readonly opts: { offlineAfter?: number; minutes?: number } = {},
  ) {
    if (!client.offers.watchKinds.includes(kind)) throw notOffered(client.provider, WATCH_KIND_NAMES[kind]);
  }

  /** The state after the last poll that succeeded; undefined before the first one. */
  state(): WatchState | undefined {
    const provider = this.client.provider;
    if (this.kind === "status") return this.known && { kind: "status", provider, known: Object.fromEntries(this.known) };
    return this.seen && { kind: "activated", provider, seen: [...this.seen] };
  }

  /**
   * Takes up a state kept from before (see `state()`), so that the next poll compares with it and is not a first
   * poll. A state of another kind or cloud, or not shaped as `state()` makes it, is ignored: returns false.
   */
  restore(state: unknown): boolean {
    if (!state || typeof state !== "object") return false;
    const s = state as Partial<WatchState>;
    if (s.kind !== this.kind || s.provider !== this.client.provider) return false;
    if (this.kind === "status") {
      const known = s.known && typeof s.known === "object" && !Array.isArray(s.known) ? Object.entries(s.known) : undefined;
      if (!known || !known.every(([, online]) => typeof online === "boolean")) return false;
      this.known = new Map(known);
      return true;
    }
    if (!Array.isArray(s.seen) || !s.seen.every((id) => typeof id === "string")) return false;
    this.seen = new Set(s.seen);
    return true;
  }

  /**
   * One poll. `deviceIds` (status only): the devices to watch; undefined: every device of the account. A failed
   * poll changes nothing: the next one compares with the last poll that succeeded.
   */
  async poll(call: CallOptions = {}, deviceIds?: unknown[]): Promise<PollResult> {
    return this.kind === "activated" ? this.pollActivated(call) : this.pollStatus(call, deviceIds);
  }

  private async pollActivated(call: CallOptions): Promise<PollResult> {
    // The constructor took "activated" from a Blynk client only.
    const list = await (this.client as BlynkClient).lastActivated(this.opts.minutes ?? 5, call);
    const first = this.seen === undefined;
    const now = new Set<string>();
    const events: WatchEvent[] = [];
    for (const entry of list) {
      const key = String(entry.id);
      if (now.has(key)) continue;
      now.add(key);
      if (first || !this.seen!.has(key)) events.push({ event: "activated", deviceId: entry.id as number, payload: entry });
    }
    // Oldest first: the messages tell the activations in the order they happened.
    events.sort((a, b) => num(a.payload.activatedAt) - num(b.payload.activatedAt));
    this.seen = now;
    return { events, first, requests: 1, watched: now.size };
  }

  private async pollStatus(call: CallOptions, deviceIds?: unknown[]): Promise<PollResult> {
    const ids = deviceIds?.map((id) => this.client.normalizeDeviceId(id, "devices"));
    const { states, requests } = await this.readStates(call, ids);
    const first = this.known === undefined;
    const now = new Map<string, boolean>();
    const events: WatchEvent[] = [];
    let online = 0;
    for (const { status, device } of states) {
      const key = String(status.deviceId);
      if (now.has(key)) continue;
      now.set(key, status.online);
      if (status.online) online++;
      const before = this.known?.get(key);
      // A device seen for the first time after the first poll (new in the account, or newly in the list of devices
      // to watch) is sent with its state: that it exists, online or not, is news.
      const changed = first || before === undefined || before !== status.online;
      if (changed) {
        const e: WatchEvent = { event: status.online ? "online" : "offline", deviceId: status.deviceId, payload: { ...status } };
        if (device) e.device = device;
        events.push(e);
      }
    }
    this.known = now;
    return { events, first, requests, watched: now.size, online };
  }

  private async readStates(call: CallOptions, ids?: Array<string | number>): Promise<{ states: Array<{ status: DeviceStatus; device?: ApiObject }>; requests: number }> {
    const offlineAfter = this.opts.offlineAfter ?? 900;
    const c = this.client;
    if (c.provider === "flatpeak") {
      if (ids) {
        const devices = await all(ids, call, (id, opts) => c.getDevice(id, opts), false);
        return { states: devices.map((d) => ({ status: statusFromLastSeen(d!, offlineAfter), device: d! })), requests: ids.length };
      }
      const { items, pages } = await listAll(c, call);
      return { states: items.map((d) => ({ status: statusFromLastSeen(d, offlineAfter), device: d })), requests: pages };
    }
    if (ids) {
      const states = await all(ids, call, (id, opts) => c.deviceStatus(id, opts), false);
      return { states: states.map((s) => ({ status: s! })), requests: ids.length };
    }
    const { items, pages } = await listAll(c, call);
    const known = items.filter((d) => typeof d.id === "number");
    // A device deleted between the listing and its status request is left out (NOT_FOUND), not a failed poll.
    const states = await all(known.map((d) => d.id as number), call, (id, opts) => c.deviceStatus(id, opts), true);
    const out: Array<{ status: DeviceStatus; device?: ApiObject }> = [];
    states.forEach((s, i) => {
      if (s) out.push({ status: s, device: known[i] });
    });
    return { states: out, requests: pages + known.length };
  }
}

async function listAll(c: Client, call: CallOptions): Promise<{ items: ApiObject[]; pages: number }> {
  const items: ApiObject[] = [];
  let pages = 0;
  for await (const page of c.listDevices({ signal: call.signal, onWait: call.onWait })) {
    pages++;
    items.push(...page.items);
  }
  return { items, pages: Math.max(1, pages) };
}

/**
 * Runs `fn` for every id at once (the account's gate bounds what is in flight). The first failure aborts the
 * rest and rejects; with `skipMissing`, NOT_FOUND gives null instead.
 */
async function all<T>(
  ids: Array<string | number>,
  call: CallOptions,
  fn: (id: string | number, opts: CallOptions) => Promise<T>,
  skipMissing: boolean,
): Promise<Array<T | null>> {
  const controller = new AbortController();
  const signal = call.signal ? AbortSignal.any([call.signal, controller.signal]) : controller.signal;
  try {
    return await Promise.all(
      ids.map(async (id) => {
        try {
          return await fn(id, { signal, onWait: call.onWait });
        } catch (err) {
          if (skipMissing && err instanceof DeviceCloudError && err.code === "NOT_FOUND") return null;
          throw err;
        }
      }),
    );
  } finally {
    controller.abort();
  }
}

function num(v: unknown): number {
  return typeof v === "number" ? v : Number(v) || 0;
}

/** The devices property of the watch node, evaluated: undefined (every device) or a list of ids. */
export function parseDeviceList(value: unknown, field = "devices"): unknown[] {
  if (value === undefined || value === null) throw invalidInput(field, "the list of devices to watch is not set (blank watches every device).");
  if (Array.isArray(value)) return value;
  if (typeof value === "number") return [value];
  if (typeof value === "string") return value.split(/[\s,;]+/).filter((s) => s !== "");
  throw invalidInput(field, "must be device ids: a text with ids separated by commas, or an array.");
}
