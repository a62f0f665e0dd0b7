/**
 * The Flatpeak half of the simulator: a seeded fleet, served by one room per resource (auth, devices, sites, and
 * prices with the locations; more register with `addRoom`), each answer in the release the request is on. See
 * docs/simulator.md.
 */
import type { SimCloud } from "../cloud";
import type { RouteMatch, SimRequest, SimResponse } from "../common";
import type { TokenStore } from "../tokens";
import * as answers from "./answers";
import { AuthRoom, FLATPEAK_DEMO } from "./auth";
import { DevicesRoom } from "./devices";
import { FlatpeakFleet, type FlatpeakDeviceType, type FlatpeakDevice, type FlatpeakSite } from "./fleet";
import { PricesRoom } from "./prices";
import { versionInForce } from "./release";
import type { FlatpeakPrincipal, FlatpeakRoom } from "./room";
import { SitesRoom } from "./sites";

export { FLATPEAK_ACCOUNTS, FLATPEAK_DEMO, type FlatpeakSimAccount } from "./auth";
export { FLATPEAK_DEVICE_TYPES, type FlatpeakDevice, type FlatpeakDeviceProperties, type FlatpeakDeviceSummary, type FlatpeakDeviceType, type FlatpeakSite } from "./fleet";
export { FLATPEAK_DEFAULT_VERSION, FLATPEAK_RELEASES, FLATPEAK_VERSIONS, VERSION_HEADER, atLeast, releaseFor, type FlatpeakRelease, type FlatpeakReleaseName } from "./release";
export { versionedRoute, type FlatpeakHandler, type FlatpeakPrincipal, type FlatpeakRoom } from "./room";

export interface FlatpeakHooks {
  tokens: TokenStore;
  /** Seconds a new bearer token lives (expires_in). */
  lifetimeSec(): number;
  onLogin(): void;
}

export interface FlatpeakOptions {
  seed: number;
  devices: number;
  sites: number;
  /** The simulated "now" the relative times (last_seen) are computed from. */
  startTime: number;
}

export class FlatpeakSim {
  static readonly notFound = answers.notFound;
  static readonly badCredentials = answers.badCredentials;
  static readonly internalError = answers.internalError;
  static readonly rich = answers.rich;
  static readonly rateLimited = answers.rateLimited;
  static readonly errorFor = answers.errorFor;
  static readonly methodNotAllowed = answers.methodNotAllowed;

  readonly fleet: FlatpeakFleet;
  private readonly auth: AuthRoom;
  private readonly rooms: FlatpeakRoom[];

  constructor(opts: FlatpeakOptions, hooks: FlatpeakHooks) {
    this.fleet = new FlatpeakFleet({ ...opts, accountId: FLATPEAK_DEMO.clientId });
    this.auth = new AuthRoom(hooks);
    this.rooms = [this.auth, new DevicesRoom(this.fleet), new SitesRoom(this.fleet), new PricesRoom(this.fleet)];
  }

  /** Newest first (the API's order). */
  get devices(): FlatpeakDevice[] {
    return this.fleet.devices;
  }

  get sites(): FlatpeakSite[] {
    return this.fleet.sites;
  }

  /** Adds an account; `release` is its default release, by name or version (default busbar). */
  addAccount(accountId: string, apiKey: string, release?: string): void {
    this.auth.addAccount(accountId, apiKey, release);
  }

  /** Registers one more room (e.g. prices); the first room that matches a path answers it. */
  addRoom(room: FlatpeakRoom): void {
    this.rooms.push(room);
  }

  match(path: string): RouteMatch<FlatpeakPrincipal> | null {
    for (const room of this.rooms) {
      const m = room.match(path);
      if (m) return m;
    }
    return null;
  }

  authenticate(req: SimRequest): { principal: FlatpeakPrincipal } | { error: SimResponse } {
    return this.auth.authenticate(req);
  }

  /** The version every answer names in its flatpeak-version header: the caller's request if usable, else its default. */
  versionInForce(req: SimRequest): string {
    return versionInForce(req, this.auth.callerRelease(req));
  }

  /** The internal `type` of a device (busbar does not return it). */
  typeOf(id: string): FlatpeakDeviceType | undefined {
    return this.fleet.typeOf(id);
  }

  /** The location a site stands for (not part of the API's site shape). */
  locationOf(siteId: string): string | undefined {
    return this.fleet.locationOf(siteId);
  }
}

/** The Flatpeak cloud the server serves: FlatpeakSim's fleet and routes, its answers and its version header. */
export function flatpeakCloud(opts: FlatpeakOptions, hooks: FlatpeakHooks): { fleet: FlatpeakSim; cloud: SimCloud<FlatpeakPrincipal> } {
  const fleet = new FlatpeakSim(opts, hooks);
  const cloud: SimCloud<FlatpeakPrincipal> = {
    name: "flatpeak",
    owns: () => true,
    match: (path) => fleet.match(path),
    authenticate: (req) => fleet.authenticate(req),
    rateAccount: (p) => p.accountId,
    finalize: (r, req) => {
      r.headers = { ...(r.headers ?? {}), "flatpeak-version": fleet.versionInForce(req) };
      return r;
    },
    errors: {
      forStatus: (status) => FlatpeakSim.errorFor(status),
      notFound: FlatpeakSim.notFound,
      methodNotAllowed: FlatpeakSim.methodNotAllowed,
      rateLimited: (p) => FlatpeakSim.rateLimited(p.live),
      tooLarge: (message) => FlatpeakSim.rich(413, "body_too_large", message, "api", false),
      internal: FlatpeakSim.internalError,
    },
  };
  return { fleet, cloud };
}
