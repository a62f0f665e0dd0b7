/**
 * The Blynk organization the simulator serves: its devices, orgs, users, tags and templates, the indexes the
 * rooms look them up by, each device's timeline and log (built on first use), and the API's renderings of a
 * device. The rooms (auth.ts, devices.ts, …) read and change it.
 */
import { Rng, hash32, streamOf, STREAM } from "../rng";
import { BLYNK_TEMPLATES, type MetaFieldDef, type TemplateDef } from "./templates";
import { DatastreamStore } from "./datastreams";
import { generateFleet } from "./generate";
import { BLYNK_DEMO, DAY, MIN, type BlynkDevice, type BlynkHooks, type BlynkOptions, type BlynkOrg, type BlynkTag, type BlynkUser, type LogEntry, type TimelineEvent } from "./model";

const RESOLVE_COMMENTS = ["Checked on site", "Battery replaced", "False alarm", "Fixed by the installer", "Reset remotely"];

export class BlynkFleet {
  readonly mainOrgId: number;
  readonly orgs: BlynkOrg[] = [];
  readonly users: BlynkUser[] = [];
  readonly tags: BlynkTag[] = [];
  readonly templates = BLYNK_TEMPLATES;
  /** Ascending id (the list order). Live. */
  readonly devices: BlynkDevice[] = [];
  readonly byId = new Map<number, BlynkDevice>();
  readonly userById = new Map<number, BlynkUser>();
  readonly userByEmail = new Map<string, BlynkUser>();
  readonly templateById = new Map<number, TemplateDef>();
  readonly templateByString = new Map<string, TemplateDef>();
  readonly tagById = new Map<number, BlynkTag>();
  /** clientId → client secret. */
  readonly accounts = new Map<string, string>();
  readonly logs = new Map<number, LogEntry[]>();
  readonly seed: number;
  readonly startTime: number;
  /** Draws made while serving (new device tokens), apart from the fleet's own stream. */
  readonly runtimeRng: Rng;
  lastId = 0;
  /** Cached searches, valid until the next change() to the devices. */
  searchCache = new Map<string, BlynkDevice[]>();
  /** Datastream write times and history (datastreams.ts). */
  readonly datastreams = new DatastreamStore(this);
  private readonly timelines = new Map<number, { events: TimelineEvent[]; next: number }>();
  private version = 0;
  private indexVersion = -1;
  private byOrg = new Map<number, BlynkDevice[]>();
  private byOwnerId = new Map<number, BlynkDevice[]>();

  constructor(opts: BlynkOptions, readonly hooks: BlynkHooks) {
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
    generateFleet(this, rng, opts.devices);
  }

  addAccount(clientId: string, clientSecret: string): void {
    this.accounts.set(clientId, clientSecret);
  }

  /** Marks the devices changed: the org and owner indexes and the search cache are rebuilt on next use. */
  change(): void {
    this.version++;
  }

  addDevice(d: BlynkDevice): void {
    this.devices.push(d);
    this.byId.set(d.id, d);
    this.change();
  }

  removeDevice(d: BlynkDevice): void {
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
    this.datastreams.forget(d.id);
    this.change();
  }

  /** The timeline of a device, built on first use from the device's own seed (deterministic, access-order free). */
  timeline(d: BlynkDevice): { events: TimelineEvent[]; next: number } {
    let tl = this.timelines.get(d.id);
    if (tl) return tl;
    const t = this.templateOf(d);
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
  logsOf(d: BlynkDevice): LogEntry[] {
    let l = this.logs.get(d.id);
    if (l) return l;
    const t = this.templateOf(d);
    const rng = new Rng(hash32(this.seed, STREAM.blynkDevice ^ 0x1065, d.id));
    l = [];
    const owner = this.userOf(d.ownerUserId);
    if (d.firstConnectTime > 0 && owner) {
      const count = rng.int(0, 8);
      const from = Math.max(d.firstConnectTime, this.startTime - 14 * DAY);
      for (let k = 0; k < count; k++) {
        const ds = rng.pick(t.dataStreams.filter((s) => s.initial === undefined));
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
    this.byOwnerId = new Map();
    for (const d of this.devices) {
      const o = this.byOrg.get(d.orgId);
      if (o) o.push(d);
      else this.byOrg.set(d.orgId, [d]);
      if (d.ownerUserId !== undefined) {
        const u = this.byOwnerId.get(d.ownerUserId);
        if (u) u.push(d);
        else this.byOwnerId.set(d.ownerUserId, [d]);
      }
    }
    this.searchCache = new Map();
    this.indexVersion = this.version;
  }

  orgDevices(orgId: number, includeSub: boolean): BlynkDevice[] {
    this.reindex();
    if (includeSub && orgId === this.mainOrgId) return this.devices;
    return this.byOrg.get(orgId) ?? [];
  }

  ownedBy(userId: number): BlynkDevice[] {
    this.reindex();
    return this.byOwnerId.get(userId) ?? [];
  }

  /** Search results are cached per org, query and order; the cache lives until the devices change. */
  cachedSearch(key: string, run: () => BlynkDevice[]): BlynkDevice[] {
    this.reindex();
    let result = this.searchCache.get(key);
    if (!result) {
      result = run();
      if (this.searchCache.size >= 16) this.searchCache.delete(this.searchCache.keys().next().value as string);
      this.searchCache.set(key, result);
    }
    return result;
  }

  inTree(orgId: number): boolean {
    return this.orgs.some((o) => o.id === orgId);
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

  // ---- the API's renderings of a device ----------------------------------------------------------------------

  listItem(d: BlynkDevice): Record<string, unknown> {
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

  baseInfo(d: BlynkDevice): Record<string, unknown> {
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

  fullInfo(d: BlynkDevice): Record<string, unknown> {
    const t = this.templateOf(d);
    const o = this.baseInfo(d);
    o.dataStreamValues = this.datastreams.valuesOf(d);
    o.metaFieldValues = t.metaFields.map((m, i) => ({ id: m.id, name: m.name, value: this.metaValue(d, m, i) }));
    return o;
  }

  /** A metafield's typed value object: `{type, ...}`. */
  metaValue(d: BlynkDevice, m: MetaFieldDef, i: number): Record<string, unknown> {
    const v = d.metaValues[i];
    switch (m.type) {
      case "DeviceName":
        return { type: m.type, value: d.name };
      case "DeviceOwner": {
        const u = this.userOf(d.ownerUserId);
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
}
