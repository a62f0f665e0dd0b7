import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { createClient, FlatpeakClient } from "../../src/api";
import { collect, rejects, simulatorForSuite } from "../support/sim";

type Release = "zero" | "anode" | "busbar" | "yotta";

describe("Flatpeak client on every release", function () {
  let sim: Simulator;
  const paths: string[] = [];
  const clients: FlatpeakClient[] = [];

  simulatorForSuite((s) => (sim = s), { flatpeakDevices: 80, blynkDevices: 10 });
  beforeEach(() => {
    paths.length = 0;
    sim.clearFaults();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  /** A client of the simulated account on `release`; `apiVersion` as the account node would set it. */
  function clientOn(release: Release, apiVersion = ""): FlatpeakClient {
    const a = sim.accounts.flatpeak.find((x) => x.release.endsWith(`.${release}`));
    assert.ok(a);
    const c = createClient({
      provider: "flatpeak",
      baseUrl: sim.url,
      clientId: a.clientId,
      clientSecret: a.clientSecret,
      apiVersion,
      baseBackoffMs: 20,
      maxBackoffMs: 200,
      onRequest: (r) => paths.push(`${r.method} ${r.path}`),
    }) as FlatpeakClient;
    clients.push(c);
    return c;
  }

  describe("logins by release", () => {
    it("an account of unknown release logs in with GET /login and learns the release from the answer", async () => {
      for (const r of ["zero", "anode", "busbar", "yotta"] as const) {
        paths.length = 0;
        const c = clientOn(r);
        const version = await c.version();
        assert.ok(version?.endsWith(`.${r}`), `${r}: ${version}`);
        assert.equal(await c.release(), r === "yotta" ? "busbar" : r, "yotta prices as busbar");
        assert.deepEqual(paths, ["GET /login"]);
      }
    });

    it("busbar or later (set or learned) logs in with POST /auth/tokens", async () => {
      const id = sim.fleet.flatpeak.devices[0].id;
      await clientOn("busbar", "2026-08-01.busbar").getDevice(id);
      await clientOn("anode", "2026-08-01.busbar").getDevice(id);
      assert.deepEqual(paths.filter((p) => !p.startsWith("GET /devices")), ["POST /auth/tokens", "POST /auth/tokens"]);
    });

    it("falls back to GET /login when POST /auth/tokens answers 404 or 405, and the other way round", async () => {
      sim.addFault({ provider: "flatpeak", path: "/auth/tokens", status: 404, times: 1 });
      const c = clientOn("busbar", "2026-08-01.busbar");
      assert.ok(await c.getDevice(sim.fleet.flatpeak.devices[0].id));
      sim.addFault({ provider: "flatpeak", path: "/login", status: 405, times: 1 });
      const d = clientOn("busbar");
      assert.ok(await d.getDevice(sim.fleet.flatpeak.devices[0].id));
      assert.deepEqual(paths.filter((p) => !p.startsWith("GET /devices")), ["POST /auth/tokens", "GET /login", "GET /login", "POST /auth/tokens"]);
    });

    it("bad credentials: each route is asked once and refuses, AUTH_FAILED", async () => {
      const c = createClient({ provider: "flatpeak", baseUrl: sim.url, clientId: "acc_nobody", clientSecret: "sk_test_nope", apiVersion: "2026-08-01.busbar", onRequest: (r) => paths.push(`${r.method} ${r.path}`) }) as FlatpeakClient;
      clients.push(c);
      const err = await rejects(c.getDevice("dev_ffffffffffffffffffffffff"));
      assert.equal(err.code, "AUTH_FAILED");
      assert.match(err.message, /Bad credentials/);
      assert.deepEqual(paths, ["POST /auth/tokens", "GET /login"]);
    });

    it("a cloud that refuses the route it lacks (403 on POST /auth/tokens, as a bearer check before routing answers) logs in with GET /login, and renews there", async () => {
      sim.addFault({ provider: "flatpeak", path: "/auth/tokens", status: 403 });
      const c = clientOn("busbar", "2026-08-01.busbar");
      const id = sim.fleet.flatpeak.devices[0].id;
      assert.equal((await c.getDevice(id)).id, id);
      sim.revokeTokens("flatpeak");
      assert.equal((await c.getDevice(id)).id, id);
      assert.deepEqual(paths, ["POST /auth/tokens", "GET /login", `GET /devices/${id}`, `GET /devices/${id}`, "GET /login", `GET /devices/${id}`]);
    });

    it("a cloud that refuses GET /login but issues tokens at POST /auth/tokens is used at its token route", async () => {
      sim.addFault({ provider: "flatpeak", path: "/login", status: 401 });
      const c = clientOn("busbar");
      const id = sim.fleet.flatpeak.devices[0].id;
      assert.equal((await c.getDevice(id)).id, id);
      assert.deepEqual(paths, ["GET /login", "POST /auth/tokens", `GET /devices/${id}`]);
    });
  });

  describe("devices and sites by release", () => {
    it("lists, gets and reads the status of devices on every release", async () => {
      const seen = sim.fleet.flatpeak.devices.find((d) => d.last_seen !== undefined);
      assert.ok(seen);
      for (const r of ["zero", "anode", "busbar", "yotta"] as const) {
        const c = clientOn(r);
        const items = (await collect(c.listDevices({ max: 5 }))).flatMap((p) => p.items);
        assert.equal(items.length, 5, r);
        assert.equal((await c.getDevice(seen.id)).id, seen.id);
        const status = await c.deviceStatus(seen.id);
        assert.equal(status.lastSeen, seen.last_seen, r);
      }
    });

    it("sites: UNSUPPORTED on zero and anode, with the fix; listed from busbar on", async () => {
      for (const r of ["zero", "anode"] as const) {
        const err = await rejects(collect(clientOn(r).listSites()));
        assert.equal(err.code, "UNSUPPORTED");
        assert.match(err.message, /2026-08-01\.busbar/);
      }
      assert.ok((await collect(clientOn("anode", "2026-08-01.busbar").listSites())).length > 0);
      assert.ok((await collect(clientOn("yotta").listSites())).length > 0);
    });

    it("create and update send what each release takes: zero reference_id only, busbar type and locations, yotta the model under properties", async () => {
      const input = { referenceId: "REL-1", deviceType: "BATTERY_SYSTEM", locations: "loc_641b90b758fb8e6293716e40" };
      const zero = await clientOn("zero").createDevice(input);
      assert.deepEqual(Object.keys(zero).sort(), ["account_id", "id", "live_mode", "object", "reference_id", "time_created"]);
      const renamed = await clientOn("anode").updateDevice(zero.id, { referenceId: "REL-1b" });
      assert.equal(renamed.reference_id, "REL-1b");
      const busbar = await clientOn("busbar").createDevice({ ...input, extra: { manufacturer: "Tesla", model_code: "X", model_name: "Powerwall 3" } });
      assert.deepEqual(busbar.locations, ["loc_641b90b758fb8e6293716e40"]);
      assert.equal(busbar.model_name, "Powerwall 3");
      assert.equal(sim.fleet.flatpeak.devices[0].id, busbar.id);
      const yotta = await clientOn("yotta").createDevice({ ...input, extra: { manufacturer: "Tesla", model_name: "Powerwall 3" } });
      assert.equal((yotta.properties as Record<string, unknown>).model_name, "Powerwall 3");
      const changed = await clientOn("yotta").updateDevice(yotta.id, { extra: { model_code: "1707000-21-K" } });
      assert.equal((changed.properties as Record<string, unknown>).model_code, "1707000-21-K");
    });

    it("a busbar field on zero, or busbar properties on yotta, is INVALID_INPUT naming the field, and nothing is created", async () => {
      const before = sim.fleet.flatpeak.devices.length;
      const z = await rejects(clientOn("zero").createDevice({ referenceId: "REL-2", extra: { model_name: "X" } }));
      assert.equal(z.code, "INVALID_INPUT");
      assert.equal((z as any).field, "device.model_name");
      const y = await rejects(clientOn("yotta").createDevice({ referenceId: "REL-2", extra: { properties: { capacity_kwh: 3 } } }));
      assert.equal((y as any).field, "device.properties");
      const b = await rejects(clientOn("busbar").createDevice({ referenceId: "REL-2" }));
      assert.equal((b as any).field, "deviceType");
      assert.equal(sim.fleet.flatpeak.devices.length, before);
      assert.ok(!paths.some((p) => p.startsWith("POST /devices")));
    });
  });
});
