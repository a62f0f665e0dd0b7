/** The clients, without Node-RED: `createClient(config)` gives the one for the config's provider. */
import { unsupported } from "./base";
import { BLYNK_OFFERS, BlynkClient } from "./blynk";
import { FLATPEAK_OFFERS, FlatpeakClient } from "./flatpeak";
import type { ClientConfig, Offers, Operation, Provider } from "./types";

export type AnyClient = FlatpeakClient | BlynkClient;

export function createClient(config: ClientConfig): AnyClient {
  return config.provider === "blynk" ? new BlynkClient(config) : new FlatpeakClient(config);
}

/** What each cloud offers, as its client declares it. */
export const OFFERS: Readonly<Record<Provider, Offers>> = { flatpeak: FLATPEAK_OFFERS, blynk: BLYNK_OFFERS };

/**
 * Whether the cloud named `provider` offers `value` among its `list`: an operation, a manage action, a watch kind
 * (false for a provider that does not exist).
 */
export function offered<L extends keyof Offers>(provider: string, list: L, value: Offers[L][number]): boolean {
  return Object.hasOwn(OFFERS, provider) && (OFFERS[provider as Provider][list] as readonly string[]).includes(value);
}

/**
 * The client as its own cloud's class, for an operation only that cloud offers: UNSUPPORTED where the account's
 * cloud does not offer it (as OFFERS says).
 */
export function clientOf<P extends Provider>(client: AnyClient, provider: P, op: Operation): Extract<AnyClient, { provider: P }> {
  if (!offered(client.provider, "operations", op) || client.provider !== provider) throw unsupported(client.provider, op);
  return client as Extract<AnyClient, { provider: P }>;
}

export { FlatpeakClient, MAX_PRICE_DAYS } from "./flatpeak";
export { BlynkClient } from "./blynk";
export { parseDatastream, type DatastreamRef } from "./blynk-datastreams";
export { DeviceCloudError, ERROR_CODES, invalidInput, isCancelled } from "./errors";
export * as checks from "./checks";
export { describe, isBlank, wholeNumber } from "./checks";
export type { ErrorCode } from "./errors";
export { DEFAULTS, OPERATION_NAMES, MANAGE_ACTION_NAMES, PROVIDER_NAMES, WATCH_KIND_NAMES, notOffered, unsupported } from "./base";
export { resolveBaseUrl, DEFAULT_SERVERS, BLYNK_REGIONS } from "./server";
export type * from "./types";
export { ASSUMED_LIMIT, WATCH_SHARE, Watcher, minimumInterval, parseDeviceList, type PollResult } from "./watch";
