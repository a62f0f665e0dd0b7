import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { FlatpeakClient } from "../../src/api";
import { releaseOf } from "../../src/api/flatpeak";
import { computeSlots } from "../../src/api/slots";
import { FLATPEAK_PRICE_LOCATIONS as LOC } from "../../src/simulator/flatpeak/pricing";
import { freshClientEach, rejects, simulatorForSuite } from "../support/sim";

const H = 3_600_000;

describe("Flatpeak client: prices and slots", function () {
  let sim: Simulator;
  let client: FlatpeakClient;
  const paths: string[] = [];
  const now = Math.floor(Date.now() / 60_000) * 60_000;

  simulatorForSuite((s) => (sim = s));
  freshClientEach(() => sim, "flatpeak", paths, (c) => (client = c as FlatpeakClient));

  it("names the release by a version string's name, else by its date (a later one speaks busbar)", () => {
    assert.equal(releaseOf("2024-08-24.zero"), "zero");
    assert.equal(releaseOf("2024-08-24"), "zero");
    assert.equal(releaseOf("2025-09-14.anode"), "anode");
    assert.equal(releaseOf("2026-01-01"), "anode");
    assert.equal(releaseOf("2026-08-01.busbar"), "busbar");
    assert.equal(releaseOf("2027-03-01.yotta"), "busbar");
    assert.equal(releaseOf("2026-03-01.yotta"), "busbar", "yotta by its name: its date is not published");
  });

  it("asks a price or schedule POST again after a 5xx or a dropped connection: it computes and stores nothing", async () => {
    const period = { locationId: LOC.demoDynamic, start: now, end: now + 24 * H };
    sim.addFault({ provider: "flatpeak", method: "POST", path: "/prices", status: 503, times: 1 });
    const series = await client.prices(period);
    assert.ok(series.prices.length >= 48);
    sim.addFault({ provider: "flatpeak", method: "POST", path: "/schedules/duration", drop: true, times: 1 });
    const plan = await client.priceSlots({ ...period, segment: "LOW", rule: { mode: "duration", minutes: 60 } });
    assert.equal(plan.minutes, 60);
    assert.deepEqual(paths.filter((p) => p !== "GET /login"), ["POST /prices", "POST /prices", "POST /schedules/duration", "POST /schedules/duration"]);
  });

  it("with no apiVersion, takes the release from the flatpeak-version the cloud answers with (busbar: POST /prices)", async () => {
    const series = await client.prices({ locationId: LOC.demoDynamic, start: now, end: now + 24 * H });
    assert.deepEqual(paths, ["GET /login", "POST /prices"], "the login's answer named the release: no probe");
    assert.equal(series.locationId, LOC.demoDynamic);
    assert.equal(series.timezone, "Europe/London");
    assert.equal(series.currency, "GBP");
    assert.equal(series.direction, "IMPORT");
    assert.equal(series.nextUpdate, null, "busbar gives no next_update");
    assert.ok(series.prices.length >= 48);
    for (const p of series.prices) {
      assert.deepEqual(Object.keys(p), ["start", "end", "price", "confidence"]);
      assert.match(p.start, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
    assert.ok(series.current, "the entry that holds now");
    assert.ok(Date.parse(series.current.start) <= Date.now() && Date.now() < Date.parse(series.current.end));
  });

  it("slots by duration and by threshold come from the schedules endpoints within 3 days", async () => {
    const plan = await client.priceSlots({ locationId: LOC.demoDynamic, start: now, end: now + 24 * H, segment: "LOW", rule: { mode: "duration", minutes: 180 } });
    assert.equal(plan.minutes, 180);
    assert.equal(plan.segment, "LOW");
    for (const s of plan.slots) assert.deepEqual(Object.keys(s), ["start", "end", "averagePrice", "confidence"]);
    const high = await client.priceSlots({ locationId: LOC.demoDynamic, start: now, end: now + 24 * H, segment: "HIGH", rule: { mode: "threshold", kind: "relative", value: 0.7 } });
    assert.ok(high.minutes > 0 && high.minutes < 24 * 60);
    assert.ok(Math.min(...high.slots.map((s) => s.averagePrice)) > Math.max(...plan.slots.map((s) => s.averagePrice)));
    assert.deepEqual(paths.filter((p) => !p.startsWith("GET /login")), ["POST /schedules/duration", "POST /schedules/limit"]);
  });

  it("a period beyond the schedules' 3 days is computed from the price series by the same rules", async () => {
    const req = { locationId: LOC.demoDynamic, start: now, end: now + 4 * 24 * H, segment: "LOW" as const, rule: { mode: "duration" as const, minutes: 180 } };
    const plan = await client.priceSlots(req);
    assert.deepEqual(paths.filter((p) => p !== "GET /login"), ["POST /prices"]);
    assert.equal(plan.minutes, 180);
    const series = await client.prices(req);
    const points = series.prices.map((p) => ({ start: Date.parse(p.start), end: Date.parse(p.end), price: p.price, confidence: p.confidence }));
    const expected = computeSlots(points, req.start, req.end, "LOW", req.rule);
    assert.deepEqual(plan.slots.map((s) => [Date.parse(s.start), Date.parse(s.end), s.averagePrice]), expected.map((s) => [s.start, s.end, s.averagePrice]));
    // The cheapest 3 hours: no half-hour left out is cheaper than one taken.
    const taken = points.filter((p) => plan.slots.some((s) => Date.parse(s.start) <= p.start && p.start < Date.parse(s.end)));
    const left = points.filter((p) => p.start >= req.start && p.end <= req.end && !taken.includes(p));
    assert.ok(Math.max(...taken.map((p) => p.price)) <= Math.min(...left.map((p) => p.price)));
    // Within 3 days the endpoint and the rules agree.
    const short = { ...req, end: now + 72 * H };
    const fromEndpoint = await client.priceSlots(short);
    const ruled = computeSlots(points, short.start, short.end, "LOW", req.rule);
    assert.deepEqual(fromEndpoint.slots.map((s) => [Date.parse(s.start), Date.parse(s.end)]), ruled.map((s) => [s.start, s.end]));
  });

  it("refuses a bad input with INVALID_INPUT naming the field, before any request", async () => {
    const ok = { locationId: LOC.demoDynamic, start: now, end: now + H };
    const slot = { ...ok, segment: "LOW" as const, rule: { mode: "duration" as const, minutes: 30 } };
    const cases: [Promise<unknown>, string][] = [
      [client.prices({ ...ok, locationId: "" }), "locationId"],
      [client.prices({ ...ok, locationId: "dev_123" }), "locationId"],
      [client.prices({ ...ok, end: now - H }), "end"],
      [client.prices({ ...ok, end: now }), "end"],
      [client.prices({ ...ok, start: NaN }), "start"],
      [client.prices({ ...ok, end: now + 91 * 24 * H }), "end"],
      [client.prices({ ...ok, direction: "BOTH" as never }), "direction"],
      [client.priceSlots({ ...slot, rule: { mode: "duration", minutes: 0 } }), "duration"],
      [client.priceSlots({ ...slot, rule: { mode: "duration", minutes: 61 } }), "duration"],
      [client.priceSlots({ ...slot, rule: { mode: "duration", minutes: 1.5 } }), "duration"],
      [client.priceSlots({ ...slot, rule: { mode: "threshold", kind: "relative", value: 0 } }), "threshold"],
      [client.priceSlots({ ...slot, rule: { mode: "threshold", kind: "relative", value: 1.2 } }), "threshold"],
      [client.priceSlots({ ...slot, rule: { mode: "threshold", kind: "absolute", value: Infinity } }), "threshold"],
      [client.priceSlots({ ...slot, segment: "MID" as never }), "segment"],
    ];
    for (const [p, field] of cases) {
      const err = await rejects(p);
      assert.equal(err.code, "INVALID_INPUT", err.message);
      assert.equal((err as unknown as { field: string }).field, field, err.message);
    }
    assert.deepEqual(paths, []);
  });

  it("the documented 422s are API_ERROR with a sentence that says what to do", async () => {
    const period = { start: now, end: now + H };
    const noTariff = await rejects(client.prices({ locationId: LOC.noTariff, ...period }));
    assert.equal(noTariff.code, "API_ERROR");
    assert.match(noTariff.message, /No IMPORT tariff is connected to loc_\w+.*connect the customer's tariff/);
    const pending = await rejects(client.priceSlots({ locationId: LOC.pendingConnect, ...period, segment: "LOW", rule: { mode: "duration", minutes: 30 } }));
    assert.equal(pending.code, "API_ERROR");
    assert.match(pending.message, /ask again in 15 minutes at the earliest/);
    const noData = await rejects(client.prices({ locationId: LOC.noPriceData, ...period }));
    assert.match(noData.message, /no price data .* every 15 minutes/);
    const exported = await rejects(client.prices({ locationId: LOC.demoTimeOfUse, ...period, direction: "EXPORT" }));
    assert.match(exported.message, /No EXPORT tariff/);
    assert.equal((await rejects(client.prices({ locationId: "loc_000000000000000000000000", ...period }))).code, "NOT_FOUND");
  });

  it("pages the account's locations for the picker", async () => {
    const first = await client.browseLocations({ pageSize: 10 });
    assert.equal(first.items.length, 10);
    assert.equal(typeof first.next, "string");
    const second = await client.browseLocations({ pageSize: 10, cursor: first.next as string });
    assert.notEqual(second.items[0].id, first.items[0].id);
  });
});
