/**
 * Flatpeak (flatpeak.md): a bearer token from HTTP Basic (account id, API key) → `bearer_token`, `expires_in`, by
 * `GET /login` or, from busbar on, `POST /auth/tokens`; `Flatpeak-Version` on every request when the account
 * sets one; cursor pages of up to 100. What a release changes (device shapes, bodies, sites) is decided here from
 * the release in force: the account's `apiVersion`, else the one the cloud names in its `flatpeak-version` header.
 */
import { buildTransport, notOffered, seconds } from "./base";
import {
  asObject,
  checkDeviceType,
  checkFlatpeakExtra,
  checkListBy,
  checkLocations,
  checkReferenceId,
  describe,
  isBlank,
  LIST_BY_NAMES,
} from "./checks";
import { DeviceCloudError, invalidInput, wellFormed } from "./errors";
import { cursorPages, type CursorPage } from "./paging";
import { computeSlots, totalMinutes, type ComputedSlot, type PricePoint } from "./slots";
import type { ApiResponse, Method, Transport } from "./transport";
import type {
  ApiObject,
  CallOptions,
  ClientConfig,
  CreateInput,
  DeviceCloudClient,
  DeviceListOptions,
  DeviceStatus,
  ListOptions,
  Offers,
  Operation,
  Page,
  PriceEntry,
  PriceRequest,
  PriceSeries,
  SlotEntry,
  SlotPlan,
  SlotRequest,
} from "./types";

export const FLATPEAK_MAX_PAGE = 100;
export type FlatpeakDeviceShape = "minimal" | "busbar" | "yotta";

/**
 * The device shape of a release: zero and anode the minimal identifier, busbar seed 002's, yotta seed 001's
 * (known by its name: its date is not published). A cloud that names no release is taken to be busbar, the
 * shape the seeds pin.
 */
export function deviceShape(version: string | undefined): FlatpeakDeviceShape {
  if (version === undefined || version === "") return "busbar";
  if (/\.yotta$/.test(version)) return "yotta";
  return releaseOf(version) === "busbar" ? "busbar" : "minimal";
}

/**
 * The two token routes. Zero and anode document `GET /login`; the busbar spec's preamble names `POST /auth/tokens`
 * (flatpeak-prices.md §1). Inference: a release that lacks one answers 404 or 405, so each falls back to the other.
 */
const TOKEN_ROUTES = { login: { method: "GET", path: "/login" }, tokens: { method: "POST", path: "/auth/tokens" } } as const;
type TokenRoute = keyof typeof TOKEN_ROUTES;
/** Real ids have 24 characters after dev_; the bound keeps a runaway value out of the URL. */
const DEVICE_ID = /^dev_[A-Za-z0-9]{1,100}$/;
/** What this cloud offers, declared once: the nodes, the editor and the docs learn it from here. */
export const FLATPEAK_OFFERS: Offers = {
  operations: ["listDevices", "getDevice", "deviceStatus", "listSites", "manageDevice", "watch", "prices", "priceSlots"],
  manageActions: ["create", "update", "delete"],
  watchKinds: ["status"],
};

/** The API releases the client speaks, oldest first, each with the date its version string starts with. */
export type Release = "zero" | "anode" | "busbar";
const RELEASE_DATES: readonly [Release, string][] = [
  ["zero", "2024-08-24"],
  ["anode", "2025-09-14"],
  ["busbar", "2026-08-01"],
];

interface Endpoint {
  method: Method;
  path: (location: string) => string;
  /** The path with a placeholder for the location, naming the operation (RequestSpec.route). */
  route: string;
  /** The location goes in the body as location_id rather than in the path. */
  locationInBody?: boolean;
  /** Where the same operation is when this path answers 404 or 405 (another snapshot of the release's reference). */
  other?: Endpoint;
}
const atLocation = (method: Method, prefix: string): Endpoint => ({ method, path: (loc) => `${prefix}/${encodeURIComponent(loc)}`, route: `${prefix}/{location}` });
const get = (prefix: string) => atLocation("GET", prefix);
const postAt = (prefix: string) => atLocation("POST", prefix);
const postBody = (path: string): Endpoint => ({ method: "POST", path: () => path, route: path, locationInBody: true, other: postAt(path) });
/** A device's path, and the route that names its operations whatever the device. */
const devicePath = (id: string) => `/devices/${encodeURIComponent(id)}`;
const DEVICE_ROUTE = "/devices/{id}";

