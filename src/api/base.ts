/** What both clients share: the transport built from a ClientConfig, the defaults, and UNSUPPORTED. */
import { DeviceCloudError } from "./errors";
import { Transport, type TransportOptions } from "./transport";
import type { ClientConfig, Operation, Provider } from "./types";
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

export const OPERATION_NAMES: Record<Operation, string> = {
  listDevices: "list devices",
  getDevice: "get device",
  deviceStatus: "device status",
  triggerEvent: "trigger event",
  updateMetafield: "update metafield",
  listSites: "list sites",
  manageDevice: "manage device",
  deviceHistory: "device history",
  watchDevices: "watch",
  prices: "prices",
  priceSlots: "price slots",
  datastream: "datastream",
};

export function unsupported(provider: Provider, op: Operation): DeviceCloudError {
  return new DeviceCloudError(
    "UNSUPPORTED",
    `${OPERATION_NAMES[op]} is not offered by ${PROVIDER_NAMES[provider]}: choose an account of the other cloud.`,
  );
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
    secrets: [config.clientSecret],
    onRequest: config.onRequest,
  });
}

/** A positive whole number of seconds from a token answer, or the fallback. */
export function seconds(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : fallback;
}
