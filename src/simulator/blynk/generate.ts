/**
 * The seeded Blynk organization: a main org with one or two sub-orgs, their tags and users, and devices of the
 * templates. Every draw from `rng` happens in a fixed order, so a seed always makes the same fleet.
 */
import type { Rng } from "../rng";
import { BLYNK_TEMPLATES, CONTACTS, LIFECYCLE, LOCATIONS, RANGES, SUPPORT_EMAILS, ZONES, type ContactValue, type DataStreamValue, type LocationValue, type MetaFieldDef, type TemplateDef } from "./templates";
import { EMPTY_TAGS, MIN, type BlynkDevice, type BlynkUser, type HardwareInfo } from "./model";
import type { BlynkFleet } from "./fleet";

const ACTIVATED_FROM = Date.UTC(2023, 0, 1);
const ACTIVATED_TO = Date.UTC(2026, 5, 1);
const FIRST_NAMES = ["Olivia", "Noah", "Amelia", "Liam", "Isla", "Oliver", "Ava", "George", "Mia", "Arthur", "Sofia", "Leo", "Grace", "Oscar", "Lily", "Harry", "Freya", "Jack", "Emily", "Theo", "Anna", "Lukas", "Chloe", "Mateo", "Zara", "Ravi", "Nadia", "Kenji", "Elena", "Samuel"];
const LAST_NAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Lewis", "Harris", "Martin", "Cooper", "King", "Lee", "Baker", "Young"];
const IP_FIRST = [31, 37, 46, 62, 77, 78, 81, 82, 86, 92, 109, 151, 185, 188, 212, 213];

/** Fills `f` with `n` devices and the orgs, tags and users they belong to. */
export function generateFleet(f: BlynkFleet, rng: Rng, n: number): void {
  const subCount = addOrgsAndTags(f, rng);
  const tagPool = new Map<number, number[]>();
  for (const o of f.orgs) tagPool.set(o.id, f.tags.filter((t) => t.tagOwnerOrgId === f.mainOrgId || t.tagOwnerOrgId === o.id).map((t) => t.id));
  // Pass 1: which org each device is in (the most recent activations are in the main org).
  const recent = n === 0 ? 0 : Math.min(n, Math.max(3, Math.ceil(n * 0.002)));
  const orgOf = new Int32Array(n);
  const perOrg = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const o = i >= n - recent || rng.chance(0.7) ? f.mainOrgId : f.mainOrgId + 1 + (subCount === 1 ? 0 : rng.int(0, 1));
    orgOf[i] = o;
    perOrg.set(o, (perOrg.get(o) ?? 0) + 1);
  }
  const usersOf = addUsers(f, rng, perOrg);
  // Pass 2: the devices.
  const weights = BLYNK_TEMPLATES.map((t) => t.weight);
  const counters = new Map<number, number>();
  const hw = new Map<string, HardwareInfo>();
  let id = rng.int(1000, 9999);
  for (let i = 0; i < n; i++) {
    if (i > 0) id += 1 + (rng.chance(0.03) ? rng.int(1, 5) : 0);
    const t = rng.weighted(BLYNK_TEMPLATES, weights);
    const orgId = orgOf[i];
    const owner = rng.chance(0.92) ? rng.pick(usersOf.get(orgId) as BlynkUser[]) : undefined;
    const count = (counters.get(t.id) ?? 0) + 1;
    counters.set(t.id, count);
    const { dev, everConnected } = newDevice(f, rng, { id, t, orgId, owner, count, i, n, recent });
    if (everConnected) connectHistory(f.startTime, rng, dev, t, hw);
    else dev.dsValues = t.dataStreams.map(() => null);
    if (rng.chance(0.4)) {
      const pool = tagPool.get(orgId) as number[];
      const k = rng.int(1, 3);
      const set = new Set<number>();
      for (let j = 0; j < k; j++) set.add(rng.pick(pool));
      dev.tags = [...set].sort((a, b) => a - b);
    }
    dev.metaValues = t.metaFields.map((m) => defaultMeta(m, t, rng));
    f.devices.push(dev);
    f.byId.set(id, dev);
  }
  f.lastId = n ? id : rng.int(1000, 9999);
}

/** The orgs and their tags; returns the number of sub-orgs. */
function addOrgsAndTags(f: BlynkFleet, rng: Rng): number {
  const main = f.mainOrgId;
  f.orgs.push({ id: main, name: "Simulated Homes Ltd", parentOrganizationId: null });
  const subCount = rng.chance(0.5) ? 1 : 2;
  const subNames = ["Simulated Homes North", "Simulated Homes South"];
  for (let k = 0; k < subCount; k++) f.orgs.push({ id: main + 1 + k, name: subNames[k], parentOrganizationId: main });
  const tagNames: [number, string[]][] = [
    [main, ["In Service", "Pilot", "Warehouse", "Building A", "Building B", "Priority", "Needs Visit", "Firmware Beta"]],
    [main + 1, ["North Site", "Retrofit"]],
    [main + 2, ["South Site", "Contractor"]],
  ];
  for (const [orgId, names] of tagNames.slice(0, 1 + subCount)) {
    for (const name of names) {
      const tag = { id: f.tags.length + 1, tagOwnerOrgId: orgId, name };
      f.tags.push(tag);
      f.tagById.set(tag.id, tag);
    }
  }
  return subCount;
}

