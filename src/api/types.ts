/** What the nodes see of a cloud: one interface, one class per provider (flatpeak.ts, blynk.ts). */

export type Provider = "flatpeak" | "blynk";

import type { AgentOptions } from "node:https";
import type { Offers, Operation } from "./base";

export type { Operation, ManageAction, Offers, WatchKind } from "./base";

/** A JSON object as the API returned it. */
export type ApiObject = Record<string, unknown>;

export interface Page<T = ApiObject> {
  items: T[];
  /** The total the API reports (Blynk `totalElements`); undefined where it reports none (Flatpeak). */
  total?: number;
  /** 0-based page number in the order the pages are yielded. */
  index: number;
  /** How many pages the listing yields, where the cloud's total tells (Blynk); undefined for cursor pages. */
  pages?: number;
}

export interface CallOptions {
  /** Aborts the call; a cancelled call rejects with CancelledError and is never reported. */
  signal?: AbortSignal;
  /** Called when the call starts waiting for the account's rate limit, and again (false) when it stops. */
  onWait?: (waiting: boolean) => void;
}

export interface ListOptions extends CallOptions {
  /** Blynk: search text; Flatpeak: reference_id filter. Blank: none. */
  query?: string;
  /** Stop after this many items; 0 or undefined: all. */
  max?: number;
  /** Items per request; defaults to the provider's maximum (Flatpeak 100, Blynk 1000). */
  pageSize?: number;
}

/** Which devices a listing gives: all (default), of an owner, in a user's organization, activated recently (the last three Blynk only). */
export type ListBy = "all" | "owner" | "userOrg" | "activated";

export interface DeviceListOptions extends ListOptions {
  by?: ListBy;
  /** owner / userOrg: the email address. */
  email?: string;
  /** activated: the window in minutes, 1 to 60 (default 5). */
  minutes?: number;
  /** all, Blynk, without a search text: include the devices of sub-organizations. */
  includeSubOrgs?: boolean;
  /** all (without a search text), owner, activated, Blynk: the (sub-)organization; absent: the token's. */
  orgId?: number;
  /** all, Blynk, with a search text: sort field and order. */
  sortBy?: string;
  sortOrder?: "ASC" | "DESC" | string;
}

/** What manage device's create sends: Blynk reads the first four, Flatpeak the last four. */
export interface CreateInput {
  templateId?: unknown;
  name?: unknown;
  ownerId?: unknown;
  orgId?: unknown;
  referenceId?: unknown;
  deviceType?: unknown;
  locations?: unknown;
  extra?: unknown;
}

/** Blynk device tokens leave the client only when asked for. */
export type TokenOption = CallOptions & { includeToken?: boolean };

export type TransferTarget = { userId: unknown } | { orgId: unknown };

export interface BrowsePage {
  items: ApiObject[];
  next: string | null;
  total?: number;
}

export interface DeviceStatus {
  deviceId: string | number;
  online: boolean;
  lastSeen: string | null;
  source: "connection" | "last_seen";
}

export interface DeviceCloudClient {
  readonly provider: Provider;
  /** What this client's cloud offers (its declaration, FLATPEAK_OFFERS or BLYNK_OFFERS). */
  readonly offers: Offers;
  supports(op: Operation): boolean;
  /** Checks an id for this provider and returns it in its canonical form (Blynk: a number). Throws INVALID_INPUT. */
  normalizeDeviceId(value: unknown, field?: string): string | number;
  /** Pages of devices in API order; stops after `max` items. */
  listDevices(opts?: DeviceListOptions): AsyncGenerator<Page>;
  getDevice(id: string | number, opts?: CallOptions & { detail?: "full" | "base"; includeToken?: boolean }): Promise<ApiObject>;
  deviceStatus(id: string | number, opts?: CallOptions & { offlineAfter?: number }): Promise<DeviceStatus>;
  /** Logs in and reads one page of devices: the editor's "Test connection". */
  testConnection(opts?: CallOptions): Promise<{ devices: number; total?: number; more?: boolean }>;
  /** One page of devices for the editor's picker; `next` is the cursor of the page after, or null. */
  browseDevices(opts?: CallOptions & { query?: string; cursor?: string; pageSize?: number }): Promise<BrowsePage>;
  /** The requests per rate window the cloud documents for the account (Infinity when it documents none). */
  rateLimit(): number;
  /** Cancels every pending request and frees sockets and timers. The client is unusable afterwards. */
  close(): void;
}

export interface ClientConfig {
  provider: Provider;
  /** Base URL, e.g. https://api.flatpeak.com (no trailing slash). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Flatpeak-Version header; blank: none. */
  apiVersion?: string;
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number;
  /** Requests in flight at once for this account (default 32). */
  concurrency?: number;
  /** Retries of a 429 before RATE_LIMITED (default 4). */
  maxRetries?: number;
  /** Upper bound of a computed backoff delay in ms (default 8000). */
  maxBackoffMs?: number;
  /** First backoff delay in ms (default 500). */
  baseBackoffMs?: number;
  /** The cloud's rate window, and the requests per window the account may make before any 429 was seen (Blynk: 10000 per minute). */
  rateLimit?: { limit?: number; windowMs: number };
  /** Called for every outgoing request (method and path only; never headers): used by tests and debug logs. */
  onRequest?: (info: { method: string; path: string }) => void;
  /** For https: a CA to trust, a client certificate, by Node's own option names. */
  tls?: TlsOptions;
}

/** What a TLS configuration gives an account's https connections (see Node's tls.connect). */
export type TlsOptions = Pick<AgentOptions, "ca" | "cert" | "key" | "pfx" | "passphrase" | "servername" | "rejectUnauthorized">;

export type PriceDirection = "IMPORT" | "EXPORT";

/** A period at a location: epoch ms, `end` after `start`. */
export interface PriceRequest extends CallOptions {
  locationId: string;
  start: number;
  end: number;
  direction?: PriceDirection;
}

export interface PriceEntry {
  start: string;
  end: string;
  /** Per kWh, in major currency units as the cloud gives it. */
  price: number;
  /** 0..1; below 1: a forecast. */
  confidence: number;
}

/** `devicecloud-prices`' payload: one shape whatever the release. */
export interface PriceSeries {
  locationId: string;
  timezone: string | null;
  currency: string | null;
  direction: PriceDirection;
  prices: PriceEntry[];
  current: PriceEntry | null;
  nextUpdate: string | null;
}

export interface SlotRequest extends PriceRequest {
  segment: "LOW" | "HIGH";
  rule: { mode: "duration"; minutes: number } | { mode: "threshold"; kind: "relative" | "absolute"; value: number };
}

export interface SlotEntry {
  start: string;
  end: string;
  averagePrice: number;
  confidence: number;
}

/** `devicecloud-price-slots`' payload (output "slots"). */
export interface SlotPlan {
  locationId: string;
  timezone: string | null;
  currency: string | null;
  direction: PriceDirection;
  segment: "LOW" | "HIGH";
  slots: SlotEntry[];
  minutes: number;
  nextUpdate: string | null;
}
