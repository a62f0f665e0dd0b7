import assert from "node:assert/strict";
import { startSimulator, type Simulator } from "../../src/simulator";
import { basic, call, flatpeakToken } from "./helpers";

const MINIMAL_KEYS = ["id", "object", "live_mode", "reference_id", "time_created", "account_id"];

describe("simulator: Flatpeak releases", function () {
  let sim: Simulator;
  const account = (release: string) => {
    const a = sim.accounts.flatpeak.find((x) => x.release.endsWith(`.${release}`));
    if (!a) throw new Error(`no ${release} account`);
    return a;
  };
  const tokenOf = (release: string) => flatpeakToken(sim, account(release).clientId, account(release).clientSecret);

  before(async () => {
    sim = await startSimulator({ seed: 3, flatpeakDevices: 60, flatpeakSites: 4 });
  });
  after(() => sim.close());

  it("seeds one account on each of zero, anode, busbar and yotta; each answer names the account's default", async () => {
    assert.deepEqual(sim.accounts.flatpeak.map((a) => a.release), ["2026-08-01.busbar", "2024-08-24.zero", "2025-09-14.anode", "2027-01-01.yotta"]);
    assert.equal(sim.accounts.flatpeak[0].clientId, sim.credentials.flatpeak.clientId);
    for (const a of sim.accounts.flatpeak) {
      const login = await call(sim, "GET", "/login", { headers: { authorization: basic(a.clientId, a.clientSecret) } });
      assert.equal(login.status, 200);
      assert.equal(login.headers.get("flatpeak-version"), a.release);
      const t = login.json.bearer_token as string;
      const list = await call(sim, "GET", "/devices?limit=2", { token: t });
      assert.equal(list.headers.get("flatpeak-version"), a.release);
      assert.equal((await call(sim, "GET", "/devices/dev_ffffffffffffffffffffffff", { token: t })).headers.get("flatpeak-version"), a.release);
    }
  });

  it("zero and anode answer the minimal device; busbar the seed 002 shape; yotta the seed 001 shape", async () => {
    const d = sim.fleet.flatpeak.devices.find((x) => x.last_seen !== undefined && x.locations.length > 0);
    assert.ok(d);
    for (const r of ["zero", "anode"]) {
      const a = await call(sim, "GET", `/devices/${d.id}`, { token: await tokenOf(r) });
      assert.deepEqual(Object.keys(a.json).sort(), [...MINIMAL_KEYS, "last_seen"].sort(), r);
      assert.equal(a.json.account_id, account(r).clientId);
    }
    const busbar = await call(sim, "GET", `/devices/${d.id}`, { token: await tokenOf("busbar") });
    assert.deepEqual(busbar.json, JSON.parse(JSON.stringify(d)));
    const yotta = await call(sim, "GET", `/devices/${d.id}`, { token: await tokenOf("yotta") });
    assert.deepEqual(Object.keys(yotta.json).slice(0, 6), ["id", "object", "live_mode", "controlled", "properties", "consents"]);
    assert.equal(yotta.json.properties.model_name, d.model_name);
    assert.equal(yotta.json.model_name, undefined);
    assert.equal(yotta.json.locations, undefined);
    assert.equal(yotta.json.account_id, undefined);
    assert.match(yotta.json.timezone, /^Europe\//);
  });

  it("Flatpeak-Version picks a newer release per request; an older one than the default is 422", async () => {
    const zero = await tokenOf("zero");
    const d = sim.fleet.flatpeak.devices[0];
    const asBusbar = await call(sim, "GET", `/devices/${d.id}`, { token: zero, headers: { "Flatpeak-Version": "2026-08-01.busbar" } });
    assert.equal(asBusbar.status, 200);
    assert.equal(asBusbar.headers.get("flatpeak-version"), "2026-08-01.busbar");
    assert.equal(asBusbar.json.model_code, d.model_code);
    const anode = await tokenOf("anode");
    const old = await call(sim, "GET", "/devices", { token: anode, headers: { "Flatpeak-Version": "2024-08-24.zero" } });
    assert.equal(old.status, 422);
    assert.equal(old.json.code, "api_version_not_supported");
    assert.equal(old.json.message, "Requested API version 2024-08-24 older than account default 2025-09-14.anode");
    assert.equal(old.headers.get("flatpeak-version"), "2025-09-14.anode");
    const yotta = await tokenOf("yotta");
    assert.equal((await call(sim, "GET", "/devices", { token: yotta, headers: { "Flatpeak-Version": "2026-08-01.busbar" } })).status, 422);
  });

  it("POST /auth/tokens exists from busbar on; zero and anode answer it 404", async () => {
    for (const r of ["zero", "anode", "busbar", "yotta"]) {
      const a = account(r);
      const t = await call(sim, "POST", "/auth/tokens", { headers: { authorization: basic(a.clientId, a.clientSecret) } });
      assert.equal(t.status, r === "zero" || r === "anode" ? 404 : 200, r);
    }
    const z = account("zero");
    const asked = await call(sim, "POST", "/auth/tokens", { headers: { authorization: basic(z.clientId, z.clientSecret), "Flatpeak-Version": "2026-08-01.busbar" } });
    assert.equal(asked.status, 200);
  });

  it("sites exist from busbar on: 404 Not Found on zero and anode", async () => {
    for (const r of ["zero", "anode"]) assert.deepEqual((await call(sim, "GET", "/sites", { token: await tokenOf(r) })).json, { message: "Not Found" });
    assert.equal((await call(sim, "GET", "/sites", { token: await tokenOf("yotta") })).status, 200);
  });

  it("each release takes its own create and update bodies; an unknown field is 400 parameter_unknown", async () => {
    const zero = await tokenOf("zero");
    const busbarBody = { reference_id: "Z-1", type: "OTHER", locations: ["loc_641b90b758fb8e6293716e40"] };
    const refused = await call(sim, "POST", "/devices", { token: zero, body: busbarBody });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.code, "parameter_unknown");
    const made = await call(sim, "POST", "/devices", { token: zero, body: { reference_id: "Z-1" } });
    assert.equal(made.status, 201);
    assert.deepEqual(Object.keys(made.json).sort(), [...MINIMAL_KEYS].sort());
    // The busbar view of a device created without a model still carries the required model fields.
    const seen = await call(sim, "GET", `/devices/${made.json.id}`, { token: await tokenOf("busbar") });
    assert.deepEqual([seen.json.manufacturer, seen.json.model_code, seen.json.model_name], ["Unknown", "UNKNOWN", "Unknown"]);
    assert.deepEqual(seen.json.locations, []);
    const yotta = await tokenOf("yotta");
    const y = await call(sim, "POST", "/devices", { token: yotta, body: { reference_id: "Y-1", properties: { manufacturer: "Ohme", model_code: "OHME-HP-7", model_name: "Home Pro" } } });
    assert.equal(y.status, 201);
    assert.equal(y.json.properties.model_name, "Home Pro");
    assert.equal(y.json.controlled, true);
    assert.equal((await call(sim, "PATCH", `/devices/${y.json.id}`, { token: yotta, body: { controlled: true } })).json.code, "controlled_invalid");
    const released = await call(sim, "PATCH", `/devices/${y.json.id}`, { token: yotta, body: { controlled: false } });
    assert.equal(released.json.controlled, false);
    assert.equal((await call(sim, "PATCH", `/devices/${y.json.id}`, { token: yotta, body: { type: "OTHER" } })).json.code, "parameter_unknown");
  });

  it("GET /locations lists every location of the fleet, newest first; GET /locations/{id} one of them", async () => {
    const t = await tokenOf("zero");
    const ids = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await call(sim, "GET", `/locations?limit=7${after ? `&starting_after=${after}` : ""}`, { token: t });
      assert.equal(page.status, 200);
      assert.equal(page.json.url, "/locations");
      for (const l of page.json.data) ids.add(l.id);
      if (!page.json.has_more) break;
      after = page.json.data[page.json.data.length - 1].id;
    }
    const expected = new Set(sim.fleet.flatpeak.devices.flatMap((d) => d.locations));
    for (const id of expected) assert.ok(ids.has(id), id);
    const one = await call(sim, "GET", `/locations/${[...expected][0]}`, { token: t });
    assert.equal(one.json.object, "location");
    assert.match(one.json.currency_code, /^[A-Z]{3}$/);
    assert.equal((await call(sim, "GET", "/locations/loc_ffffffffffffffffffffffff", { token: t })).status, 404);
  });

  it("seed 1 is the fleet the examples name (their device ids stay valid across the split)", async () => {
    const one = await startSimulator({ seed: 1, blynkDevices: 0 });
    try {
      assert.ok(one.fleet.flatpeak.devices.some((d) => d.id === "dev_6a1678eb8ca78fa998c29e2e"));
    } finally {
      await one.close();
    }
  });

  it("addAccount takes a default release; an unknown one is refused", async () => {
    sim.addAccount("flatpeak", "acc_added00000000000000001", "sk_test_added", "anode");
    const t = await flatpeakToken(sim, "acc_added00000000000000001", "sk_test_added");
    assert.equal((await call(sim, "GET", "/devices?limit=1", { token: t })).headers.get("flatpeak-version"), "2025-09-14.anode");
    assert.throws(() => sim.addAccount("flatpeak", "acc_x", "sk_test_x", "omega"), RangeError);
  });
});