/**
 * Where each release keeps prices and slots (flatpeak-prices.md §6): zero reads with GET and query parameters,
 * anode POSTs to the location's path, busbar POSTs with location_id in the body. Busbar's reference is stored in
 * two generations (§4: `POST /prices` and `POST /prices/{id}`, the schedules alike), so a busbar path that answers
 * 404 or 405 is asked again at the location's path, with the same body. `slotDays` is the longest period the slots
 * endpoints take; a longer one (up to the 90 days of the price series) is computed from the prices.
 */
export const PRICE_ENDPOINTS: Record<Release, { prices: Endpoint; duration: Endpoint; threshold: Endpoint; slotDays: number }> = {
  zero: { prices: get("/tariffs/rates"), duration: get("/slots/time"), threshold: get("/slots/threshold"), slotDays: 90 },
  anode: { prices: postAt("/prices"), duration: postAt("/schedules/duration"), threshold: postAt("/schedules/limit"), slotDays: 3 },
  busbar: { prices: postBody("/prices"), duration: postBody("/schedules/duration"), threshold: postBody("/schedules/limit"), slotDays: 3 },
};
export const MAX_PRICE_DAYS = 90;
const DAY_MS = 86_400_000;
/** Real ids have 24 characters after loc_; the bound keeps a runaway value out of the URL. */
const LOCATION_ID = /^loc_[A-Za-z0-9]{1,100}$/;

export class FlatpeakClient implements DeviceCloudClient {
  readonly provider = "flatpeak" as const;
  readonly offers = FLATPEAK_OFFERS;
  readonly transport: Transport;
  /** The version the cloud last named in its flatpeak-version header. */
  private reportedVersion: string | undefined;
  /** The token route that issued the last token: a renewal asks it first. */
  private tokenRoute: TokenRoute | undefined;
  /** Whether the release probe (GET /devices?limit=1) was answered: a cloud that names no release is asked once. */
  private probed = false;
  /** Whether this cloud keeps busbar's prices and schedules at the location's path (the older busbar pages). */
  private pricesAtLocation = false;

  constructor(private readonly config: ClientConfig) {
    const headers: Record<string, string> = {};
    if (config.apiVersion && config.apiVersion.trim() !== "") headers["Flatpeak-Version"] = config.apiVersion.trim();
    this.transport = buildTransport(config, {
      headers,
      credentialHint: "the account id (acc_…) and the API key (sk_live_… or sk_test_…)",
      login: (t) => this.login(t),
    });
  }

  supports(op: Operation): boolean {
    return this.offers.operations.includes(op);
  }

  rateLimit(): number {
    return this.transport.gate.currentLimit;
  }

  normalizeDeviceId(value: unknown, field = "deviceId"): string {
    if (typeof value !== "string") {
      throw invalidInput(field, `a Flatpeak device id is a string like dev_63a6087272941ef077a8fd3e, got ${describe(value)}.`);
    }
    const id = value.trim();
    if (!DEVICE_ID.test(id)) {
      throw invalidInput(field, `a Flatpeak device id looks like dev_63a6087272941ef077a8fd3e, got ${describe(value)}.`);
    }
    return id;
  }

  /** Every device (or those of a reference_id); the other listings are Blynk's. */
  async *listDevices(opts: DeviceListOptions = {}): AsyncGenerator<Page> {
    const by = checkListBy(opts.by);
    if (by !== "all") throw notOffered("flatpeak", LIST_BY_NAMES[by]);
    yield* this.list("/devices", opts);
  }

  /** Sites exist from busbar on: an account on an older release gets UNSUPPORTED, with the fix. */
  async *listSites(opts: ListOptions = {}): AsyncGenerator<Page> {
    const release = await this.release(opts);
    if (release !== "busbar") {
      throw new DeviceCloudError("UNSUPPORTED", `list sites: Flatpeak has sites from the busbar release on, and this account answers in ${release}; set its API version to 2026-08-01.busbar or later.`);
    }
    yield* this.list("/sites", opts);
  }

  async getDevice(id: string | number, opts: CallOptions = {}): Promise<ApiObject> {
    const res = await this.transport.request({
      method: "GET",
      path: devicePath(this.normalizeDeviceId(id)),
      route: DEVICE_ROUTE,
      signal: opts.signal,
      onWait: opts.onWait,
    });
    return asObject(res.data, "device");
  }

