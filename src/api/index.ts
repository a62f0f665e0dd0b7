/** The clients, without Node-RED: `createClient(config)` gives the one for the config's provider. */
import { BlynkClient } from "./blynk";
import { FlatpeakClient } from "./flatpeak";
import type { ClientConfig } from "./types";

export type AnyClient = FlatpeakClient | BlynkClient;

export function createClient(config: ClientConfig): AnyClient {
  return config.provider === "blynk" ? new BlynkClient(config) : new FlatpeakClient(config);
}

export { FlatpeakClient } from "./flatpeak";
export { BlynkClient } from "./blynk";
export { DeviceCloudError, ERROR_CODES, isCancelled } from "./errors";
export type { ErrorCode } from "./errors";
export { resolveBaseUrl, DEFAULT_SERVERS, BLYNK_REGIONS } from "./server";
export type * from "./types";
export * as fleet from "./fleet";
export { Watcher, minimumInterval } from "./watch";
