/**
 * The Blynk half of the simulator: a seeded organization (a main org and one or two sub-orgs, their users, tags
 * and devices of six templates), the OAuth2 token endpoint, and every operation of the Platform API's Devices
 * page. Ids travel in query parameters, lists are {content, totalElements}, errors {"error":{"message"}}.
 */
import { Rng, hash32, streamOf, STREAM } from "./rng";
import { isPlainObject, jsonInt, parseBasic, parseBearer, parseInt32, parseJson, qp, type RouteMatch, type SimRequest, type SimResponse } from "./common";
import type { TokenStore } from "./tokens";
import {
  BLYNK_EVENT_TYPES,
  BLYNK_TEMPLATES,
  CONTACTS,
  LIFECYCLE,
  LOCATIONS,
  RANGES,
  SUPPORT_EMAILS,
  ZONES,
  type BlynkEventType,
  type ContactValue,
  type LifecycleStatus,
  type LocationValue,
  type MetaFieldDef,
  type TemplateDef,
} from "./blynk-templates";

export const BLYNK_DEMO = { clientId: "oa2-client-id_simulator-demo", clientSecret: "simulator-demo-secret-0000000000000000000" } as const;
const PREFIX = "/api/v1/organization";

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
  dsValues: (number | null)[];
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

type Handler = (req: SimRequest, p: BlynkPrincipal) => SimResponse;