  async deviceStatus(id: string | number, opts: CallOptions & { offlineAfter?: number } = {}): Promise<DeviceStatus> {
    const device = await this.getDevice(id, opts);
    return statusFromLastSeen({ id: String(id), ...device }, opts.offlineAfter ?? 900);
  }

  /**
   * `POST /devices` → 201, the body by release: zero and anode `{reference_id}`; busbar `{reference_id, type,
   * locations, manufacturer?, model_code?, model_name?, properties?}`; yotta `{reference_id, properties?:
   * {manufacturer?, model_code?, model_name?}}`.
   */
  async createDevice(input: CreateInput, opts: CallOptions = {}): Promise<ApiObject> {
    const referenceId = checkReferenceId(input.referenceId);
    const extra = checkFlatpeakExtra(input.extra);
    // Busbar's type and locations, checked before any request wherever they are given; required on busbar only.
    const type = isBlank(input.deviceType) ? undefined : checkDeviceType(input.deviceType);
    const locations = isBlank(input.locations) ? undefined : checkLocations(input.locations);
    const release = await this.version(opts);
    const body: ApiObject = { reference_id: referenceId };
    if (deviceShape(release) === "busbar") {
      body.type = type ?? checkDeviceType(input.deviceType);
      body.locations = locations ?? checkLocations(input.locations);
    }
    Object.assign(body, extraFieldsFor(release, extra));
    const res = await this.transport.request({ method: "POST", path: "/devices", body, signal: opts.signal, onWait: opts.onWait });
    return asObject(res.data, "device");
  }

  /** `PATCH /devices/{id}` with reference_id and/or the optional fields (as the release takes them) → the device (200). */
  async updateDevice(id: unknown, input: { referenceId?: unknown; extra?: unknown }, opts: CallOptions = {}): Promise<ApiObject> {
    const deviceId = this.normalizeDeviceId(id);
    const extra = checkFlatpeakExtra(input.extra);
    const referenceId = isBlank(input.referenceId) ? undefined : checkReferenceId(input.referenceId);
    if (referenceId === undefined && Object.keys(extra).length === 0) {
      throw invalidInput("referenceId", "nothing to update: set the reference id (or msg.referenceId), or fields in msg.device.");
    }
    const body: ApiObject = extraFieldsFor(await this.version(opts), extra);
    if (referenceId !== undefined) body.reference_id = referenceId;
    const res = await this.transport.request({ method: "PATCH", path: devicePath(deviceId), route: DEVICE_ROUTE, body, signal: opts.signal, onWait: opts.onWait });
    return asObject(res.data, "device");
  }

  /** `DELETE /devices/{id}` (202). Destructive. */
  async deleteDevice(id: unknown, opts: CallOptions = {}): Promise<void> {
    const deviceId = this.normalizeDeviceId(id);
    await this.transport.request({ method: "DELETE", path: devicePath(deviceId), route: DEVICE_ROUTE, signal: opts.signal, onWait: opts.onWait });
  }

  /** One page for the editor's device picker; `cursor` is the last id of the page before. */
  async browseDevices(opts: CallOptions & { query?: string; cursor?: string; pageSize?: number } = {}) {
    const query = opts.query ? wellFormed("query", opts.query) : undefined;
    const page = await this.fetchPage("/devices", Math.min(opts.pageSize ?? 50, FLATPEAK_MAX_PAGE), opts.cursor || undefined, query, opts);
    const last = page.data[page.data.length - 1];
    return { items: page.data, next: page.hasMore && last && typeof last.id === "string" ? last.id : null, total: undefined };
  }

  async testConnection(opts: CallOptions = {}): Promise<{ devices: number; more: boolean }> {
    const page = await this.fetchPage("/devices", FLATPEAK_MAX_PAGE, undefined, undefined, opts);
    return { devices: page.data.length, more: page.hasMore };
  }

  close(): void {
    this.transport.close();
  }

