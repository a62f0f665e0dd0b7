import assert from "node:assert/strict";
import { startSimulator, type Simulator } from "../../src/simulator";
import { FLATPEAK_PRICE_LOCATIONS as LOC } from "../../src/simulator/flatpeak/pricing";
import { localTime } from "../../src/simulator/flatpeak/tariffs";
import { call, flatpeakToken } from "./helpers";

const ZERO = { "Flatpeak-Version": "2024-08-24.zero" };
const ANODE = { "Flatpeak-Version": "2025-09-14.anode" };
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

describe("simulator: Flatpeak prices room", function () {
  let sim: Simulator;
  let token: string;
  let zeroToken: string;
  // Without a header the demo account's default (busbar) applies; with one, the zero account asks, since a release
  // older than the account's default is refused (422) and every release is newer than zero's.
  const tokenFor = (headers: Record<string, string>) => (headers["Flatpeak-Version"] ? zeroToken : token);
  const get = (path: string, headers: Record<string, string> = {}) => call(sim, "GET", path, { token: tokenFor(headers), headers });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) => call(sim, "POST", path, { token: tokenFor(headers), headers, body });
  const hourStart = Math.floor(Date.now() / H) * H;

  before(async () => {
    sim = await startSimulator({ seed: 7 });
    token = await flatpeakToken(sim);
    const zero = sim.accounts.flatpeak.find((a) => a.release === "2024-08-24.zero");
    assert.ok(zero);
    zeroToken = await flatpeakToken(sim, zero.clientId, zero.clientSecret);
  });
  after(() => sim.close());

  it("every seeded device's locations lead to a location with prices", async () => {
    const locations = new Set(sim.fleet.flatpeak.devices.flatMap((d) => d.locations));
    assert.ok(locations.size > 50);
    for (const loc of [...locations].slice(0, 60)) {
      const a = await post("/prices", { location_id: loc, start_time: iso(hourStart), end_time: iso(hourStart + 2 * H) });
      assert.equal(a.status, 200, `${loc}: ${a.text}`);
      assert.ok(a.json.data.length >= 1);
      const l = await get(`/locations/${loc}`);
      assert.equal(l.status, 200);
      assert.equal(l.json.tariff_status.commodity_import, "CONNECTED");
    }
  });

  it("busbar: POST /prices with location_id in the body, price{value,confidence}, no request or next_update", async () => {
    const a = await post("/prices", { location_id: LOC.demoDynamic, start_time: iso(hourStart), end_time: iso(hourStart + 24 * H) });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.headers.get("flatpeak-version"), "2026-08-01.busbar");
    assert.match(a.json.id, /^prs_[0-9a-f]+$/);
    assert.equal(a.json.object, "price");
    assert.equal(a.json.location_timezone, "Europe/London");
    assert.equal(a.json.currency_code, "GBP");
    assert.equal(a.json.tariff_direction, "IMPORT");
    assert.equal(a.json.request, undefined);
    assert.equal(a.json.next_update, undefined);
    assert.equal(a.json.data.length, 48, "half-hourly");
    const first = a.json.data[0];
    assert.deepEqual(Object.keys(first).sort(), ["price", "valid_from", "valid_to"]);
    assert.deepEqual(Object.keys(first.price).sort(), ["confidence", "value"]);
    assert.equal(Date.parse(first.valid_to) - Date.parse(first.valid_from), H / 2);
    assert.equal((await post(`/prices/${LOC.demoDynamic}`, { end_time: iso(hourStart + H) })).status, 404, "busbar has no path form");
  });

  it("anode: POST /prices/{loc} with tariff_direction, next_update and request", async () => {
    const a = await post(`/prices/${LOC.demoTimeOfUse}`, { start_time: iso(hourStart), end_time: iso(hourStart + 48 * H), tariff_direction: "IMPORT" }, ANODE);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.object, "price");
    assert.equal(a.json.location_timezone, "Europe/Berlin");
    assert.equal(a.json.currency_code, "EUR");
    assert.equal(a.json.request.tariff_direction, "IMPORT");
    assert.ok(Date.parse(a.json.next_update) > Date.now());
    // Time of use: bands, not half-hours; the day band of Berlin is 06:00–22:00 local.
    assert.ok(a.json.data.length < 10);
    for (const d of a.json.data) assert.ok([0.2684, 0.3619].includes(d.price.value), JSON.stringify(d));
    assert.equal((await post("/prices", { location_id: LOC.demoTimeOfUse, end_time: iso(hourStart + H) }, ANODE)).status, 404);
  });

  it("zero: GET /tariffs/rates/{loc} with query parameters, tariff{rate} only when include_tariff, times in end_time's offset", async () => {
    const start = "2026-03-29T00:00:00+00:00";
    const end = "2026-03-29T04:00:00+01:00";
    const a = await get(`/tariffs/rates/${LOC.demoDynamic}?start_time=${encodeURIComponent(start)}&end_time=${encodeURIComponent(end)}&include_tariff=true`, ZERO);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.object, "tariff_rate");
    assert.match(a.json.id, /^rts_/);
    assert.equal(a.json.direction, "IMPORT");
    assert.equal(a.json.request.include_tariff, true);
    // 00:00Z to 03:00Z across the change to BST: six half-hours, in +01:00 as end_time asks.
    assert.equal(a.json.data.length, 6);
    assert.equal(a.json.data[0].valid_from, "2026-03-29T01:00:00+01:00");
    assert.ok(typeof a.json.data[0].tariff.rate === "number");
    const bare = await get(`/tariffs/rates/${LOC.demoDynamic}?end_time=${encodeURIComponent(end)}&start_time=${encodeURIComponent(start)}`, ZERO);
    assert.equal(bare.json.data[0].tariff, undefined, "no tariff without include_tariff");
    assert.equal((await get(`/tariffs/rates/${LOC.demoDynamic}?start_time=${encodeURIComponent(start)}`, ZERO)).json.code, "end_time_missing");
  });

  it("slots: each release its own shape, the same slots", async () => {
    const period = { start_time: iso(hourStart), end_time: iso(hourStart + 24 * H) };
    const q = new URLSearchParams({ ...period, segment: "LOW", duration: "180" }).toString();
    const zero = await get(`/slots/time/${LOC.demoDynamic}?${q}`, ZERO);
    const anode = await post(`/schedules/duration/${LOC.demoDynamic}`, { ...period, segment: "LOW", duration: 180 }, ANODE);
    const busbar = await post("/schedules/duration", { location_id: LOC.demoDynamic, ...period, segment: "LOW", duration: 180 });
    assert.equal(zero.json.object, "slot_time");
    assert.equal(anode.json.object, "schedule_duration");
    assert.equal(busbar.json.object, "schedule_duration");
    const minutes = (d: { start_time: string; end_time: string }[]) => d.reduce((s, x) => s + (Date.parse(x.end_time) - Date.parse(x.start_time)) / 60000, 0);
    assert.equal(minutes(zero.json.data), 180);
    assert.deepEqual(zero.json.data.map((d: any) => [d.start_time, d.end_time, d.tariff.rate_avg]), anode.json.data.map((d: any) => [d.start_time, d.end_time, d.price.average]));
    assert.deepEqual(anode.json.data.map((d: any) => [d.start_time, d.price.average]), busbar.json.data.map((d: any) => [d.start_time, d.price.value]));
    assert.equal(busbar.json.data[0].vpp_event, false);
    const limit = await post("/schedules/limit", { location_id: LOC.demoDynamic, ...period, segment: "HIGH", relative: 0.8 });
    assert.equal(limit.json.object, "schedule_limit");
    assert.ok(limit.json.duration > 0);
    const thr = await get(`/slots/threshold/${LOC.demoDynamic}?${new URLSearchParams({ ...period, segment: "HIGH", relative: "0.8" })}`, ZERO);
    assert.equal(thr.json.object, "slot_threshold");
    assert.equal(thr.json.duration, limit.json.duration);
  });

  it("limits: prices 90 days; schedules 3 days on anode and busbar, 90 on zero", async () => {
    const from = hourStart;
    assert.equal((await post("/prices", { location_id: LOC.demoDynamic, start_time: iso(from), end_time: iso(from + 90 * 24 * H) })).status, 200);
    const long = await post("/prices", { location_id: LOC.demoDynamic, start_time: iso(from), end_time: iso(from + 90 * 24 * H + 1000) });
    assert.equal(long.status, 400);
    assert.equal(long.json.code, "period_too_long");
    const four = { start_time: iso(from), end_time: iso(from + 96 * H), segment: "LOW", duration: 60 };
    assert.equal((await post("/schedules/duration", { location_id: LOC.demoDynamic, ...four })).json.code, "period_too_long");
    assert.equal((await post(`/schedules/limit/${LOC.demoDynamic}`, { ...four, relative: 0.2 }, ANODE)).json.code, "period_too_long");
    assert.equal((await post("/schedules/duration", { location_id: LOC.demoDynamic, ...four, end_time: iso(from + 72 * H) })).status, 200);
    assert.equal((await get(`/slots/time/${LOC.demoDynamic}?${new URLSearchParams({ ...four, duration: "60" })}`, ZERO)).status, 200);
    const reversed = await post("/prices", { location_id: LOC.demoDynamic, start_time: iso(from + H), end_time: iso(from) });
    assert.equal(reversed.json.code, "end_time_invalid");
    assert.equal((await post("/schedules/limit", { location_id: LOC.demoDynamic, ...four, end_time: iso(from + H) })).json.code, "threshold_missing");
  });

  it("a location with no tariff, a pending connect and no price data answer the documented 422s", async () => {
    const period = { start_time: iso(hourStart), end_time: iso(hourStart + H) };
    for (const [loc, code] of [[LOC.noTariff, "no_tariff_connected"], [LOC.pendingConnect, "pending_connect"], [LOC.noPriceData, "no_price_data"]]) {
      for (const a of [
        await post("/prices", { location_id: loc, ...period }),
        await post("/schedules/duration", { location_id: loc, ...period, segment: "LOW", duration: 30 }),
        await get(`/tariffs/rates/${loc}?${new URLSearchParams(period)}`, ZERO),
      ]) {
        assert.equal(a.status, 422, a.text);
        assert.equal(a.json.object, "error");
        assert.equal(a.json.code, code);
      }
    }
    // Import and export are apart: a time-of-use location has no export tariff.
    const exp = await post("/prices", { location_id: LOC.demoTimeOfUse, ...period, tariff_direction: "EXPORT" });
    assert.equal(exp.json.code, "no_tariff_connected");
    assert.equal((await post("/prices", { location_id: "loc_000000000000000000000000", ...period })).status, 404);
  });

  it("a realistic day: cheap at night, dear in the evening; forecasts beyond tomorrow below confidence 1", async () => {
    const a = await post("/prices", { location_id: LOC.demoDynamic, start_time: iso(hourStart), end_time: iso(hourStart + 5 * 24 * H) });
    const byHour = new Map<number, number[]>();
    const today = localTime(Date.now(), "Europe/London").day;
    for (const d of a.json.data) {
      const t = localTime(Date.parse(d.valid_from), "Europe/London");
      const h = Math.floor(t.minutes / 60);
      byHour.set(h, [...(byHour.get(h) ?? []), d.price.value]);
      if (t.day - today >= 2) assert.ok(d.price.confidence < 1, JSON.stringify(d));
      if (t.day === today) assert.equal(d.price.confidence, 1);
    }
    const avg = (h: number) => (byHour.get(h) ?? []).reduce((s, x) => s + x, 0) / (byHour.get(h) ?? [1]).length;
    assert.ok(avg(3) < avg(17) * 0.6, `night ${avg(3)} vs evening ${avg(17)}`);
    const ny = await post("/locations", {});
    assert.equal(ny.status, 405);
  });

  it("GET /locations pages newest first; busbar lists the devices at each", async () => {
    const one = await get("/locations?limit=5");
    assert.equal(one.status, 200);
    assert.equal(one.json.object, "list");
    assert.equal(one.json.data.length, 5);
    assert.equal(one.json.has_more, true);
    const next = await get(`/locations?limit=5&starting_after=${one.json.data[4].id}`);
    assert.notEqual(next.json.data[0].id, one.json.data[4].id);
    assert.ok(Array.isArray(one.json.data[0].devices));
    assert.equal((await get("/locations?limit=1", ZERO)).json.data[0].devices, undefined);
    const zones = new Set<string>();
    let cursor = "";
    for (;;) {
      const p = await get(`/locations?limit=100${cursor ? `&starting_after=${cursor}` : ""}`);
      for (const l of p.json.data) zones.add(`${l.timezone} ${l.currency_code}`);
      if (!p.json.has_more) break;
      cursor = p.json.data[p.json.data.length - 1].id;
    }
    assert.ok(zones.has("Europe/London GBP") && zones.has("Europe/Berlin EUR"), [...zones].join());
  });
});
