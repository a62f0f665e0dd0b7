/** What both clients share: the transport built from a ClientConfig, the defaults, and UNSUPPORTED. */
import { DeviceCloudError } from "./errors";
import { Transport, type TransportOptions } from "./transport";
import type { ClientConfig, Provider } from "./types";
import type { IssuedToken } from "./token";

export const DEFAULTS = {
  timeoutMs: 30_000,
  concurrency: 32,
  maxRetries: 4,
  baseBackoffMs: 500,
  maxBackoffMs: 8_000,
  windowMs: 60_000,
};

export const PROVIDER_NAMES: Record<Provider, string> = { flatpeak: "Flatpeak", blynk: "Blynk" };

/**
 * The operations of the nodes, each named as an error message names it. Which cloud offers which is declared once,
 * in each client's offers (FLATPEAK_OFFERS, BLYNK_OFFERS).
 */
export const OPERATION_NAMES = {
  listDevices: "list devices",
  getDevice: "get device",
  deviceStatus: "device status",
  triggerEvent: "trigger event",
  updateMetafield: "update metafield",
  listSites: "list sites",
  /** Create, rename, transfer, … one device: the actions are MANAGE_ACTION_NAMES. */
  manageDevice: "manage device",
  /** Timeline, actions log, tags and metafields of one device. */
  deviceHistory: "device history",
  /** Polling for connection changes and new activations (src/api/watch.ts). */
  watch: "watch",
  /** The energy price series of a location. */
  prices: "prices",
  /** The cheapest or dearest times of a period at a location. */
  priceSlots: "price slots",
  /** Datastream values (virtual pins) of a device: write, read, history. */
  datastream: "datastream",
} as const;

export type Operation = keyof typeof OPERATION_NAMES;

/** The manage-device node's actions (the values of its `action` property), each named as an error message names it. */
export const MANAGE_ACTION_NAMES = {
  create: "create",
  rename: "rename",
  update: "update",
  transferToUser: "transfer to a user",
  transferToOrg: "transfer to an organization",
  removeOwner: "remove owner",
  clearData: "clear data",
  delete: "delete",
} as const;

export type ManageAction = keyof typeof MANAGE_ACTION_NAMES;

/** What the watch node watches (its `watch` property), each named as an error message names it. */
export const WATCH_KIND_NAMES = {
  status: "watching devices go online and offline",
  activated: "watching for activated devices",
} as const;

export type WatchKind = keyof typeof WATCH_KIND_NAMES;

/** What one cloud offers: the nodes check it before any request, the editor reads it (devicecloudAccountOffers), the docs are tested against it. */
export interface Offers {
  operations: readonly Operation[];
  manageActions: readonly ManageAction[];
  watchKinds: readonly WatchKind[];
}

export function unsupported(provider: Provider, op: Operation): DeviceCloudError {
  return notOffered(provider, OPERATION_NAMES[op]);
}

/** UNSUPPORTED for `what` (an operation, an action, a kind of listing) that the account's cloud does not offer. */
export function notOffered(provider: Provider, what: string): DeviceCloudError {
  return new DeviceCloudError("UNSUPPORTED", `${what} is not offered by ${PROVIDER_NAMES[provider]}: choose an account of the other cloud.`);
}

export function buildTransport(
  config: ClientConfig,
  extra: Pick<TransportOptions, "headers" | "credentialHint"> & {
    login: (t: Transport) => Promise<IssuedToken>;
    defaultRateLimit?: number;
  },
): Transport {
  const windowMs = config.rateLimit?.windowMs ?? DEFAULTS.windowMs;
  return new Transport({
    baseUrl: config.baseUrl,
    timeoutMs: config.timeoutMs ?? DEFAULTS.timeoutMs,
    concurrency: config.concurrency ?? DEFAULTS.concurrency,
    maxRetries: config.maxRetries ?? DEFAULTS.maxRetries,
    baseBackoffMs: config.baseBackoffMs ?? DEFAULTS.baseBackoffMs,
    maxBackoffMs: config.maxBackoffMs ?? DEFAULTS.maxBackoffMs,
    rateLimit: { limit: config.rateLimit?.limit ?? extra.defaultRateLimit, windowMs },
    headers: extra.headers,
    login: extra.login,
    credentialHint: extra.credentialHint,
    secrets: typeof config.tls?.passphrase === "string" ? [config.clientSecret, config.tls.passphrase] : [config.clientSecret],
    onRequest: config.onRequest,
    tls: config.tls,
  });
}

/** A positive whole number of seconds from a token answer, or the fallback. */
export function seconds(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : fallback;
}