  /** The price series of a location over a period, in one shape whatever the release. */
  async prices(req: PriceRequest): Promise<PriceSeries> {
    const q = checkPriceRequest(req);
    const release = await this.release(req);
    const res = await this.priceCall(release, "prices", q, {}, req);
    const body = asObject(res.data, "price");
    const prices = readPoints(body, "price").map(entryOf);
    const now = Date.now();
    return {
      ...header(body, q),
      prices,
      current: prices.find((p) => Date.parse(p.start) <= now && now < Date.parse(p.end)) ?? null,
      nextUpdate: isoOrNull(body.next_update),
    };
  }

  /**
   * The cheapest (LOW) or dearest (HIGH) times of a period, by duration or threshold. Where the period is longer
   * than the release's slots endpoint takes, the slots are computed from the price series by the same rules
   * (src/api/slots.ts).
   */
  async priceSlots(req: SlotRequest): Promise<SlotPlan> {
    const q = checkPriceRequest(req);
    const rule = checkSlotRule(req.rule, q.end - q.start);
    if (req.segment !== "LOW" && req.segment !== "HIGH") throw invalidInput("segment", `must be "LOW" or "HIGH", got ${describe(req.segment)}.`);
    const release = await this.release(req);
    const route = PRICE_ENDPOINTS[release];
    if (q.end - q.start > route.slotDays * DAY_MS) {
      const res = await this.priceCall(release, "prices", q, {}, req);
      const body = asObject(res.data, "price");
      const slots = computeSlots(readPoints(body, "price"), q.start, q.end, req.segment, rule);
      return { ...header(body, q), segment: req.segment, slots: slots.map(slotOf), minutes: totalMinutes(slots), nextUpdate: isoOrNull(body.next_update) };
    }
    const extra: Record<string, string | number> = { segment: req.segment };
    if (rule.mode === "duration") extra.duration = rule.minutes;
    else extra[rule.kind] = rule.value;
    const res = await this.priceCall(release, rule.mode, q, extra, req);
    const body = asObject(res.data, "slots");
    const slots = readPoints(body, "slot").map((p) => ({ start: p.start, end: p.end, averagePrice: p.price, confidence: p.confidence }));
    return { ...header(body, q), segment: req.segment, slots: slots.map(slotOf), minutes: totalMinutes(slots), nextUpdate: isoOrNull(body.next_update) };
  }

  /** The release the account speaks: that of its version (see version), or busbar when nothing names one. */
  async release(opts: CallOptions = {}): Promise<Release> {
    const version = await this.version(opts);
    return version ? releaseOf(version) : "busbar";
  }

  /** One page of the account's locations (GET /locations), for the editor's location picker. */
  async browseLocations(opts: CallOptions & { cursor?: string; pageSize?: number } = {}) {
    const page = await this.fetchPage("/locations", Math.min(opts.pageSize ?? 50, FLATPEAK_MAX_PAGE), opts.cursor || undefined, undefined, opts);
    const last = page.data[page.data.length - 1];
    return { items: page.data, next: page.hasMore && last && typeof last.id === "string" ? last.id : null };
  }

  private async priceCall(
    release: Release,
    what: "prices" | "duration" | "threshold",
    q: CheckedPeriod,
    extra: Record<string, string | number>,
    opts: CallOptions,
  ): Promise<ApiResponse> {
    const endpoint = PRICE_ENDPOINTS[release][what];
    // Whole seconds, as every example in the reference has them; a period moves by less than a second.
    const period = { start_time: iso(Math.floor(q.start / 1000) * 1000), end_time: iso(Math.floor(q.end / 1000) * 1000) };
    const fields = { ...period, tariff_direction: q.direction, ...extra };
    const send = (at: Endpoint) =>
      this.transport.request({
        method: at.method,
        path: at.path(q.locationId),
        route: at.route,
        ...(release === "zero"
          ? { query: { ...period, direction: q.direction, ...(what === "prices" ? { include_tariff: true } : {}), ...extra } }
          : { body: at.locationInBody ? { location_id: q.locationId, ...fields } : fields }),
        // Prices and schedules are computed, not stored: asking twice changes nothing.
        safeToRetry: true,
        signal: opts.signal,
        onWait: opts.onWait,
      });
    const route = endpoint.other && this.pricesAtLocation ? endpoint.other : endpoint;
    try {
      let res: ApiResponse;
      try {
        res = await send(route);
      } catch (err) {
        if (!route.other || !answeredStatus(err, [404, 405])) throw err;
        res = await send(route.other);
        this.pricesAtLocation = true;
      }
      this.noteVersion(res);
      return res;
    } catch (err) {
      throw explainPriceError(err, q);
    }
  }

