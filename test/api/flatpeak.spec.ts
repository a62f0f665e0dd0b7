import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { FlatpeakClient, clientOf } from "../../src/api";
import { clientFor, collect, findSecret, freshClientEach, rejects, SECRETS, secretStrings, simulatorForSuite, withSimulator } from "../support/sim";

describe("Flatpeak client against the simulator", function () {
  let sim: Simulator;
  let client: FlatpeakClient;
  const paths: string[] = [];

  simulatorForSuite((s) => (sim = s));
  freshClientEach(() => sim, "flatpeak", paths, (c) => (client = c as FlatpeakClient));

  const devices = () => sim.fleet.flatpeak.devices as unknown as Array<Record<string, unknown>>;

  it("logs in once with HTTP Basic for a burst of concurrent requests (single flight)", async () => {
    const ids = devices().slice(0, 40).map((d) => d.id as string);
    const got = await Promise.all(ids.map((id) => client.getDevice(id)));
    assert.deepEqual(got.map((d) => d.id), ids);
    assert.equal(sim.stats().logins.flatpeak, 1);
    assert.equal(paths.filter((p) => p === "GET /login").length, 1);
  });

  it("lists every device across cursor pages, newest first, with no duplicates", async () => {
    const all = await collect(client.listDevices({ pageSize: 7 }));
    assert.equal(all.length, devices().length);
    assert.equal(new Set(all.map((d) => d.id)).size, all.length);
    assert.deepEqual(all.map((d) => d.id), devices().map((d) => d.id));
    const times = all.map((d) => Date.parse(d.time_created as string));
    for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] >= times[i], "newest first");
    assert.equal(paths.filter((p) => p === "GET /devices").length, Math.ceil(devices().length / 7));
  });

  it("uses pages of 100 and stops after max devices, asking only for what it needs", async () => {
    const got = await collect(client.listDevices({ max: 150 }));
    assert.equal(got.length, 150);
    assert.equal(paths.filter((p) => p === "GET /devices").length, 2);
  });

  it("filters by reference_id", async () => {
    const ref = devices()[5].reference_id as string;
    const got = await collect(client.listDevices({ query: ref }));
    assert.ok(got.length >= 1);
    assert.ok(got.every((d) => d.reference_id === ref));
  });

  it("lists sites with their devices", async () => {
    const sites = await collect(client.listSites({ pageSize: 3 }));
    assert.equal(sites.length, sim.fleet.flatpeak.sites.length);
    assert.ok(sites.every((s) => typeof s.id === "string" && (s.id as string).startsWith("ste_") && Array.isArray(s.devices)));
  });

  it("derives the status from last_seen and offlineAfter", async () => {
    const seen = devices().filter((d) => typeof d.last_seen === "string");
    const never = devices().find((d) => d.last_seen === undefined);
    const newest = seen.reduce((a, b) => (Date.parse(a.last_seen as string) > Date.parse(b.last_seen as string) ? a : b));
    const oldest = seen.reduce((a, b) => (Date.parse(a.last_seen as string) < Date.parse(b.last_seen as string) ? a : b));
    const age = (Date.now() - Date.parse(newest.last_seen as string)) / 1000;
    const on = await client.deviceStatus(newest.id as string, { offlineAfter: age + 60 });
    assert.deepEqual(on, { deviceId: newest.id, online: true, lastSeen: newest.last_seen, source: "last_seen" });
    const off = await client.deviceStatus(oldest.id as string, { offlineAfter: 1 });
    assert.equal(off.online, false);
    if (never) {
      const n = await client.deviceStatus(never.id as string);
      assert.equal(n.online, false);
      assert.equal(n.lastSeen, null);
    }
  });

  it("reports an unknown device as NOT_FOUND", async () => {
    const err = await rejects(client.getDevice("dev_000000000000000000000000"));
    assert.equal(err.code, "NOT_FOUND");
    assert.match(err.message, /404/);
  });

  it("rejects a malformed id with INVALID_INPUT before any request", async () => {
    for (const bad of ["../x", "a/b", "?x=", "", 42, "dev_", "dev_a/b"]) {
      const err = await rejects(client.getDevice(bad as string));
      assert.equal(err.code, "INVALID_INPUT");
      assert.match(err.message, /^deviceId: /);
    }
    assert.deepEqual(paths, []);
  });

  it("has no trigger event or update metafield: asking for them is UNSUPPORTED, sending nothing", () => {
    for (const op of ["triggerEvent", "updateMetafield"] as const) {
      assert.throws(() => clientOf(client, "blynk", op), (e: { code?: string; message?: string }) => e.code === "UNSUPPORTED" && /is not offered by Flatpeak/.test(e.message ?? ""));
      assert.equal(op in client, false);
    }
    assert.deepEqual(paths, []);
  });

  it("sends Flatpeak-Version when the account sets one, and reports the cloud's 422", async () => {
    const old = clientFor(sim, "flatpeak", { apiVersion: "2024-08-24.zero" });
    try {
      const err = await rejects(old.getDevice(devices()[0].id as string));
      assert.equal(err.code, "API_ERROR");
      assert.match(err.message, /422/);
      assert.match(err.message, /api_version_not_supported/);
    } finally {
      old.close();
    }
    const current = clientFor(sim, "flatpeak", { apiVersion: "2026-08-01.busbar" });
    try {
      assert.equal((await current.getDevice(devices()[0].id as string)).id, devices()[0].id);
    } finally {
      current.close();
    }
  });

  it("reports refused credentials as AUTH_FAILED without the secret", async () => {
    const bad = clientFor(sim, "flatpeak", { clientSecret: "sk_test_WRONG_secret_value" });
    try {
      const err = await rejects(bad.getDevice(devices()[0].id as string));
      assert.equal(err.code, "AUTH_FAILED");
      assert.match(err.message, /Bad credentials/);
      assert.equal(findSecret({ m: err.message, s: err.stack, e: err }, [...secretStrings(sim), "sk_test_WRONG_secret_value"]), undefined);
    } finally {
      bad.close();
    }
  });

  it("renews a revoked token once and goes on", async () => {
    const id = devices()[0].id as string;
    await client.getDevice(id);
    sim.revokeTokens("flatpeak");
    await client.getDevice(id);
    assert.equal(sim.stats().logins.flatpeak, 2);
  });

  it("gives AUTH_FAILED when a fresh token is refused again", async () => {
    sim.addFault({ provider: "flatpeak", path: "/devices", status: 403 });
    const err = await rejects(client.getDevice(devices()[0].id as string));
    assert.equal(err.code, "AUTH_FAILED");
    assert.equal(paths.filter((p) => p.startsWith("GET /devices/")).length, 2);
    assert.equal(paths.filter((p) => p === "GET /login" || p === "POST /auth/tokens").length, 2);
  });

  it("renews the token before expires_in runs out", async () => {
    const shortSim = await withSimulator({ tokenLifetimeSec: { flatpeak: 1 } });
    const c = clientFor(shortSim, "flatpeak", { onRequest: (r) => paths.push(`${r.method} ${r.path}`) });
    try {
      const id = (shortSim.fleet.flatpeak.devices[0] as { id: string }).id;
      await c.getDevice(id);
      await new Promise((r) => setTimeout(r, 1000));
      await c.getDevice(id);
      assert.equal(shortSim.stats().logins.flatpeak, 2);
      // No request was refused and sent again: one login, one GET, one login, one GET. The renewal asks the route
      // that issued the token first, though the answer's flatpeak-version names busbar (whose own route is POST /auth/tokens).
      assert.deepEqual(paths, ["GET /login", `GET /devices/${id}`, "GET /login", `GET /devices/${id}`]);
    } finally {
      c.close();
      await shortSim.close();
    }
  });

  it("a refusal a fresh token does not cure is believed for the operation, whatever the device: no login per device id", async () => {
    const [a, b, c] = devices().map((d) => d.id as string);
    await client.getDevice(a);
    sim.addFault({ provider: "flatpeak", path: "/devices/", status: 403, message: "Forbidden" });
    for (const id of [a, b, c]) assert.equal((await rejects(client.getDevice(id))).code, "AUTH_FAILED");
    assert.equal(paths.filter((p) => p === "GET /login").length, 2, "the first login, and one fresh token after the first refusal");
    assert.equal(paths.filter((p) => p.startsWith("GET /devices/")).length, 5, "each message still sent its request");
    sim.clearFaults();
    assert.equal((await client.getDevice(b)).id, b, "the operation works again as soon as the cloud allows it");
  });

  it("retries a GET after a 5xx and after a dropped connection", async () => {
    const id = devices()[0].id as string;
    sim.addFault({ provider: "flatpeak", path: "/devices", status: 503, times: 1 });
    assert.equal((await client.getDevice(id)).id, id);
    sim.addFault({ provider: "flatpeak", path: "/devices", drop: true, times: 1 });
    assert.equal((await client.getDevice(id)).id, id);
  });

  it("gives API_ERROR with the status when 5xx persists", async () => {
    sim.addFault({ provider: "flatpeak", path: "/devices", status: 500 });
    const err = await rejects(client.getDevice(devices()[0].id as string));
    assert.equal(err.code, "API_ERROR");
    assert.match(err.message, /500/);
    assert.equal(paths.filter((p) => p.startsWith("GET /devices/")).length, 3);
  });

  it("retries a 429 after Retry-After, and gives RATE_LIMITED when it persists", async () => {
    const id = devices()[0].id as string;
    sim.addFault({ provider: "flatpeak", path: "/devices", status: 429, retryAfter: 0, times: 2 });
    assert.equal((await client.getDevice(id)).id, id);
    client.close();
    client = clientFor(sim, "flatpeak", { maxRetries: 2 }) as FlatpeakClient;
    sim.addFault({ provider: "flatpeak", path: "/devices", status: 429 });
    const err = await rejects(client.getDevice(id));
    assert.equal(err.code, "RATE_LIMITED");
  });

  it("gives TIMEOUT when the server never answers", async () => {
    client.close();
    client = clientFor(sim, "flatpeak", { timeoutMs: 300 }) as FlatpeakClient;
    await client.getDevice(devices()[0].id as string);
    sim.addFault({ provider: "flatpeak", path: "/devices", hang: true });
    const err = await rejects(client.getDevice(devices()[0].id as string));
    assert.equal(err.code, "TIMEOUT");
  });

  it("gives API_ERROR for a body that is not JSON", async () => {
    sim.addFault({ provider: "flatpeak", path: "/devices", malformed: true });
    const err = await rejects(client.getDevice(devices()[0].id as string));
    assert.equal(err.code, "API_ERROR");
    assert.match(err.message, /not JSON/);
  });

  it("gives NETWORK when nothing listens", async () => {
    const c = new FlatpeakClient({ provider: "flatpeak", baseUrl: "http://127.0.0.1:9", clientId: SECRETS.flatpeak.clientId, clientSecret: SECRETS.flatpeak.clientSecret, baseBackoffMs: 5 });
    try {
      const err = await rejects(c.getDevice("dev_abc"));
      assert.equal(err.code, "NETWORK");
      assert.match(err.message, /127\.0\.0\.1:9/);
    } finally {
      c.close();
    }
  });

  it("tests a connection by logging in and reading one page", async () => {
    const r = await client.testConnection();
    assert.equal(r.devices, 100);
    assert.equal(r.more, true);
  });

  it("cancels a pending request on close, without reporting an error code", async () => {
    sim.setLatency(300);
    try {
      const p = client.getDevice(devices()[0].id as string);
      setTimeout(() => client.close(), 50);
      const err = await rejects(p);
      assert.equal(err.name, "CancelledError");
    } finally {
      sim.setLatency(0);
    }
  });
});