const ACTIVATED_FROM = Date.UTC(2023, 0, 1);
const ACTIVATED_TO = Date.UTC(2026, 5, 1);
const DAY = 86400000;
const MIN = 60000;
const FIRST_NAMES = ["Olivia", "Noah", "Amelia", "Liam", "Isla", "Oliver", "Ava", "George", "Mia", "Arthur", "Sofia", "Leo", "Grace", "Oscar", "Lily", "Harry", "Freya", "Jack", "Emily", "Theo", "Anna", "Lukas", "Chloe", "Mateo", "Zara", "Ravi", "Nadia", "Kenji", "Elena", "Samuel"];
const LAST_NAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Lewis", "Harris", "Martin", "Cooper", "King", "Lee", "Baker", "Young"];
const IP_FIRST = [31, 37, 46, 62, 77, 78, 81, 82, 86, 92, 109, 151, 185, 188, 212, 213];
const NAME_RE = /^[\p{L}\p{N} '_-]{1,50}$/u;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const RESOLVE_COMMENTS = ["Checked on site", "Battery replaced", "False alarm", "Fixed by the installer", "Reset remotely"];
const EMPTY_TAGS: readonly number[] = Object.freeze([]);

const SORT_KEYS: Record<string, string> = {
  deviceid: "id",
  id: "id",
  name: "name",
  activatedat: "activatedAt",
  ownerid: "ownerUserId",
  owneruserid: "ownerUserId",
  organizationid: "orgId",
  orgid: "orgId",
  templateid: "templateId",
  authtoken: "token",
  token: "token",
  lastreportedat: "lastReceivedEventAt",
  lastreceivedeventat: "lastReceivedEventAt",
  deviceowner: "ownerEmail",
  owneremail: "ownerEmail",
  activatedby: "ownerEmail",
  deviceownername: "ownerName",
  templatename: "templateName",
  model: "model",
  firmwareversion: "firmwareVersion",
  status: "status",
};

function err(status: number, message: string): SimResponse {
  return { status, body: { error: { message } } };
}

export class BlynkSim {
  readonly mainOrgId: number;
  readonly orgs: BlynkOrg[] = [];
  readonly users: BlynkUser[] = [];
  readonly tags: BlynkTag[] = [];
  readonly templates = BLYNK_TEMPLATES;
  /** Ascending id (the list order). Live. */
  readonly devices: BlynkDevice[] = [];
  private readonly byId = new Map<number, BlynkDevice>();
  private readonly userById = new Map<number, BlynkUser>();
  private readonly userByEmail = new Map<string, BlynkUser>();
  private readonly templateById = new Map<number, TemplateDef>();
  private readonly templateByString = new Map<string, TemplateDef>();
  private readonly tagById = new Map<number, BlynkTag>();
  private readonly accounts = new Map<string, string>();
  private readonly timelines = new Map<number, { events: TimelineEvent[]; next: number }>();
  private readonly logs = new Map<number, LogEntry[]>();
  private readonly seed: number;
  private readonly startTime: number;
  private readonly runtimeRng: Rng;
  private lastId = 0;
  private version = 0;
  private indexVersion = -1;
  private byOrg = new Map<number, BlynkDevice[]>();
  private byOwner = new Map<number, BlynkDevice[]>();
  private searchCache = new Map<string, BlynkDevice[]>();

  constructor(opts: BlynkOptions, private readonly hooks: BlynkHooks) {
    this.seed = opts.seed;
    this.startTime = opts.startTime;
    this.runtimeRng = streamOf(opts.seed, STREAM.runtime ^ 0xb1);
    this.accounts.set(BLYNK_DEMO.clientId, BLYNK_DEMO.clientSecret);
    for (const t of BLYNK_TEMPLATES) {
      this.templateById.set(t.id, t);
      this.templateByString.set(t.templateId, t);
    }
    const rng = streamOf(opts.seed, STREAM.blynk);
    this.mainOrgId = rng.int(500, 9000);
    this.generate(rng, opts.devices);
  }

  addAccount(clientId: string, clientSecret: string): void {
    this.accounts.set(clientId, clientSecret);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Generation

  private generate(rng: Rng, n: number): void {
    const start = this.startTime;
    const main = this.mainOrgId;
    this.orgs.push({ id: main, name: "Simulated Homes Ltd", parentOrganizationId: null });
    const subCount = rng.chance(0.5) ? 1 : 2;
    const subNames = ["Simulated Homes North", "Simulated Homes South"];
    for (let k = 0; k < subCount; k++) this.orgs.push({ id: main + 1 + k, name: subNames[k], parentOrganizationId: main });

    const tagNames: [number, string[]][] = [
      [main, ["In Service", "Pilot", "Warehouse", "Building A", "Building B", "Priority", "Needs Visit", "Firmware Beta"]],
      [main + 1, ["North Site", "Retrofit"]],
      [main + 2, ["South Site", "Contractor"]],
    ];
    for (const [orgId, names] of tagNames.slice(0, 1 + subCount)) {
      for (const name of names) {
        const tag = { id: this.tags.length + 1, tagOwnerOrgId: orgId, name };
        this.tags.push(tag);
        this.tagById.set(tag.id, tag);
      }
    }
    const tagPool = new Map<number, number[]>();
    for (const o of this.orgs) tagPool.set(o.id, this.tags.filter((t) => t.tagOwnerOrgId === main || t.tagOwnerOrgId === o.id).map((t) => t.id));

    // Pass 1: which org each device is in (the most recent activations are in the main org).
    const recent = n === 0 ? 0 : Math.min(n, Math.max(3, Math.ceil(n * 0.002)));
    const orgOf = new Int32Array(n);
    const perOrg = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const o = i >= n - recent || rng.chance(0.7) ? main : main + 1 + (subCount === 1 ? 0 : rng.int(0, 1));
      orgOf[i] = o;
      perOrg.set(o, (perOrg.get(o) ?? 0) + 1);
    }
    // Users: about one per four devices in each org (at least two).
    let uid = 10000 + rng.int(0, 999);
    const usersOf = new Map<number, BlynkUser[]>();
    for (const o of this.orgs) {
      const list: BlynkUser[] = [];
      const count = Math.max(2, Math.ceil((perOrg.get(o.id) ?? 0) / 4));
      for (let k = 0; k < count; k++) {
        uid += rng.int(1, 3);
        const first = rng.pick(FIRST_NAMES);
        const last = rng.pick(LAST_NAMES);
        const u: BlynkUser = { id: uid, name: [first, last].join(" "), email: [first.toLowerCase(), ".", last.toLowerCase(), uid, "@example.com"].join(""), orgId: o.id };
        list.push(u);
        this.users.push(u);
        this.userById.set(u.id, u);
        this.userByEmail.set(u.email, u);
      }
      usersOf.set(o.id, list);
    }

    // Pass 2: the devices.
    const weights = BLYNK_TEMPLATES.map((t) => t.weight);
    const counters = new Map<number, number>();
    const hw = new Map<string, HardwareInfo>();
    let id = rng.int(1000, 9999);
    const span = ACTIVATED_TO - ACTIVATED_FROM;
    const older = n - recent;
    for (let i = 0; i < n; i++) {
      if (i > 0) id += 1 + (rng.chance(0.03) ? rng.int(1, 5) : 0);
      const t = rng.weighted(BLYNK_TEMPLATES, weights);
      const orgId = orgOf[i];
      const users = usersOf.get(orgId) as BlynkUser[];
      const owner = rng.chance(0.92) ? rng.pick(users) : undefined;
      const count = (counters.get(t.id) ?? 0) + 1;
      counters.set(t.id, count);
      // Array.join builds flat strings (template literals leave rope nodes behind: 100k names cost twice the memory).
      const name = rng.chance(0.08) && owner ? [owner.name.split(" ")[0], "'s ", t.short, " ", count].join("") : [rng.pick(t.rooms), " ", t.short, " ", count].join("");
      const activatedAt =
        i < older
          ? ACTIVATED_FROM + Math.floor(((i + rng.next()) / older) * span)
          : start - Math.floor(((n - i) / (recent + 1)) * 50 * MIN) - rng.int(0, 30) * 1000;
      const token = rng.chars64(32);
      const ever = rng.chance(0.96);
      const dev: BlynkDevice = {
        id,
        name,
        templateId: t.id,
        originalTemplateId: t.originalTemplateId,
        orgId,
        token,
        lifecycleStatus: LIFECYCLE.new,
        activatedAt,
        firstConnectTime: 0,
        firmwareUpdatedAt: 0,
        connectTime: 0,
        disconnectTime: 0,
        ownerUserId: owner ? owner.id : undefined,
        hardwareInfo: undefined,
        ip: undefined,
        isLocked: rng.chance(0.02),
        lastReceivedEventAt: 0,
        connected: false,
        tags: EMPTY_TAGS,
        metaValues: EMPTY_TAGS as unknown[],
        dsValues: EMPTY_TAGS as (number | null)[],
        dsUpdatedAt: 0,
      };
      if (ever) {
        const first = Math.min(activatedAt + rng.int(5, 600) * 1000, start - 1000);
        dev.firstConnectTime = first;
        dev.connected = rng.chance(0.55);
        if (dev.connected) {
          dev.connectTime = Math.max(first, start - rng.int(60, 20 * 86400) * 1000);
          dev.disconnectTime = dev.connectTime > first ? Math.max(first, dev.connectTime - rng.int(60, 2 * 86400) * 1000) : 0;
          dev.lastReceivedEventAt = Math.max(dev.connectTime, start - rng.int(0, 120) * 1000);
        } else {
          dev.disconnectTime = Math.max(first, start - rng.int(300, 40 * 86400) * 1000);
          dev.connectTime = Math.max(first, dev.disconnectTime - rng.int(60, 10 * 86400) * 1000);
          dev.lastReceivedEventAt = dev.disconnectTime;
        }
        if (rng.chance(0.4)) dev.firmwareUpdatedAt = first + Math.floor(rng.next() * (dev.lastReceivedEventAt - first));
        const fw = rng.pick(t.firmware);
        const key = `${t.id}/${fw}`;
        let info = hw.get(key);
        if (!info) {
          info = { version: fw, fwType: t.templateId, blynkVersion: t.blynkVersion, boardType: t.boardType, build: `${fw}-${t.id}`, templateId: t.templateId };
          hw.set(key, info);
        }
        dev.hardwareInfo = info;
        dev.ip = [rng.pick(IP_FIRST), rng.int(0, 255), rng.int(0, 255), rng.int(1, 254)].join(".");
        const r = rng.next();
        dev.lifecycleStatus = r < 0.85 ? LIFECYCLE.service : r < 0.95 ? LIFECYCLE.maintenance : LIFECYCLE.decommissioned;
        dev.dsValues = t.dataStreams.map((ds) => rng.float(ds.min, ds.max, ds.decimals));
        dev.dsUpdatedAt = dev.lastReceivedEventAt;
      } else {
        dev.dsValues = t.dataStreams.map(() => null);
      }
      if (rng.chance(0.4)) {
        const pool = tagPool.get(orgId) as number[];
        const k = rng.int(1, 3);
        const set = new Set<number>();
        for (let j = 0; j < k; j++) set.add(rng.pick(pool));
        dev.tags = [...set].sort((a, b) => a - b);
      }
      dev.metaValues = t.metaFields.map((m) => this.defaultMeta(m, t, rng));
      this.devices.push(dev);
      this.byId.set(id, dev);
    }
    this.lastId = n ? id : rng.int(1000, 9999);
  }

  private defaultMeta(m: MetaFieldDef, t: TemplateDef, rng: Rng | null): unknown {
    const pick = <T>(a: readonly T[]): T => (rng ? rng.pick(a) : a[0]);
    switch (m.type) {
      case "DeviceName":
      case "DeviceOwner":
        return null;
      case "Text":
        if (m.name === "Serial Number") return rng ? [t.serialPrefix, rng.hex(8).toUpperCase()].join("-") : "";
        return rng ? pick(ZONES) : "";
      case "Number": {
        const min = m.min ?? 0;
        const step = m.step ?? 1;
        const steps = Math.floor(((m.max ?? min) - min) / step);
        return rng ? Math.round((min + step * rng.int(0, steps)) * 1000) / 1000 : min;
      }
      case "Switch":
        return rng ? pick([m.from, m.to]) : m.from;
      case "List":
        return pick(m.options ?? [""]);
      case "Range":
        return pick(RANGES);
      case "Location":
        return rng ? pick(LOCATIONS) : emptyLocation();
      case "Contact":
        return rng ? pick(CONTACTS) : emptyContact();
      case "Email":
        return rng ? pick(SUPPORT_EMAILS) : "";
    }
  }

  /** The timeline of a device, built on first use from the device's own seed (deterministic, access-order free). */
  private timeline(d: BlynkDevice): { events: TimelineEvent[]; next: number } {
    let tl = this.timelines.get(d.id);
    if (tl) return tl;
    const t = this.templateById.get(d.templateId) as TemplateDef;
    const rng = new Rng(hash32(this.seed, STREAM.blynkDevice, d.id));
    const events: TimelineEvent[] = [];
    if (d.firstConnectTime > 0) {
      const count = rng.int(0, 6);
      const from = Math.max(d.firstConnectTime, this.startTime - 30 * DAY);
      const times: number[] = [];
      for (let k = 0; k < count; k++) times.push(from + Math.floor(rng.next() * Math.max(0, this.startTime - from)));
      times.sort((a, b) => a - b);
      times.forEach((ts, k) => {
        const ev = rng.pick(t.events);
        const resolved = ev.type !== "INFORMATION" && ts < this.startTime - DAY && rng.chance(0.5);
        events.push({
          id: d.id * 100000 + k + 1,
          eventId: ev.id,
          orgId: d.orgId,
          eventType: ev.type,
          description: ev.description,
          ts,
          isResolved: resolved,
          resolvedAt: resolved ? ts + rng.int(5, 1440) * MIN : null,
          resolvedComment: resolved ? rng.pick(RESOLVE_COMMENTS) : null,
        });
      });
    }
    events.reverse();
    tl = { events, next: events.length + 1 };
    this.timelines.set(d.id, tl);
    return tl;
  }

  /** The user-actions log of a device, built on first use like the timeline. */
  private logsOf(d: BlynkDevice): LogEntry[] {
    let l = this.logs.get(d.id);
    if (l) return l;
    const t = this.templateById.get(d.templateId) as TemplateDef;
    const rng = new Rng(hash32(this.seed, STREAM.blynkDevice ^ 0x1065, d.id));
    l = [];
    const owner = d.ownerUserId !== undefined ? this.userById.get(d.ownerUserId) : undefined;
    if (d.firstConnectTime > 0 && owner) {
      const count = rng.int(0, 8);
      const from = Math.max(d.firstConnectTime, this.startTime - 14 * DAY);
      for (let k = 0; k < count; k++) {
        const ds = rng.pick(t.dataStreams);
        l.push({
          triggerUserEmail: owner.email,
          value: rng.float(ds.min, ds.max, ds.decimals),
          pin: Number(ds.pin.slice(1)),
          pinType: "VIRTUAL",
          isOnline: rng.chance(0.8),
          createdAt: from + Math.floor(rng.next() * Math.max(0, this.startTime - from)),
        });
      }
      l.sort((a, b) => b.createdAt - a.createdAt);
    }
    this.logs.set(d.id, l);
    return l;
  }

  private reindex(): void {
    if (this.indexVersion === this.version) return;
    this.byOrg = new Map();
    this.byOwner = new Map();
    for (const d of this.devices) {
      const o = this.byOrg.get(d.orgId);
      if (o) o.push(d);
      else this.byOrg.set(d.orgId, [d]);
      if (d.ownerUserId !== undefined) {
        const u = this.byOwner.get(d.ownerUserId);
        if (u) u.push(d);
        else this.byOwner.set(d.ownerUserId, [d]);
      }
    }
    this.searchCache = new Map();
    this.indexVersion = this.version;
  }

  private orgDevices(orgId: number, includeSub: boolean): BlynkDevice[] {
    this.reindex();
    if (includeSub && orgId === this.mainOrgId) return this.devices;
    return this.byOrg.get(orgId) ?? [];
  }

  private inTree(orgId: number): boolean {
    return this.orgs.some((o) => o.id === orgId);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Errors

  static invalidToken(): SimResponse {
    return { status: 401, body: { error: { message: "Invalid or expired token." } }, headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } };
  }

  static rateLimited(): SimResponse {
    return err(429, "Too many requests");
  }

  static notFoundRoute(): SimResponse {
    return err(404, "Not Found");
  }

  static methodNotAllowed(allow: string[]): SimResponse {
    return { status: 405, body: { error: { message: "Method Not Allowed" } }, headers: { Allow: allow.join(", ") } };
  }

  /** The answer a fault with this status gets on a Platform API path (the token endpoint: RFC 6749 bodies for 400/401). */
  static errorFor(status: number, tokenEndpoint: boolean): SimResponse {
    if (tokenEndpoint && (status === 400 || status === 401)) {
      return { status, body: { error: "invalid_client", error_description: "Client ID is not found or password is wrong." } };
    }
    const messages: Record<number, string> = {
      400: "Bad request",
      401: "Invalid or expired token.",
      403: "Forbidden",
      404: "Not Found",
      429: "Too many requests",
      500: "Internal server error",
      502: "Bad gateway",
      503: "Service unavailable",
      504: "Gateway timeout",
    };
    if (status < 400) return status === 204 ? { status } : { status, body: {} };
    return err(status, messages[status] ?? (status >= 500 ? "Internal server error" : "Bad request"));
  }

  private static notFoundDevice(id: number): SimResponse {
    return err(404, `Device with identifier ${id} is not found or belong to another organization.`);
  }

  private static orgNotFound(): SimResponse {
    return err(404, "Organization is not found or you don't have access to it.");
  }

  private static userNotFound(): SimResponse {
    return err(404, "User is not found or you don't have access to him.");
  }

  private static invalidBody(): SimResponse {
    return err(400, "Invalid request body.");
  }

  // -------------------------------------------------------------------------------------------------------------
  // Auth

  authenticate(req: SimRequest): { principal: BlynkPrincipal } | { error: SimResponse } {
    const check = this.hooks.tokens.check<BlynkPrincipal>("blynk", "access", parseBearer(req.headers.authorization), req.now);
    if (!check.ok) return { error: BlynkSim.invalidToken() };
    return { principal: check.record.principal };
  }

  /** POST /oauth2/token: client_credentials and refresh_token grants (RFC 6749 error bodies, all 400). */
  private token(req: SimRequest): SimResponse {
    const oauthErr = (error: string, description: string): SimResponse => ({ status: 400, body: { error, error_description: description } });
    const params = new URLSearchParams(req.query);
    const ctype = String(req.headers["content-type"] ?? "");
    if (ctype.includes("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(req.bodyText)) if (!params.has(k)) params.set(k, v);
    }
    const basic = parseBasic(req.headers.authorization);
    const clientId = basic ? basic.user : params.get("client_id") ?? undefined;
    const secret = basic ? basic.pass : params.get("client_secret") ?? undefined;
    if (!clientId || secret === undefined || this.accounts.get(clientId) !== secret) {
      return oauthErr("invalid_client", "Client ID is not found or password is wrong.");
    }
    const grant = params.get("grant_type");
    if (grant === "refresh_token") {
      const rt = params.get("refresh_token");
      if (!rt) return oauthErr("invalid_request", "Missing refresh_token parameter.");
      const check = this.hooks.tokens.check<BlynkPrincipal>("blynk", "refresh", rt, req.now);
      if (!check.ok || check.record.clientId !== clientId) return oauthErr("invalid_grant", "Refresh token is invalid, expired or already used.");
      this.hooks.tokens.delete(rt);
    } else if (grant !== "client_credentials") {
      return oauthErr("unsupported_grant_type", "Grant type is not supported.");
    }
    const principal: BlynkPrincipal = { clientId, orgId: this.mainOrgId };
    const life = this.hooks.lifetimeSec();
    const access = this.hooks.tokens.issue("blynk", "access", principal, clientId, life * 1000, req.now, 30);
    const refresh = this.hooks.tokens.issue("blynk", "refresh", principal, clientId, life * 1000, req.now, 30);
    this.hooks.onLogin();
    return { status: 200, body: { access_token: access, token_type: "Bearer", expires_in: Math.ceil(life), refresh_token: refresh } };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Routing

  match(path: string): RouteMatch<BlynkPrincipal> | null {
    if (path === "/oauth2/token") return { pattern: path, authEndpoint: true, params: [], handlers: { POST: (req) => this.token(req) } };
    if (!path.startsWith(PREFIX + "/")) return null;
    const table: Record<string, Record<string, Handler>> = {
      "/profile": { GET: (_r, p) => this.profile(p) },
      "/devices": { GET: (r, p) => this.list(r, p) },
      "/search/devices": { GET: (r, p) => this.search(r, p) },
      "/device": { GET: (r) => this.getDevice(r, true), PUT: (r) => this.rename(r), DELETE: (r) => this.deleteDevice(r) },
      "/device/baseInfo": { GET: (r) => this.getDevice(r, false) },
      "/device/create": { POST: (r, p) => this.create(r, p) },
      "/device/online": { GET: (r) => this.withDevice(r, (d) => ({ status: 200, body: { connected: d.connected } })) },
      "/device/tags": { GET: (r) => this.withDevice(r, (d) => ({ status: 200, body: d.tags.map((id) => ({ ...(this.tagById.get(id) as BlynkTag) })) })) },
      "/device/timeline": { GET: (r) => this.timelineOf(r) },
      "/device/logs": { GET: (r) => this.withDevice(r, (d) => this.paged(r, this.logsOf(d), (e) => ({ ...e }))) },
      "/device/transfer/to-owner": { POST: (r) => this.transfer(r, "owner") },
      "/device/transfer/to-organization": { POST: (r) => this.transfer(r, "org") },
      "/device/transfer": { POST: (r) => this.transfer(r, "either") },
      "/device/owner": { DELETE: (r) => this.removeOwner(r) },
      "/device/clear": { DELETE: (r) => this.clear(r) },
      "/device/trigger-event": { POST: (r) => this.triggerEvent(r) },
      "/device/by-owner": { GET: (r, p) => this.byOwnerEmail(r, p) },
      "/device/by-user-org": { GET: (r) => this.byUserOrg(r) },
      "/device/last-activated": { GET: (r, p) => this.lastActivated(r, p) },
      "/device/metafield": { GET: (r) => this.getMetafields(r), POST: (r) => this.updateMetafield(r) },
    };
    const handlers = table[path.slice(PREFIX.length)];
    return handlers ? { pattern: path, authEndpoint: false, params: [], handlers } : null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Rendering

  private listItem(d: BlynkDevice): Record<string, unknown> {
    const o: Record<string, unknown> = {
      id: d.id,
      name: d.name,
      templateId: d.templateId,
      originalTemplateId: d.originalTemplateId,
      orgId: d.orgId,
      token: d.token,
      activatedAt: d.activatedAt,
    };
    if (d.ownerUserId !== undefined) o.ownerUserId = d.ownerUserId;
    if (d.hardwareInfo) o.hardwareInfo = { ...d.hardwareInfo };
    return o;
  }

  private baseInfo(d: BlynkDevice): Record<string, unknown> {
    const o: Record<string, unknown> = {
      id: d.id,
      name: d.name,
      templateId: d.templateId,
      originalTemplateId: d.originalTemplateId,
      orgId: d.orgId,
      token: d.token,
      lifecycleStatus: { ...d.lifecycleStatus },
      activatedAt: d.activatedAt,
      firstConnectTime: d.firstConnectTime,
      firmwareUpdatedAt: d.firmwareUpdatedAt,
      connectTime: d.connectTime,
      disconnectTime: d.disconnectTime,
    };
    if (d.ownerUserId !== undefined) o.ownerUserId = d.ownerUserId;
    if (d.hardwareInfo) o.hardwareInfo = { ...d.hardwareInfo };
    if (d.ip !== undefined) o.ip = d.ip;
    o.isLocked = d.isLocked;
    o.lastReceivedEventAt = d.lastReceivedEventAt;
    return o;
  }

  private fullInfo(d: BlynkDevice): Record<string, unknown> {
    const t = this.templateById.get(d.templateId) as TemplateDef;
    const o = this.baseInfo(d);
    o.dataStreamValues = t.dataStreams.flatMap((ds, i) =>
      d.dsValues[i] === null || d.dsValues[i] === undefined
        ? []
        : [{ dataStreamId: ds.id, pin: ds.pin, dataStreamLabel: ds.label, dataStreamAlias: ds.alias, value: d.dsValues[i], updatedAt: d.dsUpdatedAt }],
    );
    o.metaFieldValues = t.metaFields.map((m, i) => ({ id: m.id, name: m.name, value: this.metaValue(d, m, i) }));
    return o;
  }

  /** A metafield's typed value object: `{type, ...}`. */
  private metaValue(d: BlynkDevice, m: MetaFieldDef, i: number): Record<string, unknown> {
    const v = d.metaValues[i];
    switch (m.type) {
      case "DeviceName":
        return { type: m.type, value: d.name };
      case "DeviceOwner": {
        const u = d.ownerUserId !== undefined ? this.userById.get(d.ownerUserId) : undefined;
        return { type: m.type, value: u ? u.email : "" };
      }
      case "Text":
      case "Email":
        return { type: m.type, value: v };
      case "Number":
        return { type: m.type, value: v, min: m.min, max: m.max, step: m.step };
      case "Switch":
        return { type: m.type, value: v, from: m.from, to: m.to };
      case "List":
        return { type: m.type, options: (m.options ?? []).slice(), selectedOption: v };
      case "Range":
      case "Location":
      case "Contact":
        return { type: m.type, ...(v as object) };
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Parameters

  private static deviceIdParam(req: SimRequest): number | SimResponse {
    const id = parseInt32(qp(req.query, "deviceId"));
    return id === undefined ? err(400, "Device identifier. Should be a valid integer") : id;
  }

  private withDevice(req: SimRequest, fn: (d: BlynkDevice) => SimResponse): SimResponse {
    const id = BlynkSim.deviceIdParam(req);
    if (typeof id !== "number") return id;
    const d = this.byId.get(id);
    return d ? fn(d) : BlynkSim.notFoundDevice(id);
  }

  private static paging(req: SimRequest): { page: number; size: number } | SimResponse {
    const pageRaw = qp(req.query, "page");
    const sizeRaw = qp(req.query, "size");
    const page = pageRaw === undefined ? 0 : parseInt32(pageRaw);
    if (page === undefined) return err(400, "Page number. Should be a valid integer");
    if (page < 0) return err(400, "Page number should not be negative.");
    const size = sizeRaw === undefined ? 50 : parseInt32(sizeRaw);
    if (size === undefined) return err(400, "Page size. Should be a valid integer");
    if (size > 1000) return err(400, "requested page size is too big");
    if (size < 1) return err(400, "Page size should be greater than 0.");
    return { page, size };
  }

  private paged<T>(req: SimRequest, list: readonly T[], render: (x: T) => unknown): SimResponse {
    const pg = BlynkSim.paging(req);
    if ("status" in pg) return pg;
    const from = pg.page * pg.size;
    const content = from >= list.length ? [] : list.slice(from, from + pg.size).map(render);
    return { status: 200, body: { content, totalElements: list.length } };
  }

  /** orgId query parameter: the principal's org when absent; 400 when not an integer; 404 outside the org tree. */
  private orgParam(req: SimRequest, p: BlynkPrincipal): number | SimResponse {
    const raw = qp(req.query, "orgId");
    if (raw === undefined) return p.orgId;
    const id = parseInt32(raw);
    if (id === undefined) return err(400, "Organization identifier. Should be a valid integer");
    return this.inTree(id) ? id : BlynkSim.orgNotFound();
  }

  private static emailParam(req: SimRequest, name: string, label: string): string | SimResponse {
    const v = qp(req.query, name);
    if (v === undefined) return err(400, `${label} is required.`);
    if (!EMAIL_RE.test(v)) return err(400, `${label} is not valid.`);
    return v.toLowerCase();
  }

  /** The JSON object body, or null (then answer invalidBody()). */
  private static body(req: SimRequest): Record<string, unknown> | null {
    const parsed = parseJson(req.bodyText);
    return parsed.ok && isPlainObject(parsed.value) ? parsed.value : null;
  }

  private static bodyDeviceId(body: Record<string, unknown>): number | SimResponse {
    const id = jsonInt(body.deviceId);
    return id === undefined || Math.abs(id) > 2147483647 ? err(400, "Device identifier. Should be a valid integer") : id;
  }

  private static nameError(name: unknown): SimResponse | null {
    if (typeof name !== "string" || name.trim() === "" || !NAME_RE.test(name)) {
      return err(400, "Device name is not valid. Use up to 50 letters, digits, spaces, apostrophes, underscores and hyphens.");
    }
    return null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Operations

  private profile(p: BlynkPrincipal): SimResponse {
    const o = this.orgs.find((x) => x.id === p.orgId) as BlynkOrg;
    return {
      status: 200,
      body: {
        id: o.id,
        name: o.name,
        description: "Organization of the device cloud simulator",
        parentOrganizationId: o.parentOrganizationId,
        isActive: true,
        tz: "Europe/London",
        unitSystem: "METRIC",
        phoneNumber: "+44 20 7946 0000",
        address: { streetAddress: "12 Harbour Street", city: "Bristol", state: "England", zip: "BS1 4RN", country: "United Kingdom" },
        lastModifiedTs: this.startTime,
      },
    };
  }

  private list(req: SimRequest, p: BlynkPrincipal): SimResponse {
    const org = this.orgParam(req, p);
    if (typeof org !== "number") return org;
    const raw = qp(req.query, "includeSubOrgDevices");
    let includeSub = false;
    if (raw !== undefined) {
      if (!/^(true|false)$/i.test(raw)) return err(400, "Include sub-organization devices flag. Should be true or false");
      includeSub = raw.toLowerCase() === "true";
    }
    return this.paged(req, this.orgDevices(org, includeSub), (d) => this.listItem(d));
  }

  private search(req: SimRequest, p: BlynkPrincipal): SimResponse {
    const query = qp(req.query, "query");
    if (query === undefined) return err(400, "Search query is required.");
    if (query.length > 255) return err(400, "Search query is too long. Maximum length is 255 symbols.");
    const sortRaw = qp(req.query, "sortBy");
    const sortKey = sortRaw === undefined ? "id" : SORT_KEYS[sortRaw.replace(/[\s_]/g, "").toLowerCase()];
    if (!sortKey) return err(400, `Sort field '${sortRaw}' is not supported.`);
    const orderRaw = qp(req.query, "sortOrder") ?? "ASC";
    if (!/^(asc|desc)$/i.test(orderRaw)) return err(400, "Sort order should be ASC or DESC.");
    const desc = orderRaw.toUpperCase() === "DESC";
    const pg = BlynkSim.paging(req);
    if ("status" in pg) return pg;
    this.reindex();
    const cacheKey = `${p.orgId}\u0000${query.toLowerCase()}\u0000${sortKey}\u0000${desc}`;
    let result = this.searchCache.get(cacheKey);
    if (!result) {
      const q = query.toLowerCase();
      const asId = /^\d+$/.test(query) ? Number(query) : NaN;
      result = this.orgDevices(p.orgId, false).filter((d) => d.id === asId || d.name.toLowerCase().includes(q));
      if (sortKey !== "id" || desc) {
        const key = (d: BlynkDevice): string | number => this.sortValue(d, sortKey);
        const dir = desc ? -1 : 1;
        const keyed = result.map((d) => ({ d, k: key(d) }));
        keyed.sort((a, b) => (a.k < b.k ? -dir : a.k > b.k ? dir : a.d.id - b.d.id));
        result = keyed.map((x) => x.d);
      }
      if (this.searchCache.size >= 16) this.searchCache.delete(this.searchCache.keys().next().value as string);
      this.searchCache.set(cacheKey, result);
    }
    const from = pg.page * pg.size;
    return { status: 200, body: { content: result.slice(from, from + pg.size).map((d) => this.listItem(d)), totalElements: result.length } };
  }

  private sortValue(d: BlynkDevice, key: string): string | number {
    const owner = d.ownerUserId !== undefined ? this.userById.get(d.ownerUserId) : undefined;
    switch (key) {
      case "name":
        return d.name.toLowerCase();
      case "ownerUserId":
        return d.ownerUserId ?? -1;
      case "ownerEmail":
        return owner?.email ?? "";
      case "ownerName":
        return owner?.name.toLowerCase() ?? "";
      case "templateName":
        return this.templateById.get(d.templateId)?.name ?? "";
      case "model":
        return d.hardwareInfo?.boardType ?? "";
      case "firmwareVersion":
        return d.hardwareInfo?.version ?? "";
      case "status":
        return d.lifecycleStatus.name;
      case "token":
        return d.token;
      default:
        return (d as unknown as Record<string, number>)[key];
    }
  }

  private getDevice(req: SimRequest, full: boolean): SimResponse {
    return this.withDevice(req, (d) => ({ status: 200, body: full ? this.fullInfo(d) : this.baseInfo(d) }));
  }

  private rename(req: SimRequest): SimResponse {
    const id = BlynkSim.deviceIdParam(req);
    if (typeof id !== "number") return id;
    const body = BlynkSim.body(req);
    if (!body) return BlynkSim.invalidBody();
    const bad = BlynkSim.nameError(body.name);
    if (bad) return bad;
    const d = this.byId.get(id);
    if (!d) return BlynkSim.notFoundDevice(id);
    d.name = body.name as string;
    this.version++;
    return { status: 200, body: this.baseInfo(d) };
  }

  private deleteDevice(req: SimRequest): SimResponse {
    return this.withDevice(req, (d) => {
      let lo = 0;
      let hi = this.devices.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.devices[mid].id < d.id) lo = mid + 1;
        else hi = mid;
      }
      this.devices.splice(lo, 1);
      this.byId.delete(d.id);
      this.timelines.delete(d.id);
      this.logs.delete(d.id);
      this.version++;
      return { status: 204 };
    });
  }

  private create(req: SimRequest, p: BlynkPrincipal): SimResponse {
    const body = BlynkSim.body(req);
    if (!body) return BlynkSim.invalidBody();
    if (typeof body.templateId !== "string" || body.templateId === "") return err(400, "Template ID is required.");
    const bad = BlynkSim.nameError(body.name);
    if (bad) return bad;
    let orgId = p.orgId;
    if (body.orgId !== undefined && body.orgId !== null) {
      const o = jsonInt(body.orgId);
      if (o === undefined) return BlynkSim.invalidBody();
      orgId = o;
    }
    let ownerId: number | undefined;
    if (body.ownerId !== undefined && body.ownerId !== null) {
      ownerId = jsonInt(body.ownerId);
      if (ownerId === undefined) return BlynkSim.invalidBody();
    }
    const t = this.templateByString.get(body.templateId);
    if (!t) return err(404, "Template is not found.");
    if (!this.inTree(orgId)) return BlynkSim.orgNotFound();
    if (ownerId !== undefined && !this.userById.has(ownerId)) return BlynkSim.userNotFound();
    const flag = qp(req.query, "baseInfoOnly") ?? (body.baseInfoOnly === undefined ? undefined : String(body.baseInfoOnly));
    const id = ++this.lastId;
    const d: BlynkDevice = {
      id,
      name: body.name as string,
      templateId: t.id,
      originalTemplateId: t.originalTemplateId,
      orgId,
      token: this.runtimeRng.chars64(32),
      lifecycleStatus: LIFECYCLE.new,
      activatedAt: req.now,
      firstConnectTime: 0,
      firmwareUpdatedAt: 0,
      connectTime: 0,
      disconnectTime: 0,
      ownerUserId: ownerId,
      hardwareInfo: undefined,
      ip: undefined,
      isLocked: false,
      lastReceivedEventAt: 0,
      connected: false,
      tags: EMPTY_TAGS,
      metaValues: t.metaFields.map((m) => this.defaultMeta(m, t, null)),
      dsValues: t.dataStreams.map(() => null),
      dsUpdatedAt: 0,
    };
    this.devices.push(d);
    this.byId.set(id, d);
    this.version++;
    return { status: 201, body: flag === "true" ? this.baseInfo(d) : this.fullInfo(d) };
  }

  private timelineOf(req: SimRequest): SimResponse {
    const raw = qp(req.query, "eventType");
    let type: BlynkEventType | undefined;
    if (raw !== undefined) {
      type = BLYNK_EVENT_TYPES.find((x) => x === raw.toUpperCase());
      if (!type) return err(400, `Event type '${raw}' is not valid. Use one of ${BLYNK_EVENT_TYPES.join(", ")}.`);
    }
    return this.withDevice(req, (d) => {
      const events = this.timeline(d).events;
      return this.paged(req, type ? events.filter((e) => e.eventType === type) : events, (e) => ({ ...e }));
    });
  }

  private transfer(req: SimRequest, kind: "owner" | "org" | "either"): SimResponse {
    const body = BlynkSim.body(req);
    if (!body) return BlynkSim.invalidBody();
    const id = BlynkSim.bodyDeviceId(body);
    if (typeof id !== "number") return id;
    const hasUser = body.newUserId !== undefined && body.newUserId !== null;
    const toOwner = kind === "owner" || (kind === "either" && hasUser);
    const target = jsonInt(toOwner ? body.newUserId : body.newOrgId);
    if (target === undefined) return BlynkSim.invalidBody();
    const d = this.byId.get(id);
    if (!d) return BlynkSim.notFoundDevice(id);
    if (toOwner) {
      const u = this.userById.get(target);
      if (!u) return BlynkSim.userNotFound();
      if (d.ownerUserId === u.id) return err(400, "Can't transfer to the same owner.");
      d.ownerUserId = u.id;
      d.orgId = u.orgId;
    } else {
      if (!this.inTree(target)) return err(404, "Destination organization is not found or you don't have access to it.");
      if (d.orgId === target) return err(400, "Can't transfer to the same organization.");
      d.orgId = target;
    }
    this.version++;
    return { status: 204 };
  }

  private removeOwner(req: SimRequest): SimResponse {
    return this.withDevice(req, (d) => {
      d.ownerUserId = undefined;
      this.version++;
      return { status: 204 };
    });
  }

  private clear(req: SimRequest): SimResponse {
    return this.withDevice(req, (d) => {
      d.dsValues = d.dsValues.map(() => null);
      d.dsUpdatedAt = 0;
      const tl = this.timeline(d);
      tl.events = [];
      this.logs.set(d.id, []);
      return { status: 204 };
    });
  }

  private triggerEvent(req: SimRequest): SimResponse {
    const body = BlynkSim.body(req);
    if (!body) return BlynkSim.invalidBody();
    const id = BlynkSim.bodyDeviceId(body);
    if (typeof id !== "number") return id;
    const code = body.eventCode;
    if (code === undefined || code === null || code === "") return err(400, "Event code is not provided.");
    if (typeof code !== "string") return BlynkSim.invalidBody();
    if (code.length > 50) return err(400, "Event code is too long. Maximum length is 50 symbols.");
    const desc = body.eventDescription;
    if (desc !== undefined && desc !== null && typeof desc !== "string") return BlynkSim.invalidBody();
    if (typeof desc === "string" && desc.length > 300) return err(400, "Event description is too long. Maximum length is 300 symbols.");
    const d = this.byId.get(id);
    if (!d) return BlynkSim.notFoundDevice(id);
    const t = this.templateById.get(d.templateId) as TemplateDef;
    const ev = t.events.find((e) => e.code === code);
    if (!ev) return err(404, "Event with provided code is not found.");
    const tl = this.timeline(d);
    tl.events.unshift({
      id: d.id * 100000 + tl.next++,
      eventId: ev.id,
      orgId: d.orgId,
      eventType: ev.type,
      description: typeof desc === "string" && desc !== "" ? desc : ev.description,
      ts: req.now,
      isResolved: false,
      resolvedAt: null,
      resolvedComment: null,
    });
    return { status: 204 };
  }

  private byOwnerEmail(req: SimRequest, p: BlynkPrincipal): SimResponse {
    const email = BlynkSim.emailParam(req, "ownerEmail", "Owner email");
    if (typeof email !== "string") return email;
    const orgRaw = qp(req.query, "orgId");
    const org = orgRaw === undefined ? undefined : this.orgParam(req, p);
    if (org !== undefined && typeof org !== "number") return org;
    const pg = BlynkSim.paging(req);
    if ("status" in pg) return pg;
    const u = this.userByEmail.get(email);
    if (!u) return BlynkSim.userNotFound();
    this.reindex();
    const owned = this.byOwner.get(u.id) ?? [];
    return this.paged(req, org === undefined ? owned : owned.filter((d) => d.orgId === org), (d) => this.listItem(d));
  }

  private byUserOrg(req: SimRequest): SimResponse {
    const email = BlynkSim.emailParam(req, "userEmail", "User email");
    if (typeof email !== "string") return email;
    const pg = BlynkSim.paging(req);
    if ("status" in pg) return pg;
    const u = this.userByEmail.get(email);
    return this.paged(req, u ? this.orgDevices(u.orgId, false) : [], (d) => this.listItem(d));
  }

  private lastActivated(req: SimRequest, p: BlynkPrincipal): SimResponse {
    const org = this.orgParam(req, p);
    if (typeof org !== "number") return org;
    const raw = qp(req.query, "minutes");
    const minutes = raw === undefined ? 5 : parseInt32(raw);
    if (minutes === undefined || minutes < 1 || minutes > 60) return err(400, "Minutes. Should be a valid integer from 1 to 60");
    const since = req.now - minutes * MIN;
    const list = this.orgDevices(org, false).filter((d) => d.activatedAt >= since && d.activatedAt <= req.now);
    list.sort((a, b) => b.activatedAt - a.activatedAt || b.id - a.id);
    const body = list.map((d) => {
      const o: Record<string, unknown> = { id: d.id, orgId: d.orgId, templateId: d.templateId };
      if (d.ownerUserId !== undefined) o.ownerUserId = d.ownerUserId;
      o.activatedAt = d.activatedAt;
      return o;
    });
    return { status: 200, body };
  }

  private getMetafields(req: SimRequest): SimResponse {
    return this.withDevice(req, (d) => {
      const t = this.templateById.get(d.templateId) as TemplateDef;
      return {
        status: 200,
        body: t.metaFields.map((m, i) => ({ id: m.id, name: m.name, isRequired: m.isRequired, includeInProvisioning: m.includeInProvisioning, value: this.metaValue(d, m, i) })),
      };
    });
  }

  private updateMetafield(req: SimRequest): SimResponse {
    const body = BlynkSim.body(req);
    if (!body) return BlynkSim.invalidBody();
    const id = BlynkSim.bodyDeviceId(body);
    if (typeof id !== "number") return id;
    const metaId = jsonInt(body.metaFieldId);
    if (metaId === undefined) return BlynkSim.invalidBody();
    const d = this.byId.get(id);
    if (!d) return BlynkSim.notFoundDevice(id);
    const t = this.templateById.get(d.templateId) as TemplateDef;
    const i = t.metaFields.findIndex((m) => m.id === metaId);
    if (i < 0) return err(404, "Meta field is not found.");
    const m = t.metaFields[i];
    const value = this.coerceMeta(m, body.newValue);
    if (value === INVALID) return err(400, "The provided value for metafield is invalid.");
    if (m.type === "DeviceName") {
      d.name = value as string;
      this.version++;
    } else if (m.type === "DeviceOwner") {
      d.ownerUserId = (value as BlynkUser).id;
      this.version++;
    } else {
      d.metaValues[i] = value;
    }
    return { status: 204 };
  }

  /** Checks a new metafield value against its type; returns the value to store or INVALID. */
  private coerceMeta(m: MetaFieldDef, v: unknown): unknown {
    const structured = (allowed: Record<string, "string" | "number">, ranges: Record<string, [number, number]> = {}): unknown => {
      if (!isPlainObject(v)) return INVALID;
      if (v.type !== undefined && v.type !== m.type) return INVALID;
      const out: Record<string, unknown> = {};
      for (const [k, kind] of Object.entries(allowed)) out[k] = kind === "string" ? "" : 0;
      for (const [k, x] of Object.entries(v)) {
        if (k === "type") continue;
        const kind = allowed[k];
        if (!kind || typeof x !== kind) return INVALID;
        if (kind === "number") {
          const r = ranges[k];
          if (!Number.isFinite(x as number) || (r && ((x as number) < r[0] || (x as number) > r[1]))) return INVALID;
        } else if ((x as string).length > 255) return INVALID;
        out[k] = x;
      }
      return out;
    };
    switch (m.type) {
      case "Text":
        return typeof v === "string" && v.length <= 255 ? v : INVALID;
      case "Email":
        return typeof v === "string" && EMAIL_RE.test(v) ? v : INVALID;
      case "DeviceName":
        return BlynkSim.nameError(v) ? INVALID : v;
      case "DeviceOwner": {
        if (typeof v !== "string") return INVALID;
        const u = this.userByEmail.get(v.toLowerCase());
        return u && this.inTree(u.orgId) ? u : INVALID;
      }
      case "Number": {
        const n = typeof v === "number" ? v : typeof v === "string" && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(v) ? Number(v) : NaN;
        if (!Number.isFinite(n)) return INVALID;
        if ((m.min !== undefined && n < m.min) || (m.max !== undefined && n > m.max)) return INVALID;
        return n;
      }
      case "Switch": {
        if (v === true || v === 1 || v === "1" || v === "true") return m.to;
        if (v === false || v === 0 || v === "0" || v === "false") return m.from;
        if (typeof v === "string") {
          const l = v.toLowerCase();
          if (l === m.from?.toLowerCase()) return m.from;
          if (l === m.to?.toLowerCase()) return m.to;
        }
        return INVALID;
      }
      case "List":
        return typeof v === "string" && (m.options ?? []).includes(v) ? v : INVALID;
      case "Range": {
        if (!isPlainObject(v) || v.from === undefined || v.to === undefined) return INVALID;
        const r = structured({ from: "number", to: "number" }, { from: [0, 86399], to: [0, 86399] }) as Record<string, number> | typeof INVALID;
        return r !== INVALID && Number.isInteger(r.from) && Number.isInteger(r.to) ? r : INVALID;
      }
      case "Location":
        return structured(
          { siteName: "string", streetAddress: "string", city: "string", state: "string", zip: "string", country: "string", lat: "number", lon: "number" },
          { lat: [-90, 90], lon: [-180, 180] },
        );
      case "Contact":
        return structured({
          contact: "string",
          firstName: "string",
          lastName: "string",
          email: "string",
          phone: "string",
          streetAddress: "string",
          city: "string",
          state: "string",
          zip: "string",
          country: "string",
        });
    }
  }

  /** The owner of a device (for tests and the docs). */
  userOf(id: number | undefined): BlynkUser | undefined {
    return id === undefined ? undefined : this.userById.get(id);
  }

  /** The timeline of a device as the API returns it, newest first (for tests). */
  timelineEvents(deviceId: number): TimelineEvent[] {
    const d = this.byId.get(deviceId);
    return d ? this.timeline(d).events.slice() : [];
  }

  templateOf(d: BlynkDevice): TemplateDef {
    return this.templateById.get(d.templateId) as TemplateDef;
  }
}

const INVALID = Symbol("invalid");

function emptyLocation(): LocationValue {
  return { siteName: "", streetAddress: "", city: "", state: "", zip: "", country: "", lat: 0, lon: 0 };
}

function emptyContact(): ContactValue {
  return { contact: "", firstName: "", lastName: "", email: "", phone: "", streetAddress: "", city: "", state: "", zip: "", country: "" };
}