  private noteVersion(res: ApiResponse): void {
    const v = res.headers["flatpeak-version"];
    if (typeof v === "string" && v.trim() !== "") this.reportedVersion = v.trim();
  }

  /**
   * The version string the account's answers are in (the device shape depends on it, yotta included): its
   * apiVersion, else the one the cloud names in its `flatpeak-version` answer header (the login's, or, when that
   * names none, one `GET /devices?limit=1`: devices are the one resource of every release). Undefined when nothing
   * names one, or the probe failed; the probe is asked again only while it has not been answered.
   */
  async version(opts: CallOptions = {}): Promise<string | undefined> {
    const configured = this.config.apiVersion?.trim();
    if (configured) return configured;
    if (this.reportedVersion === undefined) await this.transport.tokens.get(opts.signal);
    if (this.reportedVersion === undefined && !this.probed) {
      try {
        this.noteVersion(await this.transport.request({ method: "GET", path: "/devices", query: { limit: 1 }, signal: opts.signal, onWait: opts.onWait }));
        this.probed = true;
      } catch (err) {
        if (!(err instanceof DeviceCloudError)) throw err;
      }
    }
    return this.reportedVersion;
  }

  /**
   * `GET /login` first, unless the release is busbar or later, or the other route is the one that issued the last
   * token. The other route is tried once when the first answers as a route the cloud lacks may: 404 or 405, or a
   * refusal (400, 401, 403), since a cloud can check the bearer of every path but its own token route. When both
   * fail, the error is the second route's, unless that route does not exist (404, 405) or only the first refused
   * the credentials: then the first's.
   */
  private async login(t: Transport) {
    const known = this.config.apiVersion?.trim() || this.reportedVersion;
    const byRelease: TokenRoute[] = known && releaseOf(known) === "busbar" ? ["tokens", "login"] : ["login", "tokens"];
    const [first, second] = this.tokenRoute === undefined || this.tokenRoute === byRelease[0] ? byRelease : [byRelease[1], byRelease[0]];
    const credentials = { user: this.config.clientId, password: this.config.clientSecret };
    let res: ApiResponse;
    try {
      res = await t.login({ ...TOKEN_ROUTES[first], ...credentials });
      this.tokenRoute = first;
    } catch (err) {
      if (!answeredStatus(err, [400, 401, 403, 404, 405])) throw err;
      try {
        res = await t.login({ ...TOKEN_ROUTES[second], ...credentials });
        this.tokenRoute = second;
      } catch (again) {
        const refused = (e: unknown) => e instanceof DeviceCloudError && e.code === "AUTH_FAILED";
        throw answeredStatus(again, [404, 405]) || (refused(err) && !refused(again)) ? err : again;
      }
    }
    this.noteVersion(res);
    const body = (res.data ?? {}) as Record<string, unknown>;
    const token = [body.bearer_token, body.token, body.access_token].find((v) => typeof v === "string" && v !== "");
    if (typeof token !== "string") {
      throw new DeviceCloudError("API_ERROR", "The login answer had no bearer_token; check the account's server.", { status: res.status });
    }
    let expiresIn = seconds(body.expires_in, 0);
    if (!expiresIn && typeof body.expires_at === "string") expiresIn = Math.max(1, (Date.parse(body.expires_at) - Date.now()) / 1000);
    return { token, expiresIn: expiresIn || 3600 };
  }

  private list(path: "/devices" | "/sites", opts: ListOptions): AsyncGenerator<Page> {
    const size = Math.max(1, Math.min(FLATPEAK_MAX_PAGE, opts.pageSize ?? FLATPEAK_MAX_PAGE));
    const query = typeof opts.query === "string" && opts.query.trim() !== "" ? wellFormed("query", opts.query.trim()) : undefined;
    return cursorPages((limit, after) => this.fetchPage(path, limit, after, query, opts), size, opts.max ?? 0);
  }