/** Users: about one per four devices in each org (at least two). */
function addUsers(f: BlynkFleet, rng: Rng, perOrg: Map<number, number>): Map<number, BlynkUser[]> {
  let uid = 10000 + rng.int(0, 999);
  const usersOf = new Map<number, BlynkUser[]>();
  for (const o of f.orgs) {
    const list: BlynkUser[] = [];
    const count = Math.max(2, Math.ceil((perOrg.get(o.id) ?? 0) / 4));
    for (let k = 0; k < count; k++) {
      uid += rng.int(1, 3);
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      const u: BlynkUser = { id: uid, name: [first, last].join(" "), email: [first.toLowerCase(), ".", last.toLowerCase(), uid, "@example.com"].join(""), orgId: o.id };
      list.push(u);
      f.users.push(u);
      f.userById.set(u.id, u);
      f.userByEmail.set(u.email, u);
    }
    usersOf.set(o.id, list);
  }
  return usersOf;
}

/** Older devices spread over the years; the `recent` newest within the last hour before the start. */
function activation(f: BlynkFleet, rng: Rng, i: number, n: number, recent: number): number {
  const older = n - recent;
  return i < older
    ? ACTIVATED_FROM + Math.floor(((i + rng.next()) / older) * (ACTIVATED_TO - ACTIVATED_FROM))
    : f.startTime - Math.floor(((n - i) / (recent + 1)) * 50 * MIN) - rng.int(0, 30) * 1000;
}

interface NewDevice {
  id: number;
  t: TemplateDef;
  orgId: number;
  owner: BlynkUser | undefined;
  /** The device's number among those of its template (in its default name). */
  count: number;
  /** Its index in the fleet, the fleet's size, and how many of the newest are recent activations. */
  i: number;
  n: number;
  recent: number;
}

/** The device's name, activation, token and lock, and whether it has ever connected (drawn in this order). */
function newDevice(f: BlynkFleet, rng: Rng, d: NewDevice): { dev: BlynkDevice; everConnected: boolean } {
  const { t, owner } = d;
  // Array.join builds flat strings (template literals leave rope nodes behind: 100k names cost twice the memory).
  const name = rng.chance(0.08) && owner ? [owner.name.split(" ")[0], "'s ", t.short, " ", d.count].join("") : [rng.pick(t.rooms), " ", t.short, " ", d.count].join("");
  const activatedAt = activation(f, rng, d.i, d.n, d.recent);
  const token = rng.chars64(32);
  const everConnected = rng.chance(0.96);
  const dev = blankDevice(d.id, name, t, d.orgId, token, activatedAt);
  dev.ownerUserId = owner ? owner.id : undefined;
  dev.isLocked = rng.chance(0.02);
  return { dev, everConnected };
}

/** A device as activated and never connected: no history, no values. */
export function blankDevice(id: number, name: string, t: TemplateDef, orgId: number, token: string, activatedAt: number): BlynkDevice {
  return {
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
    ownerUserId: undefined,
    hardwareInfo: undefined,
    ip: undefined,
    isLocked: false,
    lastReceivedEventAt: 0,
    connected: false,
    tags: EMPTY_TAGS,
    metaValues: EMPTY_TAGS as unknown[],
    dsValues: EMPTY_TAGS as (DataStreamValue | null)[],
    dsUpdatedAt: 0,
  };
}

/** A device that has connected: its connect times, hardware, address, lifecycle and datastream values. */
function connectHistory(start: number, rng: Rng, dev: BlynkDevice, t: TemplateDef, hw: Map<string, HardwareInfo>): void {
  const first = Math.min(dev.activatedAt + rng.int(5, 600) * 1000, start - 1000);
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
  dev.dsValues = t.dataStreams.map((ds) => ds.initial ?? rng.float(ds.min, ds.max, ds.decimals));
  dev.dsUpdatedAt = dev.lastReceivedEventAt;
}

/** A metafield's initial value: drawn from `rng`, or the type's empty value when rng is null (a created device). */
export function defaultMeta(m: MetaFieldDef, t: TemplateDef, rng: Rng | null): unknown {
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

function emptyLocation(): LocationValue {
  return { siteName: "", streetAddress: "", city: "", state: "", zip: "", country: "", lat: 0, lon: 0 };
}

function emptyContact(): ContactValue {
  return { contact: "", firstName: "", lastName: "", email: "", phone: "", streetAddress: "", city: "", state: "", zip: "", country: "" };
}
