import assert from "node:assert/strict";
import { startSimulator, type FlatpeakDevice, type Simulator } from "../../src/simulator";
import { basic, call, flatpeakToken, sleep } from "./helpers";

const RICH_KEYS = ["object", "live_mode", "context", "type", "code", "message", "time_created"];

function assertRich(a: { status: number; json: any }, status: number, code: string, type = "invalid_request"): void {
  assert.equal(a.status, status, JSON.stringify(a.json));
  assert.deepEqual(Object.keys(a.json).sort(), [...RICH_KEYS].sort());
  assert.equal(a.json.object, "error");
  assert.equal(a.json.type, type);
  assert.equal(a.json.code, code);
  assert.equal(typeof a.json.message, "string");
  assert.match(a.json.time_created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
}

describe("simulator: Flatpeak", function () {
  let sim: Simulator;
  let token: string;
  const get = (path: string, headers: Record<string, string> = {}) => call(sim, "GET", path, { token, headers });

  before(async () => {
    sim = await startSimulator({ seed: 7 });
    token = await flatpeakToken(sim);
  });
  after(() => sim.close());

  describe("login and tokens", () => {
    it("GET /login with Basic account_id:api_key gives a bearer token, expires_in and live_mode", async () => {
      const a = await call(sim, "GET", "/login", { headers: { authorization: basic("acc_65f0c0ffee00000000000001", "sk_test_simulator_demo_key") } });
      assert.equal(a.status, 200);
      assert.deepEqual(Object.keys(a.json).sort(), ["bearer_token", "expires_in", "live_mode"]);
      assert.equal(a.json.expires_in, 3600);
      assert.equal(a.json.live_mode, false);
      assert.match(a.json.bearer_token, /^[A-Za-z0-9_-]{40,}$/);
      assert.equal(a.headers.get("content-type"), "application/json");
      assert.equal(a.headers.get("flatpeak-version"), "2026-08-01.busbar");
    });

    it("refuses bad or missing credentials with 403 Bad credentials", async () => {
      for (const authorization of [basic(sim.credentials.flatpeak.clientId, "sk_test_wrong"), basic("acc_unknown", sim.credentials.flatpeak.clientSecret), "Bearer x", ""]) {
        const a = await call(sim, "GET", "/login", { headers: authorization ? { authorization } : {} });
        assert.equal(a.status, 403);
        assert.deepEqual(a.json, { message: "Bad credentials" });
      }
    });

    it("accepts POST /auth/tokens as the busbar alias of /login", async () => {
      const { clientId, clientSecret } = sim.credentials.flatpeak;
      const a = await call(sim, "POST", "/auth/tokens", { headers: { authorization: basic(clientId, clientSecret) } });
      assert.equal(a.status, 200);
      assert.equal(typeof a.json.bearer_token, "string");
    });

    it("answers 403 Bad credentials to a missing, unknown, Basic, revoked or expired bearer", async () => {
      assert.deepEqual((await call(sim, "GET", "/devices")).json, { message: "Bad credentials" });
      assert.equal((await call(sim, "GET", "/devices", { token: "nope" })).status, 403);
      const { clientId, clientSecret } = sim.credentials.flatpeak;
      assert.equal((await call(sim, "GET", "/devices", { headers: { authorization: basic(clientId, clientSecret) } })).status, 403);
      const t1 = await flatpeakToken(sim);
      assert.equal((await get("/devices?limit=1", { authorization: `Bearer ${t1}` })).status, 200);
      sim.revokeTokens("flatpeak");
      const revoked = await call(sim, "GET", "/devices", { token: t1 });
      assert.equal(revoked.status, 403);
      assert.deepEqual(revoked.json, { message: "Bad credentials" });
      const t2 = await flatpeakToken(sim);
      sim.expireTokens("flatpeak");
      assert.equal((await call(sim, "GET", "/devices", { token: t2 })).status, 403);
      token = await flatpeakToken(sim);
    });

    it("revoking Blynk tokens leaves Flatpeak tokens alone", async () => {
      sim.revokeTokens("blynk");
      assert.equal((await get("/devices?limit=1")).status, 200);
    });

    it("a token stops working when its expires_in runs out", async () => {
      const s = await startSimulator({ flatpeakDevices: 3, flatpeakSites: 1, blynkDevices: 0, tokenLifetimeSec: { flatpeak: 0.25 } });
      try {
        const login = await call(s, "GET", "/login", { headers: { authorization: basic(s.credentials.flatpeak.clientId, s.credentials.flatpeak.clientSecret) } });
        assert.equal(login.json.expires_in, 1);
        const t = login.json.bearer_token;
        assert.equal((await call(s, "GET", "/devices", { token: t })).status, 200);
        await sleep(300);
        assert.deepEqual((await call(s, "GET", "/devices", { token: t })).json, { message: "Bad credentials" });
      } finally {
        await s.close();
      }
    });

    it("an added sk_live_ account logs in with live_mode true and sees the fleet as its own", async () => {
      sim.addAccount("flatpeak", "acc_11111111111111111111live", "sk_live_0123456789abcdef");
      const a = await call(sim, "GET", "/login", { headers: { authorization: basic("acc_11111111111111111111live", "sk_live_0123456789abcdef") } });
      assert.equal(a.json.live_mode, true);
      const d = await call(sim, "GET", "/devices?limit=1", { token: a.json.bearer_token });
      assert.equal(d.json.data[0].live_mode, true);
      assert.equal(d.json.data[0].account_id, "acc_11111111111111111111live");
    });
  });

  describe("Flatpeak-Version", () => {
    it("every answer names the version in force; none sent means the account default", async () => {
      assert.equal((await get("/devices?limit=1")).headers.get("flatpeak-version"), "2026-08-01.busbar");
      assert.equal((await get("/devices/dev_000000000000000000000000")).headers.get("flatpeak-version"), "2026-08-01.busbar");
      assert.equal((await call(sim, "GET", "/devices")).headers.get("flatpeak-version"), "2026-08-01.busbar");
      assert.equal((await call(sim, "GET", "/nowhere")).headers.get("flatpeak-version"), "2026-08-01.busbar");
      const a = await get("/devices?limit=1", { "Flatpeak-Version": "2026-08-01.busbar" });
      assert.equal(a.status, 200);
      assert.equal(a.headers.get("flatpeak-version"), "2026-08-01.busbar");
    });

    it("a version older than the account default is 422 api_version_not_supported", async () => {
      const a = await get("/devices", { "Flatpeak-Version": "2025-09-14.anode" });
      assertRich(a, 422, "api_version_not_supported");
      assert.equal(a.json.message, "Requested API version 2025-09-14 older than account default 2026-08-01.busbar");
      assert.equal(a.json.context, "api");
      assert.equal(a.json.live_mode, false);
      assertRich(await get("/sites", { "Flatpeak-Version": "2024-08-24.zero" }), 422, "api_version_not_supported");
      assertRich(await get("/devices", { "Flatpeak-Version": "2024-08-24" }), 422, "api_version_not_supported");
    });

    it("an unknown version string is 400 api_version_invalid", async () => {
      for (const v of ["2027-13-01.yotta", "2025-09-14.busbar", "busbar", "2026-08-01.Busbar", "latest"]) {
        const a = await get("/devices", { "Flatpeak-Version": v });
        assertRich(a, 400, "api_version_invalid");
        assert.equal(a.headers.get("flatpeak-version"), "2026-08-01.busbar");
      }
    });
  });

  describe("GET /devices", () => {
    it("answers the list envelope, 30 newest first by default", async () => {
      const a = await get("/devices");
      assert.equal(a.status, 200);
      assert.deepEqual(Object.keys(a.json), ["object", "url", "has_more", "data"]);
      assert.equal(a.json.object, "list");
      assert.equal(a.json.url, "/devices");
      assert.equal(a.json.has_more, true);
      assert.equal(a.json.data.length, 30);
      const times = a.json.data.map((d: any) => d.time_created);
      assert.deepEqual(times, [...times].sort().reverse());
      assert.deepEqual(a.json.data[0], sim.fleet.flatpeak.devices[0]);
    });

    it("pages forward with starting_after over every device, then back with ending_before", async () => {
      const pages: any[][] = [];
      let after: string | undefined;
      for (;;) {
        const a = await get(`/devices?limit=100${after ? `&starting_after=${after}` : ""}`);
        assert.equal(a.status, 200);
        pages.push(a.json.data);
        if (!a.json.has_more) break;
        after = a.json.data[a.json.data.length - 1].id;
      }
      assert.deepEqual(pages.map((p) => p.length), [100, 100, 40]);
      const ids = pages.flat().map((d) => d.id);
      assert.equal(new Set(ids).size, 240);
      assert.deepEqual(ids, sim.fleet.flatpeak.devices.map((d) => d.id));
      // Backwards from the last page's first id gives the page before it, with has_more telling of more before.
      const back = await get(`/devices?limit=100&ending_before=${pages[2][0].id}`);
      assert.deepEqual(back.json.data.map((d: any) => d.id), pages[1].map((d) => d.id));
      assert.equal(back.json.has_more, true);
      const first = await get(`/devices?limit=100&ending_before=${pages[1][0].id}`);
      assert.deepEqual(first.json.data.map((d: any) => d.id), pages[0].map((d) => d.id));
      assert.equal(first.json.has_more, false);
      const none = await get(`/devices?ending_before=${ids[0]}`);
      assert.deepEqual([none.json.data, none.json.has_more], [[], false]);
      const short = await get(`/devices?limit=7&ending_before=${ids[5]}`);
      assert.deepEqual(short.json.data.map((d: any) => d.id), ids.slice(0, 5));
      const last = await get(`/devices?starting_after=${ids[239]}`);
      assert.deepEqual([last.json.data, last.json.has_more], [[], false]);
    });

    it("rejects a limit outside 1..100 or not a whole number, both cursors at once, and an unknown cursor", async () => {
      for (const l of ["0", "101", "abc", "1.5", "-3"]) assertRich(await get(`/devices?limit=${l}`), 400, "limit_invalid");
      assert.equal((await get("/devices?limit=100")).json.data.length, 100);
      assert.equal((await get("/devices?limit=1")).json.data.length, 1);
      const ids = sim.fleet.flatpeak.devices.map((d) => d.id);
      assertRich(await get(`/devices?starting_after=${ids[3]}&ending_before=${ids[9]}`), 400, "pagination_cursor_conflict");
      assertRich(await get("/devices?starting_after=dev_000000000000000000000000"), 400, "starting_after_invalid");
      assertRich(await get("/devices?ending_before=ste_000000000000000000000000"), 400, "ending_before_invalid");
    });

    it("filters by exact reference_id", async () => {
      const d = sim.fleet.flatpeak.devices[17];
      const a = await get(`/devices?reference_id=${encodeURIComponent(d.reference_id)}`);
      assert.deepEqual(a.json.data.map((x: any) => x.id), [d.id]);
      assert.equal(a.json.has_more, false);
      assert.deepEqual((await get(`/devices?reference_id=${encodeURIComponent(d.reference_id.toLowerCase())}`)).json.data, []);
      assert.deepEqual((await get("/devices?reference_id=NOPE")).json.data, []);
    });
  });

  describe("the fleet", () => {
    it("has busbar devices of every kind, with properties that fit the kind", () => {
      const devs = sim.fleet.flatpeak.devices;
      assert.equal(devs.length, 240);
      for (const d of devs) {
        assert.match(d.id, /^dev_[0-9a-f]{24}$/);
        assert.equal(d.object, "device");
        assert.ok(d.locations.length >= 1 && d.locations.every((l) => /^loc_[0-9a-f]{24}$/.test(l)));
        for (const k of ["reference_id", "manufacturer", "model_code", "model_name", "time_created", "account_id"] as const) assert.equal(typeof d[k], "string");
        assert.equal(typeof d.flex_enabled, "boolean");
        assert.match(d.time_created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      }
      const batteries = devs.filter((d) => d.properties.capacity_kwh !== undefined && d.properties.power_rating_export_kwh !== undefined);
      const pv = devs.filter((d) => d.properties.pv_azimuth !== undefined);
      assert.ok(batteries.length > 20 && pv.length > 20);
      for (const d of pv) assert.equal(d.properties.capacity_kwh, undefined);
      const makers = new Set(devs.map((d) => d.manufacturer));
      for (const m of ["Tesla", "myenergi", "SolarEdge", "Mitsubishi Electric"]) assert.ok(makers.has(m), m);
    });

    it("spreads last_seen: some within 15 minutes of the start, some older, some absent", () => {
      const now = Date.now();
      const devs = sim.fleet.flatpeak.devices;
      const online = devs.filter((d) => d.last_seen && now - Date.parse(d.last_seen) < 15 * 60000);
      const stale = devs.filter((d) => d.last_seen && now - Date.parse(d.last_seen) > 3600000);
      const never = devs.filter((d) => d.last_seen === undefined);
      assert.ok(online.length > 50 && stale.length > 30 && never.length > 10, `${online.length}/${stale.length}/${never.length}`);
    });
  });

  describe("one device", () => {
    it("GET /devices/{id} answers the busbar shape; an unknown id is 404 Not Found", async () => {
      const d = sim.fleet.flatpeak.devices[42];
      const a = await get(`/devices/${d.id}`);
      assert.equal(a.status, 200);
      assert.deepEqual(a.json, JSON.parse(JSON.stringify(d)));
      assert.deepEqual(Object.keys(a.json).slice(0, 5), ["id", "object", "live_mode", "reference_id", "locations"]);
      const nf = await get("/devices/dev_ffffffffffffffffffffffff");
      assert.equal(nf.status, 404);
      assert.deepEqual(nf.json, { message: "Not Found" });
    });

    it("POST creates (201), PATCH updates (200), DELETE removes (202 Accepted): the fleet changes", async () => {
      const body = { reference_id: "NEW-1", type: "BATTERY_SYSTEM", locations: ["loc_641b90b758fb8e6293716e40"], manufacturer: "Nova Systems", properties: { capacity_kwh: 10 } };
      const c = await call(sim, "POST", "/devices", { token, body });
      assert.equal(c.status, 201);
      assert.match(c.json.id, /^dev_[0-9a-f]{24}$/);
      assert.equal(c.json.reference_id, "NEW-1");
      assert.equal(c.json.flex_enabled, true);
      assert.equal(c.json.last_seen, undefined);
      assert.equal(c.json.type, undefined);
      assert.equal(sim.fleet.flatpeak.devices.length, 241);
      const list = await get("/devices?limit=1");
      assert.equal(list.json.data[0].id, c.json.id);
      assert.deepEqual((await get("/devices?reference_id=NEW-1")).json.data.map((d: any) => d.id), [c.json.id]);

      const p = await call(sim, "PATCH", `/devices/${c.json.id}`, { token, body: { model_name: "Pico", properties: { power_rating_import_kwh: 3 } } });
      assert.equal(p.status, 200);
      assert.equal(p.json.model_name, "Pico");
      assert.equal(p.json.reference_id, "NEW-1");
      assert.deepEqual(p.json.properties, { capacity_kwh: 10, power_rating_import_kwh: 3 });
      assert.equal((await get(`/devices/${c.json.id}`)).json.model_name, "Pico");

      const del = await call(sim, "DELETE", `/devices/${c.json.id}`, { token });
      assert.equal(del.status, 202);
      assert.deepEqual(del.json, { message: "Accepted" });
      assert.equal((await get(`/devices/${c.json.id}`)).status, 404);
      assert.equal((await call(sim, "DELETE", `/devices/${c.json.id}`, { token })).status, 404);
      assert.equal(sim.fleet.flatpeak.devices.length, 240);
      assertRich(await get(`/devices?starting_after=${c.json.id}`), 400, "starting_after_invalid");
    });

    it("validates create and update bodies with 400 rich errors", async () => {
      const ok = { reference_id: "X", type: "OTHER", locations: ["loc_1"] };
      const cases: [unknown, string][] = [
        [{ type: "OTHER", locations: ["loc_1"] }, "reference_id_missing"],
        [{ ...ok, type: undefined }, "type_missing"],
        [{ ...ok, type: "TOASTER" }, "type_invalid"],
        [{ ...ok, locations: undefined }, "locations_missing"],
        [{ ...ok, locations: [] }, "locations_invalid"],
        [{ ...ok, locations: ["site_1"] }, "locations_invalid"],
        [{ ...ok, properties: { pv_tilt: 120 } }, "pv_tilt_invalid"],
        [{ ...ok, properties: { pv_forecasts_enabled: "yes" } }, "pv_forecasts_enabled_invalid"],
        [{ ...ok, properties: { install_date: "yesterday" } }, "install_date_invalid"],
        [[1, 2], "body_invalid"],
      ];
      for (const [body, code] of cases) {
        const a = await call(sim, "POST", "/devices", { token, body });
        assertRich(a, 400, code);
        assert.equal(a.json.context, "api.device_create");
      }
      assertRich(await call(sim, "POST", "/devices", { token, raw: "{not json", headers: { "content-type": "application/json" } }), 400, "body_invalid");
      const id = sim.fleet.flatpeak.devices[0].id;
      assertRich(await call(sim, "PATCH", `/devices/${id}`, { token, body: { reference_id: "" } }), 400, "reference_id_invalid");
      assert.equal((await call(sim, "PATCH", `/devices/${id}`, { token, body: { reference_id: "" } })).json.context, "api.device_update");
      assert.equal((await call(sim, "PATCH", "/devices/dev_ffffffffffffffffffffffff", { token, body: {} })).status, 404);
    });
  });

  describe("sites", () => {
    it("GET /sites pages sites with embedded summaries of fleet devices", async () => {
      const a = await get("/sites?limit=3");
      assert.equal(a.json.url, "/sites");
      assert.equal(a.json.has_more, true);
      const all: any[] = [...a.json.data];
      let next = await get(`/sites?limit=3&starting_after=${all[2].id}`);
      all.push(...next.json.data);
      next = await get(`/sites?limit=3&starting_after=${all[5].id}`);
      all.push(...next.json.data);
      assert.equal(next.json.has_more, false);
      assert.equal(all.length, 8);
      const byId = new Map<string, FlatpeakDevice>(sim.fleet.flatpeak.devices.map((d) => [d.id, d]));
      for (const s of all) {
        assert.match(s.id, /^ste_[0-9a-f]{24}$/);
        assert.equal(s.object, "site");
        assert.ok(["ACTIVE", "INACTIVE"].includes(s.status));
        assert.match(s.reference_id, /^SITE-\d+$/);
        assert.ok(s.devices.length >= 1);
        for (const sd of s.devices) {
          const d = byId.get(sd.id) as FlatpeakDevice;
          assert.ok(d, sd.id);
          assert.equal(sd.model_code, d.model_code);
          for (const k of Object.keys(sd.properties)) assert.ok(["power_rating_import_kwh", "capacity_kwh", "power_rating_export_kwh"].includes(k));
        }
      }
      const back = await get(`/sites?limit=3&ending_before=${all[6].id}`);
      assert.deepEqual(back.json.data.map((s: any) => s.id), all.slice(3, 6).map((s) => s.id));
      assertRich(await get("/sites?limit=500"), 400, "limit_invalid");
    });

    it("GET /sites/{id}, the reference_id filter, 404 for unknown ids, and live device summaries", async () => {
      const s = sim.fleet.flatpeak.sites[2];
      const a = await get(`/sites/${s.id}`);
      assert.equal(a.status, 200);
      assert.deepEqual(a.json, JSON.parse(JSON.stringify(s)));
      assert.deepEqual((await get(`/sites?reference_id=${s.reference_id}`)).json.data.map((x: any) => x.id), [s.id]);
      assert.deepEqual((await get("/sites/ste_ffffffffffffffffffffffff")).json, { message: "Not Found" });
      // Deleting a device takes it out of its site.
      const victim = a.json.devices[0].id;
      assert.equal((await call(sim, "DELETE", `/devices/${victim}`, { token })).status, 202);
      const after = await get(`/sites/${s.id}`);
      assert.ok(!after.json.devices.some((d: any) => d.id === victim));
    });
  });

  describe("routes", () => {
    it("an unknown route is 404 Not Found; a wrong method is 405 with Allow", async () => {
      assert.deepEqual((await get("/customers")).json, { message: "Not Found" });
      assert.equal((await get("/devices/dev_1/state")).status, 404);
      const a = await call(sim, "POST", "/sites", { token, body: {} });
      assertRich(a, 405, "method_not_allowed");
      assert.equal(a.headers.get("allow"), "GET");
      assert.equal((await call(sim, "PUT", "/devices/x", { token })).headers.get("allow"), "GET, PATCH, DELETE");
      assert.equal((await call(sim, "POST", "/login")).status, 405);
    });
  });
});