  private async fetchPage(
    path: string,
    limit: number,
    startingAfter: string | undefined,
    referenceId: string | undefined,
    opts: CallOptions,
  ): Promise<CursorPage> {
    const res = await this.transport.request({
      method: "GET",
      path,
      query: { limit, starting_after: startingAfter, reference_id: referenceId },
      signal: opts.signal,
      onWait: opts.onWait,
    });
    const body = asObject(res.data, "list");
    if (!Array.isArray(body.data)) {
      throw new DeviceCloudError("API_ERROR", `The answer to GET ${path} had no data list.`, { status: res.status });
    }
    return { data: body.data as ApiObject[], hasMore: body.has_more === true };
  }
}

/** Whether `err` is the cloud's answer with one of these HTTP statuses. */
function answeredStatus(err: unknown, statuses: readonly number[]): boolean {
  return err instanceof DeviceCloudError && err.status !== undefined && statuses.includes(err.status);
}

/**
 * The optional device fields as the account's release takes them: busbar at the top level; yotta the model under
 * `properties` (seed 001); zero and anode none at all (their bodies are `reference_id` only), so asking for one is
 * INVALID_INPUT rather than a field silently dropped.
 */
function extraFieldsFor(release: string | undefined, extra: ApiObject): ApiObject {
  const fields = Object.keys(extra);
  if (fields.length === 0) return {};
  const shape = deviceShape(release);
  if (shape === "yotta") {
    if (extra.properties !== undefined) {
      throw invalidInput("device.properties", `the ${release} release takes only manufacturer, model_code and model_name (sent under properties).`);
    }
    return { properties: extra };
  }
  if (shape === "minimal") {
    throw invalidInput(`device.${fields[0]}`, `the account answers in ${release}, whose devices have a reference id only; set its API version to 2026-08-01.busbar or later to send ${fields.join(", ")}.`);
  }
  return extra;
}

/**
 * The release a version string names: by its name, else by its date (a later, unknown release speaks busbar).
 * Yotta's date is not published; its pages are newer than busbar's (flatpeak.md §2), so it speaks busbar whatever
 * date it carries.
 */
export function releaseOf(version: string): Release {
  const [date, name] = version.split(".");
  if (name === "yotta") return "busbar";
  const named = RELEASE_DATES.find(([r]) => r === name);
  if (named) return named[0];
  let found: Release = "zero";
  for (const [r, from] of RELEASE_DATES) if (date >= from) found = r;
  return found;
}

interface CheckedPeriod {
  locationId: string;
  start: number;
  end: number;
  direction: "IMPORT" | "EXPORT";
}

/** A location, a period of at most 90 days and a direction, each checked before any request. */
export function checkPriceRequest(req: PriceRequest): CheckedPeriod {
  if (typeof req.locationId !== "string" || !LOCATION_ID.test(req.locationId.trim())) {
    throw invalidInput("locationId", `a Flatpeak location id looks like loc_641b90b758fb8e6293716e40, got ${describe(req.locationId)}.`);
  }
  for (const field of ["start", "end"] as const) {
    if (typeof req[field] !== "number" || !Number.isFinite(req[field])) throw invalidInput(field, `must be a time, got ${describe(req[field])}.`);
  }
  if (req.end <= req.start) throw invalidInput("end", `the period must end after it starts (${iso(req.start)} to ${iso(req.end)}).`);
  if (req.end - req.start > MAX_PRICE_DAYS * DAY_MS) throw invalidInput("end", `a period is at most ${MAX_PRICE_DAYS} days long (Flatpeak's limit).`);
  const direction = req.direction ?? "IMPORT";
  if (direction !== "IMPORT" && direction !== "EXPORT") throw invalidInput("direction", `must be "IMPORT" or "EXPORT", got ${describe(direction)}.`);
  return { locationId: req.locationId.trim(), start: req.start, end: req.end, direction };
}

function checkSlotRule(rule: SlotRequest["rule"], periodMs: number): SlotRequest["rule"] {
  if (rule?.mode === "duration") {
    const m = rule.minutes;
    if (typeof m !== "number" || !Number.isInteger(m) || m < 1 || m * 60_000 > periodMs) {
      throw invalidInput("duration", `must be a whole number of minutes from 1 to the period's length (${Math.floor(periodMs / 60_000)}), got ${describe(m)}.`);
    }
    return rule;
  }
  if (rule?.mode === "threshold") {
    const v = rule.value;
    if (rule.kind === "relative") {
      if (typeof v !== "number" || !(v >= 0.01 && v <= 1)) throw invalidInput("threshold", `a relative threshold is from 0.01 (the lowest price) to 1 (the highest), got ${describe(v)}.`);
    } else if (rule.kind === "absolute") {
      if (typeof v !== "number" || !Number.isFinite(v)) throw invalidInput("threshold", `an absolute threshold is a price in major currency units, got ${describe(v)}.`);
    } else throw invalidInput("thresholdKind", `must be "relative" or "absolute", got ${describe(rule.kind)}.`);
    return rule;
  }
  throw invalidInput("mode", `must be "duration" or "threshold", got ${describe((rule as { mode?: unknown } | undefined)?.mode)}.`);
}

