/** The clients, without Node-RED: `createClient(config)` gives the one for the config's provider. */
import { BLYNK_OFFERS, BlynkClient } from "./blynk";
import { FLATPEAK_OFFERS, FlatpeakClient } from "./flatpeak";
import type { ClientConfig, ManageAction, Offers, Operation, Provider } from "./types";

export type AnyClient = FlatpeakClient | BlynkClient;

export function createClient(config: ClientConfig): AnyClient {
  return config.provider === "blynk" ? new BlynkClient(config) : new FlatpeakClient(config);
}

/** What each cloud offers, as its client declares it. */
export const OFFERS: Readonly<Record<Provider, Offers>> = { flatpeak: FLATPEAK_OFFERS, blynk: BLYNK_OFFERS };

/** Whether the cloud named `provider` offers the operation (false for a provider that does not exist). */
export function offersOperation(provider: string, op: Operation): boolean {
  return Object.hasOwn(OFFERS, provider) && OFFERS[provider as Provider].operations.includes(op);
}

export function offersManageAction(provider: string, action: ManageAction): boolean {
  return Object.hasOwn(OFFERS, provider) && OFFERS[provider as Provider].manageActions.includes(action);
}

export { FlatpeakClient } from "./flatpeak";
export { BlynkClient } from "./blynk";
export { DeviceCloudError, ERROR_CODES, isCancelled } from "./errors";
export { describe, wholeNumber } from "./checks";
export type { ErrorCode } from "./errors";
export { OPERATION_NAMES, MANAGE_ACTION_NAMES, PROVIDER_NAMES, unsupported } from "./base";
export { resolveBaseUrl, DEFAULT_SERVERS, BLYNK_REGIONS } from "./server";
export type * from "./types";
export * as fleet from "./fleet";
export { Watcher, minimumInterval } from "./watch";
