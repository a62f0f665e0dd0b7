/**
 * The built-in simulator of both device clouds: one HTTP/1.1 server on loopback that serves the Flatpeak API
 * (/login, /devices…, /sites…) and the Blynk Platform API (/oauth2/token, /api/v1/organization/…) at once, with
 * a seeded fleet, token expiry, fixed-window rate limits and fault injection; on request, a control API under
 * /_simulator/. What it implements, and which choices are inferences, is in docs/simulator.md.
 *
 * The parts: server.ts (HTTP), faults.ts, rate-limit.ts, control.ts, stats.ts; each cloud's rooms in blynk/ and
 * flatpeak*.ts, registered with the server as a SimCloud (cloud.ts).
 */
import type { ProviderName } from "./common";
import { TokenStore } from "./tokens";
import { streamOf, STREAM } from "./rng";
import { FLATPEAK_ACCOUNTS, FLATPEAK_DEMO, flatpeakCloud, type FlatpeakDevice, type FlatpeakSimAccount, type FlatpeakSite } from "./flatpeak";
import { blynkCloud, BLYNK_DEMO, type BlynkDevice, type BlynkOrg, type BlynkTag, type BlynkUser } from "./blynk";
import type { TemplateDef } from "./blynk/templates";
import { FaultTable, checkLatency, checkProvider, type FaultSpec } from "./faults";
import { DEFAULT_BLYNK_RATE_LIMIT, RateLimiter, checkSpec, type RateLimitSpec } from "./rate-limit";
import { SimServer } from "./server";
import { CONTROL_PREFIX, controlApi } from "./control";
import { emptyStats, snapshot, type SimulatorStats } from "./stats";

export { FLATPEAK_ACCOUNTS, FLATPEAK_DEMO, FLATPEAK_RELEASES, FLATPEAK_VERSIONS, FLATPEAK_DEFAULT_VERSION, FLATPEAK_DEVICE_TYPES } from "./flatpeak";
export type { FlatpeakSimAccount, FlatpeakRelease, FlatpeakRoom, FlatpeakDevice, FlatpeakSite, FlatpeakDeviceSummary, FlatpeakDeviceProperties, FlatpeakDeviceType } from "./flatpeak";
export { BLYNK_DEMO } from "./blynk";
export type { BlynkDevice, BlynkOrg, BlynkUser, BlynkTag, TimelineEvent, LogEntry, HardwareInfo } from "./blynk";
export { BLYNK_TEMPLATES, BLYNK_EVENT_TYPES } from "./blynk/templates";
export type { TemplateDef, MetaFieldDef, EventDef, DataStreamDef, MetaType } from "./blynk/templates";
export { DEFAULT_BLYNK_RATE_LIMIT, type RateLimitSpec } from "./rate-limit";
export type { FaultSpec } from "./faults";
export type { SimulatorStats } from "./stats";
export { MAX_BODY_BYTES } from "./server";

export interface SimulatorOptions {
  host?: string;
  port?: number;
  seed?: number;
  flatpeakDevices?: number;
  flatpeakSites?: number;
  blynkDevices?: number;
  tokenLifetimeSec?: { flatpeak?: number; blynk?: number };
  rateLimit?: { flatpeak?: RateLimitSpec | null; blynk?: RateLimitSpec | null };
  latencyMs?: number;
  log?: (line: string) => void;
  /**
   * Epoch ms that the fleet's relative times (Flatpeak last_seen, Blynk connect times and recent activations)
   * count back from. Default: the real time at start. Fix it to make the whole fleet a pure function of
   * (seed, sizes, startTime).
   */
  startTime?: number;
  /**
   * Serve the control API under /_simulator/ (faults, latency, rate limits, tokens, stats) to loopback clients.
   * Off by default: only a simulator that runs on its own (the CLI, tests, the bench) turns it on.
   */
  controlApi?: boolean;
}

export interface SimulatorFleet {
  flatpeak: { devices: FlatpeakDevice[]; sites: FlatpeakSite[] };
  blynk: { devices: BlynkDevice[]; orgs: BlynkOrg[]; users: BlynkUser[]; tags: BlynkTag[]; templates: readonly TemplateDef[] };
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  readonly credentials: { flatpeak: { clientId: string; clientSecret: string }; blynk: { clientId: string; clientSecret: string } };
  /** The seeded Flatpeak accounts, one on each release (the demo one, `credentials.flatpeak`, is on busbar). */
  readonly accounts: { flatpeak: readonly FlatpeakSimAccount[] };
  /** Adds an account; for Flatpeak, `release` is its default release (name or version; default busbar). */
  addAccount(provider: "flatpeak" | "blynk", clientId: string, clientSecret: string, release?: string): void;
  addFault(f: FaultSpec): number;
  removeFault(id: number): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setRateLimit(provider: "flatpeak" | "blynk", spec: RateLimitSpec | null): void;
  revokeTokens(provider?: "flatpeak" | "blynk"): void;
  expireTokens(provider?: "flatpeak" | "blynk"): void;
  stats(): SimulatorStats;
  resetStats(): void;
  /** Live data (read it, don't change it): the same objects the server answers from. */
  readonly fleet: SimulatorFleet;
  close(): Promise<void>;
}

const PROVIDERS: readonly ProviderName[] = ["flatpeak", "blynk"];

function checkCount(name: string, v: number | undefined, def: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 0 || v > 5_000_000) throw new RangeError(`${name} must be a whole number from 0 to 5000000`);
  return v;
}

