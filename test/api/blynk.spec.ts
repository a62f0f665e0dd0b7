import assert from "node:assert/strict";
import sinon from "sinon";
import type { Simulator } from "../../src/simulator";
import { BlynkClient, clientOf } from "../../src/api";
import { clientFor, collect, findSecret, freshClientEach, rejects, secretStrings, withSimulator } from "../support/sim";

describe("Blynk client against the simulator", function () {
  let sim: Simulator;
  let client: BlynkClient;
  const paths: string[] = [];

  /** The devices the API lists for this organization (the fleet also has sub-organizations). */
  let listedDevices: Dev[] = [];
  before(async () => {
    sim = await withSimulator();
    const c = clientFor(sim, "blynk");
    try {
      const byId = new Map((sim.fleet.blynk.devices as unknown as Dev[]).map((d) => [d.id, d]));
      listedDevices = (await collect(c.listDevices())).map((d) => ({ ...(d as Dev), token: byId.get(d.id as number)!.token }));
    } finally {
      c.close();
    }
  });
  after(async () => {
    await sim.close();
  });
  freshClientEach(() => sim, "blynk", paths, (c) => (client = c as BlynkClient));

  type Dev = Record<string, unknown> & { id: number; token: string; name: string };
  const devices = () => listedDevices;
  const thermostat = () => listedDevices.find((d) => d.templateId === 353)!;
  const listed = async (opts = {}) => collect(client.listDevices(opts));

  it("logs in once (client credentials, HTTP Basic) for a burst of concurrent requests", async () => {
    const ids = devices().slice(0, 50).map((d) => d.id);
    await Promise.all(ids.map((id) => client.deviceStatus(id)));
    assert.equal(sim.stats().logins.blynk, 1);
    assert.equal(paths.filter((p) => p === "POST /oauth2/token").length, 1);
  });

  it("lists every device in pages of up to 1000, the pages after the first in parallel, without tokens", async () => {
    const total = (await client.testConnection()).total;
    sim.resetStats();
    sim.setLatency(30);
    const all = await listed({ pageSize: 300 }).finally(() => sim.setLatency(0));
    assert.equal(all.length, total);
    assert.equal(new Set(all.map((d) => d.id)).size, all.length);
    assert.ok(all.every((d) => !("token" in d)), "device tokens are removed");
    assert.equal(paths.filter((p) => p === "GET /api/v1/organization/devices").length, 1 + Math.ceil(total / 300));
    assert.ok(sim.stats().maxInFlight >= 2, "pages after the first were fetched in parallel");
  });

  it("keeps the API's order across page borders and stops at max", async () => {
    const small = await listed({ pageSize: 13 });
    const big = await listed({ pageSize: 1000 });
    assert.deepEqual(small.map((d) => d.id), big.map((d) => d.id));
    const some = await listed({ max: 25 });
    assert.equal(some.length, 25);
    assert.deepEqual(some.map((d) => d.id), big.slice(0, 25).map((d) => d.id));
  });

  it("searches with the search endpoint when a query is given", async () => {
    const name = devices()[3].name;
    const found = await listed({ query: name });
    assert.ok(found.some((d) => d.id === devices()[3].id));
    assert.ok(paths.includes("GET /api/v1/organization/search/devices"));
  });

  it("gets a device in full or base detail, with the token only when asked", async () => {
    const d = devices()[0];
    const full = await client.getDevice(d.id);
    assert.equal(full.id, d.id);
    assert.ok(!("token" in full));
    assert.ok(Array.isArray(full.dataStreamValues));
    const base = await client.getDevice(String(d.id), { detail: "base" });
    assert.ok(!("dataStreamValues" in base));
    assert.ok(paths.includes("GET /api/v1/organization/device/baseInfo"));
    const withToken = await client.getDevice(d.id, { includeToken: true });
    assert.equal(withToken.token, d.token);
  });

  it("reads the live connection state", async () => {
    const d = devices()[0];
    const s = await client.deviceStatus(d.id);
    assert.equal(s.deviceId, d.id);
    assert.equal(typeof s.online, "boolean");
    assert.equal(s.lastSeen, null);
    assert.equal(s.source, "connection");
  });

  it("triggers an event of the device's template and reports an unknown code as NOT_FOUND", async () => {
    const d = thermostat();
    await client.triggerEvent(d.id, "high_temperature", "from the test");
    assert.equal(paths.filter((p) => p === "POST /api/v1/organization/device/trigger-event").length, 1);
    const err = await rejects(client.triggerEvent(d.id, "no_such_event_code", undefined));
    assert.equal(err.code, "NOT_FOUND");
  });

  it("does not retry a POST after a 5xx (it may have been processed)", async () => {
    sim.addFault({ provider: "blynk", path: "/api/v1/organization/device/trigger-event", status: 500, times: 1 });
    const err = await rejects(client.triggerEvent(thermostat().id, "high_temperature", undefined));
    assert.equal(err.code, "API_ERROR");
    assert.equal(paths.filter((p) => p.endsWith("/trigger-event")).length, 1);
  });

  it("retries a POST after a 429 (it was not processed)", async () => {
    const d = devices()[0];
    sim.addFault({ provider: "blynk", path: "/api/v1/organization/device/metafield", method: "POST", status: 429, retryAfter: 0, times: 1 });
    const fields = await client.listMetafields(d.id);
    const text = fields.find((f) => (f.value as { type?: string })?.type === "Text");
    assert.ok(text, "the device has a Text metafield");
    await client.updateMetafield(d.id, text!.id as number, "Aisle 7");
    assert.equal(paths.filter((p) => p === "POST /api/v1/organization/device/metafield").length, 2);
    const after = await client.listMetafields(d.id);
    assert.equal((after.find((f) => f.id === text!.id)!.value as { value?: unknown }).value, "Aisle 7");
  });

  it("reports a value the metafield refuses as API_ERROR 400, and an unknown one as NOT_FOUND", async () => {
    const d = devices()[0];
    const fields = await client.listMetafields(d.id);
    const num = fields.find((f) => (f.value as { type?: string })?.type === "Number");
    if (num) {
      const err = await rejects(client.updateMetafield(d.id, num.id as number, "not a number"));
      assert.equal(err.code, "API_ERROR");
      assert.match(err.message, /400/);
    }
    const missing = await rejects(client.updateMetafield(d.id, 999999, "x"));
    assert.equal(missing.code, "NOT_FOUND");
  });

  it("checks ids before sending: whole numbers only", async () => {
    for (const bad of ["abc", "1.5", -3, 0, "../1", "1?x=2", "", 2 ** 31, NaN, null]) {
      const err = await rejects(client.getDevice(bad as number));
      assert.equal(err.code, "INVALID_INPUT", String(bad));
    }
    assert.deepEqual(paths, []);
    assert.equal((await client.getDevice(` ${devices()[0].id} `)).id, devices()[0].id);
  });

  it("has no list sites: asking for it is UNSUPPORTED, and the client has no such method", () => {
    assert.throws(() => clientOf(client, "flatpeak", "listSites"), (e: { code?: string; message?: string }) => e.code === "UNSUPPORTED" && /list sites is not offered by Blynk/.test(e.message ?? ""));
    assert.equal("listSites" in client, false);
    assert.deepEqual(paths, []);
  });

  it("reports refused client credentials (RFC 6749 body) as AUTH_FAILED without the secret", async () => {
    const bad = clientFor(sim, "blynk", { clientSecret: "WRONG-blynk-secret-xyz" });
    try {
      const err = await rejects(bad.deviceStatus(devices()[0].id));
      assert.equal(err.code, "AUTH_FAILED");
      assert.match(err.message, /invalid_client/);
      assert.equal(findSecret({ m: err.message, s: err.stack }, [...secretStrings(sim), "WRONG-blynk-secret-xyz"]), undefined);
    } finally {
      bad.close();
    }
  });

  it("renews an expired token once on a 401 and goes on", async () => {
    await client.deviceStatus(devices()[0].id);
    sim.expireTokens("blynk");
    await client.deviceStatus(devices()[0].id);
    assert.equal(sim.stats().logins.blynk, 2);
  });

  it("reports a 404 for an unknown device as NOT_FOUND with the cloud's message", async () => {
    const err = await rejects(client.getDevice(2_000_000_000));
    assert.equal(err.code, "NOT_FOUND");
    assert.match(err.message, /not found/i);
  });

  it("spends a known limit evenly: no 429 from the cloud's enforced limit, none waits for a window (window shortened to 2 s)", async function () {
    this.timeout(30000);
    const windowMs = 2000;
    sim.setRateLimit("blynk", { limit: 100, windowMs, retryAfter: true });
    const c = clientFor(sim, "blynk", { rateLimit: { limit: 100, windowMs }, concurrency: 8 }) as BlynkClient;
    try {
      sim.resetStats();
      const ids = Array.from({ length: 250 }, (_, i) => devices()[i % devices().length].id);
      const t0 = Date.now();
      const results = await Promise.all(ids.map((id) => c.deviceStatus(id)));
      const elapsed = Date.now() - t0;
      assert.equal(results.length, 250);
      assert.equal(sim.stats().rateLimited, 0, JSON.stringify(sim.stats().perWindow));
      // 250 requests at 98 per 2.25 s after a burst of 2: about 5.7 s, never the 5 whole windows of a bursty gate.
      assert.ok(elapsed < 8000, `${elapsed} ms`);
      assert.ok(elapsed > 4000, `the bucket held them back: ${elapsed} ms`);
    } finally {
      c.close();
      sim.setRateLimit("blynk", null);
    }
  });

  it("retries a 429 after its own Retry-After and holds no other request of the account meanwhile", async () => {
    const id = devices()[0].id;
    sim.addFault({ path: "/api/v1/organization/device/online", status: 429, retryAfter: 1, times: 2 });
    const t0 = Date.now();
    const slow = client.deviceStatus(id).then(() => Date.now() - t0);
    await new Promise((r) => setTimeout(r, 100));
    const t1 = Date.now();
    await client.getDevice(id);
    const other = Date.now() - t1;
    const waited = await slow;
    assert.ok(other < 500, `the other request took ${other} ms`);
    assert.ok(waited >= 2000 && waited < 3500, `two Retry-After: 1 took ${waited} ms`);
  });

  it("fails a 429 whose Retry-After is over 5 minutes at once with RATE_LIMITED (seconds or an HTTP date)", async () => {
    const id = devices()[0].id;
    for (const retryAfter of [86400, "Thu, 01 Jan 2099 00:00:00 GMT"]) {
      sim.addFault({ path: "/api/v1/organization/device/online", status: 429, retryAfter, times: 1 });
      const t0 = Date.now();
      const timers = sinon.spy(global, "setTimeout");
      let err;
      try {
        err = await rejects(client.deviceStatus(id));
      } finally {
        timers.restore();
      }
      const longest = Math.max(0, ...timers.getCalls().map((c) => Number(c.args[1]) || 0));
      assert.ok(longest <= 2 ** 31 - 1, `no timer beyond 2^31 - 1 ms (one was set for ${longest} ms)`);
      assert.equal(err.code, "RATE_LIMITED");
      assert.match(err.message, /asked to wait (24 h|\d+ days), longer than the 5 minutes/);
      assert.ok(Date.now() - t0 < 1000);
      await client.deviceStatus(id); // the next one goes at once
    }
  });

  it("a login answered 429 with a Retry-After over 5 minutes fails that message alone: the next logs in after the usual back-off", async () => {
    const id = devices()[0].id;
    const asked = () => sim.stats().byRoute["POST /oauth2/token"] ?? 0;
    const before = asked();
    sim.addFault({ path: "/oauth2/token", includeAuth: true, status: 429, retryAfter: 86400, times: 1 });
    const t0 = Date.now();
    const err = await rejects(client.getDevice(id));
    assert.equal(err.code, "RATE_LIMITED");
    assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, 1100)); // the failed-login back-off starts at 1 s
    const device = await client.getDevice(id);
    assert.equal(device.id, id);
    assert.equal(asked() - before, 2, "the refused login, then one that worked");
  });

  it("a message waiting for a login answered 429 is told it waits for the rate limit (the yellow status), and then goes on", async () => {
    const id = devices()[0].id;
    sim.addFault({ path: "/oauth2/token", includeAuth: true, status: 429, retryAfter: 1, times: 1 });
    const told: boolean[] = [];
    const t0 = Date.now();
    const device = await client.getDevice(id, { onWait: (w) => told.push(w) });
    assert.equal(device.id, id);
    assert.ok(Date.now() - t0 >= 1000, "the login waited its Retry-After");
    assert.deepEqual(told, [true, false]);
  });

  it("treats a Retry-After it cannot read as absent: a short growing back-off", async () => {
    sim.addFault({ path: "/api/v1/organization/device/online", status: 429, retryAfter: "tomorrow-ish", times: 2 });
    const t0 = Date.now();
    await client.deviceStatus(devices()[0].id);
    assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
    assert.equal(sim.stats().byRoute["GET /api/v1/organization/device/online"], 3);
  });

  it("a refusal a fresh token does not cure is AUTH_FAILED, and is believed for a minute without another login", async () => {
    const id = thermostat().id;
    await client.getDevice(id);
    const logins0 = sim.stats().logins.blynk;
    const scope = "Platform API scope is not enabled for this oauth client.";
    sim.addFault({ path: "/api/v1/organization/device/trigger-event", status: 403, message: scope });
    for (let i = 0; i < 20; i++) {
      const err = await rejects(client.triggerEvent(id, "high_temperature", undefined));
      assert.equal(err.code, "AUTH_FAILED");
      assert.ok(err.message.includes(scope), err.message);
    }
    assert.equal(sim.stats().logins.blynk - logins0, 1, "one fresh token, then the refusal is believed");
    assert.equal(sim.stats().byRoute["POST /api/v1/organization/device/trigger-event"], 21, "each message still sent its request");
    await client.getDevice(id); // other operations are not affected
    sim.clearFaults();
    await client.triggerEvent(id, "high_temperature", undefined); // works again as soon as the cloud allows it
    assert.equal(sim.stats().logins.blynk - logins0, 1);
  });
});