/** What to do about the 422s Flatpeak answers when a location has no prices (flatpeak-prices.md §7). */
const NO_PRICES: Record<string, (q: CheckedPeriod) => string> = {
  no_tariff_connected: (q) =>
    `No ${q.direction} tariff is connected to ${q.locationId} (Flatpeak keeps import and export tariffs apart): connect the customer's tariff with Flatpeak Connect, then ask again.`,
  pending_connect: (q) =>
    `Flatpeak Connect is reading the tariff of ${q.locationId} for the first time: ask again in 15 minutes at the earliest (Flatpeak asks for no retry sooner).`,
  no_price_data: (q) =>
    `Flatpeak has had no price data for ${q.locationId} for a long time (it sent the tariff.fetch.failed webhook): check the tariff in the Flatpeak dashboard, and ask again no more often than every 15 minutes.`,
};

function explainPriceError(err: unknown, q: CheckedPeriod): unknown {
  if (!(err instanceof DeviceCloudError) || err.status !== 422 || !err.cloudCode || !NO_PRICES[err.cloudCode]) return err;
  return new DeviceCloudError("API_ERROR", `${NO_PRICES[err.cloudCode](q)} (HTTP 422 ${err.cloudCode})`, { status: 422, cloudCode: err.cloudCode });
}

/** The entries of a price or slots answer, whatever the release calls their fields. */
function readPoints(body: ApiObject, what: "price" | "slot"): PricePoint[] {
  if (!Array.isArray(body.data)) throw new DeviceCloudError("API_ERROR", `The cloud's ${what} answer had no data list.`);
  return body.data.map((raw) => {
    const d = (raw && typeof raw === "object" ? raw : {}) as ApiObject;
    const money = (d.price ?? d.tariff ?? {}) as ApiObject;
    const start = Date.parse(String(d.valid_from ?? d.start_time));
    const end = Date.parse(String(d.valid_to ?? d.end_time));
    const value = [money.value, money.average, money.rate_avg, money.rate].find((v) => typeof v === "number");
    const confidence = typeof money.confidence === "number" ? money.confidence : 1;
    if (Number.isNaN(start) || Number.isNaN(end) || typeof value !== "number") {
      throw new DeviceCloudError("API_ERROR", `The cloud's ${what} answer has an entry without a time or a price.`);
    }
    return { start, end, price: value, confidence };
  });
}

function header(body: ApiObject, q: CheckedPeriod) {
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  return { locationId: q.locationId, timezone: text(body.location_timezone), currency: text(body.currency_code), direction: q.direction };
}

function entryOf(p: PricePoint): PriceEntry {
  return { start: iso(p.start), end: iso(p.end), price: p.price, confidence: p.confidence };
}

function slotOf(s: ComputedSlot): SlotEntry {
  return { start: iso(s.start), end: iso(s.end), averagePrice: s.averagePrice, confidence: s.confidence };
}

/** ISO 8601 in UTC, to the second (Flatpeak's own form). */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

function isoOrNull(v: unknown): string | null {
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? null : iso(t);
}

/**
 * Online from Flatpeak's `last_seen`: seen within `offlineAfter` seconds. `lastSeen` is the cloud's own ISO 8601
 * string, as it reported it, or null when the device was never seen.
 */
export function statusFromLastSeen(device: ApiObject, offlineAfter: number, now = Date.now()): DeviceStatus {
  const raw = device.last_seen;
  const seenAt = typeof raw === "string" ? Date.parse(raw) : NaN;
  const lastSeen = Number.isNaN(seenAt) ? null : (raw as string);
  const online = !Number.isNaN(seenAt) && now - seenAt <= offlineAfter * 1000;
  return { deviceId: typeof device.id === "string" ? device.id : String(device.id), online, lastSeen, source: "last_seen" };
}
