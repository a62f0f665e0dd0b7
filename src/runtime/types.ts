import type { Node, NodeDef } from "node-red";
import type { AnyClient, DeviceCloudError, Provider } from "../api";

export interface AccountCredentials {
  clientId?: string;
  clientSecret?: string;
}

export interface AccountDef extends NodeDef {
  provider?: Provider;
  server?: string;
  apiVersion?: string;
  simulate?: boolean;
  timeout?: number | string;
  /** The id of a core `tls-config` node: a CA to trust, a client certificate. */
  tls?: string;
}

export interface AccountNode extends Node<AccountCredentials> {
  provider: Provider;
  simulate: boolean;
  /** A property of the account that is wrong whatever the node asks of it (a provider neither cloud has). */
  problem?: DeviceCloudError;
  /** The account's client, once it is ready; rejects with INVALID_INPUT when the account is misconfigured. */
  client(): Promise<AnyClient>;
}

export interface FlowNodeDef extends NodeDef {
  account?: string;
  [key: string]: unknown;
}

/**
 * The texts every node shares (status, picker, common labels) live once, in the account node's catalogue
 * (nodes/locales/<lang>/devicecloud-account.json, key "devicecloud"); the other nodes name that catalogue.
 */
export const SHARED_CATALOGUE = "@devicecloud/node-red-devicecloud/devicecloud-account";

/** The full i18n key of a shared text, e.g. shared("status.ok"). */
export function shared(key: string): string {
  return `${SHARED_CATALOGUE}:devicecloud.${key}`;
}
