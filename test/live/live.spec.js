"use strict";
/* global describe, it, before, after */
/**
 * Opt-in checks of the compiled clients (nodes/api) against the REAL clouds: `npm run test:live` (not part of
 * `npm test`). Read-only: each suite logs in, reads one page of devices, one device, its status, and (Flatpeak)
 * one page of sites. Nothing is created, changed or deleted, and no event is triggered.
 *
 * Flatpeak (a test key sk_test_… is enough):
 *   FLATPEAK_ACCOUNT_ID   acc_…
 *   FLATPEAK_API_KEY      sk_test_… or sk_live_…
 *   FLATPEAK_API_VERSION  optional: the Flatpeak-Version header (e.g. 2026-08-01.busbar); blank: the account's default
 *   FLATPEAK_SERVER       optional: another server (default https://api.flatpeak.com)
 * Blynk (an OAuth2 client of the organization with the Platform API scope):
 *   BLYNK_CLIENT_ID, BLYNK_CLIENT_SECRET
 *   BLYNK_SERVER          optional: region host (fra1.blynk.cloud, lon1…, ny3…, sgp1…, blr1…) or URL (default blynk.cloud)
 *
 * A suite whose variables are not set is skipped, and says so.
 */
const assert = require("assert/strict");
const path = require("path");

const api = require(path.join(__dirname, "..", "..", "nodes", "api"));

function missing(names) {
  return names.filter((n) => !process.env[n] || !process.env[n].trim());
}

/** Skips the suite (with the reason printed) when a variable is missing. */
function requireEnv(ctx, names) {
  const gone = missing(names);
  if (gone.length) {
    const reason = `skipped: ${gone.join(" and ")} not set`;
    process.stdout.write(`  ${reason}\n`);
    ctx.skip();
  }
}

async function firstPage(gen) {
  for await (const page of gen) {
    await gen.return();
    return page;
  }
  return { items: [] };
}

/** Runs a call; a failure is reported with its code and message (which never hold a secret: checked). */
async function call(what, fn, secrets) {
  try {
    return await fn();
  } catch (e) {
    const text = `${e && e.code ? e.code : "ERROR"}: ${e && e.message ? e.message : String(e)}`;
    for (const s of secrets) assert.ok(!text.includes(s), `${what}: the error holds a secret`);
    throw new Error(`${what} failed: ${text}`, { cause: e });
  }
}

function checkStatus(s, id, source) {
  assert.equal(s.deviceId, id);
  assert.equal(typeof s.online, "boolean");
  assert.equal(s.source, source);
  assert.ok(s.lastSeen === null || !Number.isNaN(Date.parse(s.lastSeen)), `lastSeen ${s.lastSeen}`);
}

/**
 * One cloud's read-only suite, skipped when a variable of `env` is not set (the last one is the secret): log in, one
 * page of devices (each checked by `checkDevice`), one device (`checkOne`), its status (`statusOptions`, read from
 * `source`), then `more(client, secrets)`.
 */
function liveSuite(provider, { env, config, checkDevice, checkOne = () => undefined, statusOptions, source, more = () => undefined }) {
  describe(`live: ${provider === "flatpeak" ? "Flatpeak" : "Blynk"} (read-only)`, function () {
    let client;
    let device;
    const secrets = [];

    before(function () {
      requireEnv(this, env);
      secrets.push(process.env[env[env.length - 1]]);
      client = api.createClient({ provider, ...config() });
    });
    after(() => client && client.close());

    it("logs in (testConnection)", async () => {
      const r = await call("testConnection", () => client.testConnection(), secrets);
      assert.equal(typeof r.devices, "number");
    });

    it("lists one page of devices", async () => {
      const page = await call("listDevices", () => firstPage(client.listDevices({ max: 20 })), secrets);
      assert.ok(Array.isArray(page.items));
      for (const d of page.items) checkDevice(d);
      device = page.items[0];
    });

    it("gets one device", async function () {
      if (!device) return this.skip();
      const d = await call("getDevice", () => client.getDevice(device.id), secrets);
      assert.equal(d.id, device.id);
      checkOne(d);
    });

    it("reads a device's status", async function () {
      if (!device) return this.skip();
      const s = await call("deviceStatus", () => client.deviceStatus(device.id, statusOptions), secrets);
      checkStatus(s, device.id, source);
    });

    more(() => client, secrets);
  });
}

liveSuite("flatpeak", {
  env: ["FLATPEAK_ACCOUNT_ID", "FLATPEAK_API_KEY"],
  config: () => ({
    baseUrl: api.resolveBaseUrl("flatpeak", process.env.FLATPEAK_SERVER || ""),
    clientId: process.env.FLATPEAK_ACCOUNT_ID.trim(),
    clientSecret: process.env.FLATPEAK_API_KEY.trim(),
    apiVersion: (process.env.FLATPEAK_API_VERSION || "").trim(),
  }),
  checkDevice: (d) => assert.match(String(d.id), /^dev_/),
  statusOptions: { offlineAfter: 900 },
  source: "last_seen",
  more: (client, secrets) =>
    it("lists one page of sites", async () => {
      const page = await call("listSites", () => firstPage(client().listSites({ max: 20 })), secrets);
      assert.ok(Array.isArray(page.items));
      for (const s of page.items) assert.match(String(s.id), /^ste_/);
    }),
});

liveSuite("blynk", {
  env: ["BLYNK_CLIENT_ID", "BLYNK_CLIENT_SECRET"],
  config: () => ({
    baseUrl: api.resolveBaseUrl("blynk", process.env.BLYNK_SERVER || ""),
    clientId: process.env.BLYNK_CLIENT_ID.trim(),
    clientSecret: process.env.BLYNK_CLIENT_SECRET.trim(),
  }),
  checkDevice: (d) => {
    assert.ok(Number.isInteger(d.id), `a whole-number id: ${d.id}`);
    assert.ok(!("token" in d), "the device's auth token is removed");
  },
  checkOne: (d) => assert.ok(!("token" in d), "the device token is removed by default"),
  source: "connection",
});
