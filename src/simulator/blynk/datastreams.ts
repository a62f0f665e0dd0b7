/**
 * The datastreams room of the Blynk simulator (blynk-datastreams.md): the datastreams and events of each template,
 * the current value of each datastream of a device (written by POST, read by pin, by id and in the device's
 * dataStreamValues), and its history points (seeded on first read; every write adds one).
 */
import { Rng, hash32, STREAM } from "../rng";
import { isPlainObject, jsonInt, parseInt32, qp, type SimRequest, type SimResponse } from "../common";
import type { DataStreamDef, DataStreamValue, TemplateDef } from "./templates";
import type { BlynkFleet } from "./fleet";
import { answers, err, jsonBody, type BlynkRoom } from "./http";
import { PREFIX, type BlynkDevice } from "./model";

interface Point {
  createdAt: number;
  value: DataStreamValue;
}

const MIN = 60_000;
/** Seeded history: one point every ten minutes over the week before the device's last report. */
const HISTORY_SPAN = 7 * 24 * 60 * MIN;
const HISTORY_STEP = 10 * MIN;
const MAX_STRING_BYTES = 1024;
const INVALID = Symbol("invalid");

const templateNotFound = () => err(404, "Template is not found or you don't have access to it.");
const datastreamNotFound = (id: number | string) => err(404, `Data stream with identifier ${id} is not found!`);
const typeMismatch = () => err(400, "Value doesn't match the Datastream data type");

/** The datastream state of a fleet beyond the devices' own values: the time of each write, and the history. */
export class DatastreamStore {
  /** History points per `deviceId/datastreamId`, oldest first. */
  private readonly history = new Map<string, Point[]>();
  /** The time of each datastream's last write, for devices written since the start (others: dsUpdatedAt). */
  private readonly writtenAt = new Map<number, number[]>();

  constructor(private readonly f: BlynkFleet) {}

  /** The device's dataStreamValues as GET /device renders them: only datastreams that hold a value. */
  valuesOf(d: BlynkDevice): Record<string, unknown>[] {
    const t = this.templateOf(d);
    return t.dataStreams.flatMap((ds, i) => (d.dsValues[i] === null || d.dsValues[i] === undefined ? [] : [this.valueEntry(d, ds, i)]));
  }

  /** Clear data (DELETE /device/clear) also clears the history. */
  forget(deviceId: number): void {
    this.writtenAt.delete(deviceId);
    for (const key of [...this.history.keys()]) if (key.startsWith(`${deviceId}/`)) this.history.set(key, []);
  }

