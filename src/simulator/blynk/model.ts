/** The Blynk simulator's data: the organization's devices, orgs, users and tags, and what a request runs as. */
import type { BlynkEventType, DataStreamValue, LifecycleStatus } from "./templates";
import type { TokenStore } from "../tokens";

export const BLYNK_DEMO = { clientId: "oa2-client-id_simulator-demo", clientSecret: "simulator-demo-secret-0000000000000000000" } as const;
/** Every Platform API route but the token endpoint starts here. */
export const PREFIX = "/api/v1/organization";
export const DAY = 86400000;
export const MIN = 60000;
export const EMPTY_TAGS: readonly number[] = Object.freeze([]);

export interface HardwareInfo {
  version: string;
  fwType: string;
  blynkVersion: string;
  boardType: string;
  build: string;
  templateId: string;
}

/**
 * A fleet device. The scalar fields carry the API's names and values; `connected`, `tags`, `metaValues`,
 * `dsValues` and `dsUpdatedAt` are the simulator's own compact storage (rendered by the API as
 * /device/online, /device/tags, metaFieldValues and dataStreamValues).
 */
export interface BlynkDevice {
  id: number;
  name: string;
  templateId: number;
  originalTemplateId: number;
  orgId: number;
  token: string;
  lifecycleStatus: LifecycleStatus;
  activatedAt: number;
  firstConnectTime: number;
  firmwareUpdatedAt: number;
  connectTime: number;
  disconnectTime: number;
  ownerUserId?: number;
  hardwareInfo?: HardwareInfo;
  ip?: string;
  isLocked: boolean;
  lastReceivedEventAt: number;
  connected: boolean;
  tags: readonly number[];
  /** One value per template metafield (DeviceName and DeviceOwner: null, rendered from name and owner). */
  metaValues: unknown[];
  /** One value per template datastream; null: no value (never reported or cleared). */
  dsValues: (DataStreamValue | null)[];
  dsUpdatedAt: number;
}

export interface BlynkOrg {
  id: number;
  name: string;
  parentOrganizationId: number | null;
}

export interface BlynkUser {
  id: number;
  name: string;
  email: string;
  orgId: number;
}

export interface BlynkTag {
  id: number;
  tagOwnerOrgId: number;
  name: string;
}

export interface TimelineEvent {
  id: number;
  eventId: number;
  orgId: number;
  eventType: BlynkEventType;
  description: string;
  ts: number;
  isResolved: boolean;
  resolvedAt: number | null;
  resolvedComment: string | null;
}

export interface LogEntry {
  triggerUserEmail: string;
  value: number;
  pin: number;
  pinType: "VIRTUAL";
  isOnline: boolean;
  createdAt: number;
}

export interface BlynkPrincipal {
  clientId: string;
  orgId: number;
}

export interface BlynkHooks {
  tokens: TokenStore;
  lifetimeSec(): number;
  onLogin(): void;
}

export interface BlynkOptions {
  seed: number;
  devices: number;
  startTime: number;
}
