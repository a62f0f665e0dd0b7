import type { Node, NodeDef } from "node-red";
import type { AnyClient } from "../api";
import type { Provider } from "../api/types";

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
}

export interface AccountNode extends Node<AccountCredentials> {
  provider: Provider;
  simulate: boolean;
  /** The account's client, once it is ready; rejects with INVALID_INPUT when the account is misconfigured. */
  client(): Promise<AnyClient>;
}

export interface FlowNodeDef extends NodeDef {
  account?: string;
  [key: string]: unknown;
}

/** The package's own runtime settings (settings.js), each with a default. */
export function rateWindowSetting(settings: unknown): number | undefined {
  const v = Number((settings as Record<string, unknown> | undefined)?.devicecloudAccountRateWindow);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}