  private valueEntry(d: BlynkDevice, ds: DataStreamDef, i: number): Record<string, unknown> {
    const entry: Record<string, unknown> = { dataStreamId: ds.id, pin: ds.pin, dataStreamLabel: ds.label, dataStreamAlias: ds.alias };
    const value = d.dsValues[i];
    if (value !== null && value !== undefined) {
      entry.value = Array.isArray(value) ? [...value] : value;
      entry.updatedAt = this.writtenAt.get(d.id)?.[i] ?? d.dsUpdatedAt;
    }
    return entry;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Writes (POST; 204). Q1: the device id is taken from the body as documented, or from the query as the 2026 README says.

  writeOne(req: SimRequest): SimResponse {
    const body = jsonBody(req);
    if (!body) return answers.invalidBody();
    return this.withBodyDevice(req, body, (d, t) => {
      const dsId = jsonInt(body.dataStreamId);
      if (dsId === undefined) return err(400, "DataStream identifier. Should be a valid integer");
      const i = t.dataStreams.findIndex((ds) => ds.id === dsId);
      if (i < 0) return datastreamNotFound(dsId);
      const value = coerce(t.dataStreams[i], body.value);
      if (value === INVALID) return typeMismatch();
      this.store(d, i, value, req.now);
      return { status: 204 };
    });
  }

  writeMany(req: SimRequest): SimResponse {
    const body = jsonBody(req);
    if (!body) return answers.invalidBody();
    return this.withBodyDevice(req, body, (d, t) => {
      if (!isPlainObject(body.values) || Object.keys(body.values).length === 0) return err(400, "Invalid values.");
      const changes: [number, DataStreamValue][] = [];
      for (const [key, raw] of Object.entries(body.values)) {
        const dsId = parseInt32(key);
        const i = dsId === undefined ? -1 : t.dataStreams.findIndex((ds) => ds.id === dsId);
        if (i < 0) return datastreamNotFound(key);
        const value = coerce(t.dataStreams[i], raw);
        if (value === INVALID) return typeMismatch();
        changes.push([i, value]);
      }
      for (const [i, value] of changes) this.store(d, i, value, req.now);
      return { status: 204 };
    });
  }

  private store(d: BlynkDevice, i: number, value: DataStreamValue, now: number): void {
    if (d.dsValues.length === 0 || Object.isFrozen(d.dsValues)) d.dsValues = this.templateOf(d).dataStreams.map(() => null);
    d.dsValues[i] = value;
    let times = this.writtenAt.get(d.id);
    if (!times) {
      times = d.dsValues.map(() => d.dsUpdatedAt);
      this.writtenAt.set(d.id, times);
    }
    times[i] = now;
    this.pointsOf(d, i).push({ createdAt: now, value });
  }

  private withBodyDevice(req: SimRequest, body: Record<string, unknown>, fn: (d: BlynkDevice, t: TemplateDef) => SimResponse): SimResponse {
    const id = body.deviceId !== undefined ? jsonInt(body.deviceId) : parseInt32(qp(req.query, "deviceId"));
    if (id === undefined || Math.abs(id) > 2147483647) return err(400, "Device identifier. Should be a valid integer");
    const d = this.f.byId.get(id);
    return d ? fn(d, this.templateOf(d)) : answers.notFoundDevice(id);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Reads

  /** v1: `{"v1": 1, "v2": "text"}`, every pin that holds a value, or those of `pins=v1,v2`. */
  readByPin(req: SimRequest): SimResponse {
    return this.withQueryDevice(req, (d, t) => {
      const wanted = qp(req.query, "pins")?.toLowerCase().split(",").map((p) => p.trim());
      const out: Record<string, unknown> = {};
      t.dataStreams.forEach((ds, i) => {
        const v = d.dsValues[i];
        if (v !== null && v !== undefined && (!wanted || wanted.includes(ds.pin))) out[ds.pin] = v;
      });
      return { status: 200, body: out };
    });
  }

  /** v2: every datastream of the device (or those of `dataStreamIds`, repeated or comma-separated); unknown ids are left out. */
  readById(req: SimRequest): SimResponse {
    const raw = req.query.getAll("dataStreamIds").flatMap((v) => v.split(",")).filter((v) => v.trim() !== "");
    const ids = raw.map((v) => parseInt32(v));
    if (ids.some((id) => id === undefined)) return err(400, "DataStream identifiers. Should be valid integers");
    return this.withQueryDevice(req, (d, t) => {
      const picked = t.dataStreams.flatMap((ds, i) => (ids.length === 0 || ids.includes(ds.id) ? [this.valueEntry(d, ds, i)] : []));
      return { status: 200, body: picked };
    });
  }

  /** `{content: [{createdAt, value}], totalElements}`, newest first, between `from` and `to` (ms), by `pin` or `dataStreamId`. */
  historyOf(req: SimRequest): SimResponse {
    const from = timeParam(req, "from", 0);
    const to = timeParam(req, "to", req.now);
    if (from === undefined || to === undefined) return err(400, "from and to should be valid unix epoch times in milliseconds.");
    const page = parseInt32(qp(req.query, "page") ?? "0");
    const size = parseInt32(qp(req.query, "size") ?? "50");
    if (page === undefined || page < 0) return err(400, "Page number. Should be a valid integer");
    if (size === undefined || size < 1 || size > 1000) return err(400, "Page size should be from 1 to 1000.");
    return this.withQueryDevice(req, (d, t) => {
      const pin = qp(req.query, "pin");
      const dsId = qp(req.query, "dataStreamId");
      if (pin === undefined && dsId === undefined) return err(400, "Pin or dataStreamId is required.");
      const i = pin !== undefined ? t.dataStreams.findIndex((ds) => ds.pin === pin.toLowerCase()) : t.dataStreams.findIndex((ds) => ds.id === parseInt32(dsId));
      if (i < 0) return datastreamNotFound(pin ?? (dsId as string));
      const points = this.pointsOf(d, i).filter((p) => p.createdAt >= from && p.createdAt <= to);
      points.reverse();
      const content = points.slice(page * size, page * size + size).map((p) => ({ createdAt: p.createdAt, value: Array.isArray(p.value) ? [...p.value] : p.value }));
      return { status: 200, body: { content, totalElements: points.length } };
    });
  }

  private withQueryDevice(req: SimRequest, fn: (d: BlynkDevice, t: TemplateDef) => SimResponse): SimResponse {
    const id = parseInt32(qp(req.query, "deviceId"));
    if (id === undefined) return err(400, "Device identifier. Should be a valid integer");
    const d = this.f.byId.get(id);
    return d ? fn(d, this.templateOf(d)) : answers.notFoundDevice(id);
  }

  withTemplate(req: SimRequest, render: (t: TemplateDef) => unknown): SimResponse {
    const id = parseInt32(qp(req.query, "templateId"));
    if (id === undefined) return err(400, "Template identifier. Should be a valid integer");
    const t = this.f.templateById.get(id);
    return t ? { status: 200, body: render(t) } : templateNotFound();
  }

  private templateOf(d: BlynkDevice): TemplateDef {
    return this.f.templateOf(d);
  }

  /**
   * The points of one datastream, built on first use from the device's own seed: a bounded random walk every ten
   * minutes over the week before its last report, ending at its current value. Text and locations keep one point.
   */
  private pointsOf(d: BlynkDevice, i: number): Point[] {
    const ds = this.templateOf(d).dataStreams[i];
    const key = `${d.id}/${ds.id}`;
    let points = this.history.get(key);
    if (points) return points;
    points = [];
    const current = d.dsValues[i];
    const end = d.lastReceivedEventAt;
    if (current !== null && current !== undefined && d.firstConnectTime > 0) {
      if (typeof current !== "number" || ds.type === "STRING" || ds.type === "LOCATION") {
        points.push({ createdAt: d.dsUpdatedAt, value: current });
      } else {
        const rng = new Rng(hash32(this.f.seed, STREAM.blynkDevice ^ 0xd5, d.id, ds.id));
        const start = Math.max(d.firstConnectTime, end - HISTORY_SPAN);
        const steps = Math.floor((end - start) / HISTORY_STEP);
        let v = current;
        for (let k = 0; k <= steps; k++) {
          points.push({ createdAt: end - k * HISTORY_STEP, value: v });
          v = walk(ds, v, rng);
        }
        points.reverse();
      }
    }
    this.history.set(key, points);
    return points;
  }
}

export const datastreamsRoom: BlynkRoom = [
  { method: "POST", path: `${PREFIX}/device/datastream`, handle: (req, _p, f) => f.datastreams.writeOne(req) },
  { method: "POST", path: `${PREFIX}/device/datastreams`, handle: (req, _p, f) => f.datastreams.writeMany(req) },
  { method: "GET", path: `${PREFIX}/device/datastreams`, handle: (req, _p, f) => f.datastreams.readByPin(req) },
  // The v2 read by datastream id (blynk-datastreams.md §4b).
  { method: "GET", path: "/api/v2/organization/device/datastreams", handle: (req, _p, f) => f.datastreams.readById(req) },
  { method: "GET", path: `${PREFIX}/device/datastream/history`, handle: (req, _p, f) => f.datastreams.historyOf(req) },
  { method: "GET", path: `${PREFIX}/template/datastreams`, handle: (req, _p, f) => f.datastreams.withTemplate(req, (t) => t.dataStreams.map(renderDatastream)) },
  { method: "GET", path: `${PREFIX}/template/events`, handle: (req, _p, f) => f.datastreams.withTemplate(req, (t) => templateEvents(t)) },
];

/** One step of a seeded walk within the datastream's range (switches and enums jump now and then). */
function walk(ds: DataStreamDef, v: number, rng: Rng): number {
  if (ds.type === "BOOLEAN" || ds.type === "ENUM" || ds.max - ds.min <= 1) return rng.chance(0.05) ? rng.int(ds.min, ds.max) : v;
  const step = (ds.max - ds.min) * 0.02 * (rng.next() * 2 - 1);
  const next = Math.min(ds.max, Math.max(ds.min, v + step));
  const f = 10 ** ds.decimals;
  return Math.round(next * f) / f;
}

/** A template datastream as GET /template/datastreams renders it; `min`/`max` are the simulator's (Q8). */
function renderDatastream(ds: DataStreamDef): Record<string, unknown> {
  const numeric = ds.type === "INT" || ds.type === "DOUBLE";
  const o: Record<string, unknown> = { id: ds.id, label: ds.label, alias: ds.alias };
  if (ds.units) o.units = ds.units;
  o.type = ds.type;
  o.pin = Number(ds.pin.slice(1));
  o.pinType = "VIRTUAL";
  o.pinMode = "OUTPUT";
  if (numeric || ds.type === "ENUM" || ds.type === "BOOLEAN") Object.assign(o, { min: ds.min, max: ds.max });
  if (ds.type === "DOUBLE") o.decimals = ds.decimals;
  if (ds.options) o.options = [...ds.options];
  Object.assign(o, { isAnalogPin: false, isRaw: true, isHistory: true, isForService: false, isForReports: true, isForActions: true, isForConditions: true, isSync: false });
  return o;
}

/** The template's events; the system events Online and Offline have no code (TemplateEvent requires only id, name, type). */
function templateEvents(t: TemplateDef): Record<string, unknown>[] {
  return [
    { id: t.id * 10, type: "ONLINE", name: "Online" },
    { id: t.id * 10 + 1, type: "OFFLINE", name: "Offline" },
    ...t.events.map((e) => ({ id: e.id, type: e.type, name: e.name, eventCode: e.code })),
  ];
}

function timeParam(req: SimRequest, name: string, fallback: number): number | undefined {
  const raw = qp(req.query, name);
  if (raw === undefined) return fallback;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/**
 * A written value as the datastream's type takes it (blynk-datastreams.md §11): numbers are cropped to min..max,
 * a fraction for an INT is refused, numeric strings are parsed (inferred, Q4), JSON booleans are refused
 * (DataStreamRawValue has no boolean), text has at most 1024 bytes, a location is [lon, lat].
 */
function coerce(ds: DataStreamDef, v: unknown): DataStreamValue | typeof INVALID {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) ? Number(v) : NaN;
  switch (ds.type) {
    case "STRING": {
      const s = typeof v === "string" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined;
      return s !== undefined && Buffer.byteLength(s, "utf8") <= MAX_STRING_BYTES ? s : INVALID;
    }
    case "LOCATION":
      return Array.isArray(v) && v.length === 2 && typeof v[0] === "number" && typeof v[1] === "number" && Math.abs(v[0]) <= 180 && Math.abs(v[1]) <= 90
        ? [v[0], v[1]]
        : INVALID;
    case "DOUBLE":
      return Number.isFinite(n) ? Math.min(ds.max, Math.max(ds.min, n)) : INVALID;
    case "INT":
      return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 ? Math.min(ds.max, Math.max(ds.min, n)) : INVALID;
    case "BOOLEAN":
      return n === 0 || n === 1 ? n : INVALID;
    case "ENUM":
      return Number.isInteger(n) && n >= ds.min && n <= ds.max ? n : INVALID;
  }
}