/** The options checked, with their defaults. */
function settle(opts: SimulatorOptions) {
  const seed = opts.seed ?? 1;
  if (typeof seed !== "number" || !Number.isFinite(seed)) throw new TypeError("seed must be a finite number");
  const lifetime = { flatpeak: opts.tokenLifetimeSec?.flatpeak ?? 3600, blynk: opts.tokenLifetimeSec?.blynk ?? 86400 };
  for (const p of PROVIDERS) if (!(lifetime[p] > 0)) throw new RangeError(`tokenLifetimeSec.${p} must be > 0`);
  const realStart = Date.now();
  return {
    host: opts.host ?? "127.0.0.1",
    port: opts.port ?? 0,
    seed: Math.trunc(seed) >>> 0,
    flatpeakDevices: checkCount("flatpeakDevices", opts.flatpeakDevices, 240),
    flatpeakSites: checkCount("flatpeakSites", opts.flatpeakSites, 8),
    blynkDevices: checkCount("blynkDevices", opts.blynkDevices, 2400),
    lifetime,
    limits: {
      flatpeak: checkSpec(opts.rateLimit?.flatpeak, "rateLimit.flatpeak"),
      blynk: opts.rateLimit?.blynk === undefined ? { ...DEFAULT_BLYNK_RATE_LIMIT } : checkSpec(opts.rateLimit.blynk, "rateLimit.blynk"),
    } as Record<ProviderName, RateLimitSpec | null>,
    latency: checkLatency(opts.latencyMs ?? 0),
    log: opts.log ?? (() => undefined),
    realStart,
    dataStart: opts.startTime ?? realStart,
  };
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const o = settle(opts);
  const tokens = new TokenStore();
  let stats = emptyStats();
  let latency = o.latency;
  const flatpeak = flatpeakCloud(
    { seed: o.seed, devices: o.flatpeakDevices, sites: o.flatpeakSites, startTime: o.dataStart },
    { tokens, lifetimeSec: () => o.lifetime.flatpeak, onLogin: () => stats.logins.flatpeak++ },
  );
  const blynk = blynkCloud({ seed: o.seed, devices: o.blynkDevices, startTime: o.dataStart }, { tokens, lifetimeSec: () => o.lifetime.blynk, onLogin: () => stats.logins.blynk++ });
  const faults = new FaultTable(streamOf(o.seed, STREAM.faults));
  const limiter = new RateLimiter(o.limits, o.realStart, () => stats);
  // Blynk first: it owns /api/ and /oauth2/; Flatpeak takes every other path.
  const clouds = [blynk.cloud, flatpeak.cloud] as never[];
  const server = new SimServer({ clouds, faults, limiter, stats: () => stats, latency: () => latency, log: o.log });
  const sim = {
    credentials: {
      flatpeak: { clientId: FLATPEAK_DEMO.clientId, clientSecret: FLATPEAK_DEMO.clientSecret },
      blynk: { clientId: BLYNK_DEMO.clientId, clientSecret: BLYNK_DEMO.clientSecret },
    },
    accounts: { flatpeak: FLATPEAK_ACCOUNTS.map((a) => ({ ...a })) },
    addAccount(provider: ProviderName, clientId: string, clientSecret: string, release?: string) {
      checkProvider(provider, false);
      if (typeof clientId !== "string" || clientId === "" || typeof clientSecret !== "string") throw new TypeError("clientId and clientSecret must be strings");
      if (release !== undefined && (provider !== "flatpeak" || typeof release !== "string")) throw new TypeError("release is a Flatpeak release name or version");
      if (provider === "flatpeak") flatpeak.fleet.addAccount(clientId, clientSecret, release);
      else blynk.fleet.addAccount(clientId, clientSecret);
    },
    addFault: (f: FaultSpec) => faults.add(f),
    removeFault: (id: number) => faults.remove(id),
    clearFaults: () => faults.clear(),
    setLatency(ms: number) {
      latency = checkLatency(ms);
    },
    setRateLimit(provider: ProviderName, spec: RateLimitSpec | null) {
      checkProvider(provider, false);
      limiter.set(provider, spec);
    },
    revokeTokens: (provider?: ProviderName) => tokens.revoke(checkProvider(provider, true)),
    expireTokens: (provider?: ProviderName) => tokens.expire(Date.now(), checkProvider(provider, true)),
    stats: () => snapshot(stats),
    resetStats() {
      const inFlight = stats.inFlight;
      stats = emptyStats();
      stats.inFlight = inFlight;
      stats.maxInFlight = inFlight;
      limiter.resetStats();
    },
    get fleet(): SimulatorFleet {
      const b = blynk.fleet;
      return { flatpeak: { devices: flatpeak.fleet.devices, sites: flatpeak.fleet.sites }, blynk: { devices: b.devices, orgs: b.orgs, users: b.users, tags: b.tags, templates: b.templates } };
    },
    close: () => server.close(),
  };
  if (opts.controlApi) server.mount(CONTROL_PREFIX, controlApi({ sim, faults: () => faults.list(), hasFault: (id) => faults.has(id), isClosing: () => server.isClosing }));
  const addr = await server.listen(o.port, o.host);
  const urlHost = addr.family === "IPv6" || addr.address.includes(":") ? `[${addr.address}]` : addr.address;
  return Object.assign(sim, { url: `http://${urlHost}:${addr.port}`, port: addr.port });
}
