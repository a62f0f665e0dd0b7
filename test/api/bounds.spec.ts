/**
 * Every answer bounded (issue 11), at the client against the simulator's faults: the account's timeout covers the
 * whole exchange to the last byte, an answer over 64 MiB (counted after decompression) fails without being kept,
 * and the cloud's words in an error have their secrets taken out before they are cut.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Simulator } from "../../src/simulator";
import { createClient, type AnyClient } from "../../src/api";
import { REDACTED, redact } from "../../src/api/errors";
import { MAX_ANSWER_BYTES } from "../../src/api/transport";
import { numberedPages, type NumberedPage } from "../../src/api/paging";
import type { ApiObject } from "../../src/api/types";
import { clientFor, collect, rejects, simulatorForSuite, withSimulator } from "../support/sim";

const MiB = 1024 * 1024;

describe("bounds: one exchange, one answer", function () {
  this.timeout(60_000);
  let sim: Simulator;
  let client: AnyClient;
  let deviceId: string;

  before(async () => {
    sim = await withSimulator({ blynkDevices: 50 });
    deviceId = sim.fleet.flatpeak.devices[0].id;
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearFaults();
    sim.resetStats();
  });
  afterEach(() => client?.close());

  it("a body that trickles in after the headers ends in TIMEOUT once the timeout is spent", async () => {
    client = clientFor(sim, "flatpeak", { timeoutMs: 1000 });
    await client.getDevice(deviceId); // logged in: what follows times only the trickling exchange
    sim.resetStats();
    sim.addFault({ path: "/devices/", trickleMs: 100 });
    const t0 = Date.now();
    const err = await rejects(client.getDevice(deviceId));
    const took = Date.now() - t0;
    assert.equal(err.code, "TIMEOUT", err.message);
    assert.match(err.message, /within 1 s/);
    // Without the bound over the body this exchange would run for ~100 ms per byte of the device (a minute).
    assert.ok(took >= 900 && took < 5000, `failed after ${took} ms`);
    assert.equal(sim.stats().byRoute["GET /devices/{id}"], 1, "a TIMEOUT is not retried");
  });

  it("an answer just within 64 MiB is taken", async () => {
    client = clientFor(sim, "flatpeak");
    sim.addFault({ path: "/devices/", hugeBytes: MAX_ANSWER_BYTES, times: 1 });
    const device = await client.getDevice(deviceId);
    assert.equal((device.padding as string).length, MAX_ANSWER_BYTES - 14);
  });

  it("an answer over 64 MiB fails with API_ERROR 'answer too large', once, and is not kept", async () => {
    client = clientFor(sim, "flatpeak");
    sim.addFault({ path: "/devices/", hugeBytes: 400 * MiB });
    const before = process.memoryUsage();
    const err = await rejects(client.getDevice(deviceId));
    assert.equal(err.code, "API_ERROR", err.message);
    assert.match(err.message, /answer too large/);
    assert.equal(sim.stats().byRoute["GET /devices/{id}"], 1, "not retried");
    const grew = process.memoryUsage().arrayBuffers - before.arrayBuffers;
    assert.ok(grew < 200 * MiB, `buffers grew by ${Math.round(grew / MiB)} MiB`);
  });

  it("a gzip bomb fails the same way: the cap counts the unpacked bytes", async () => {
    client = clientFor(sim, "blynk");
    const id = sim.fleet.blynk.devices[0].id;
    sim.addFault({ path: "/api/v1/organization/device", gzipBombBytes: 1024 * MiB });
    const err = await rejects(client.getDevice(id));
    assert.equal(err.code, "API_ERROR", err.message);
    assert.match(err.message, /answer too large/);
  });

  it("a request body over 64 MiB is refused before anything is sent", async () => {
    client = clientFor(sim, "blynk");
    const id = sim.fleet.blynk.devices[0].id;
    sim.resetStats();
    const err = await rejects((client as import("../../src/api").BlynkClient).updateMetafield(id, 1, "x".repeat(65 * MiB)));
    assert.equal(err.code, "INVALID_INPUT", err.message);
    assert.equal(sim.stats().byRoute["POST /api/v1/organization/device/metafield"] ?? 0, 0);
  });
});

describe("bounds: paging cannot loop or lose items", function () {
  this.timeout(60_000);
  let sim: Simulator;
  let client: AnyClient;
  simulatorForSuite((s) => (sim = s), { blynkDevices: 2400 });
  beforeEach(() => {
    sim.clearFaults();
    sim.resetStats();
  });
  afterEach(() => client?.close());

  it("a Flatpeak cursor that does not move (every page the first one again) fails with API_ERROR after two pages", async () => {
    client = clientFor(sim, "flatpeak");
    sim.addFault({ path: "/devices", repeatCursor: true });
    const err = await rejects(collect(client.listDevices()));
    assert.equal(err.code, "API_ERROR", err.message);
    assert.match(err.message, /nothing new|same cursor/);
    assert.equal(sim.stats().byRoute["GET /devices"], 2);
  });

  it("a Blynk server that gives smaller pages than asked still yields the whole fleet, each device once", async () => {
    client = clientFor(sim, "blynk");
    const expected = await collect(client.listDevices());
    assert.ok(expected.length > 1000, `${expected.length} devices: more than one page of 1000`);
    sim.addFault({ path: "/api/v1/organization/devices", pageLimit: 300 });
    const got = await collect(client.listDevices());
    assert.deepEqual(got.map((d) => d.id), expected.map((d) => d.id));
  });

  it("numbered pages that repeat items (the fleet grew while paging) fall back to sequential pages: every item once", async () => {
    // 10 items on pages of 4; while the parallel pages are read, one item is added at the front of the list.
    let items: ApiObject[] = Array.from({ length: 10 }, (_, i) => ({ id: i + 1 }));
    let calls = 0;
    const fetchPage = async (page: number, size: number): Promise<NumberedPage> => {
      if (++calls === 2) items = [{ id: 99 }, ...items];
      return { content: items.slice(page * size, page * size + size), totalElements: items.length };
    };
    const got: unknown[] = [];
    for await (const p of numberedPages(fetchPage, 4, 0, 1)) got.push(...p.items.map((i) => i.id));
    assert.deepEqual([...got].sort((a, b) => Number(a) - Number(b)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 99]);
  });

  it("numbered pages yield every item once, whatever order the ids come in (ascending past 1,024, a repeat, descending, text)", async () => {
    const ids: unknown[] = [...Array.from({ length: 1500 }, (_, i) => i + 1), 700, 3000, 2999, 1500, "a", "b", "a", 0, -0];
    const items: ApiObject[] = ids.map((id) => ({ id }));
    const fetchPage = async (page: number, size: number): Promise<NumberedPage> => ({ content: items.slice(page * size, page * size + size), totalElements: items.length });
    const got: unknown[] = [];
    for await (const p of numberedPages(fetchPage, 250, 0, 4)) got.push(...p.items.map((i) => i.id));
    const unique = [...new Set(ids)];
    assert.equal(got.length, unique.length, "no id twice");
    assert.deepEqual(new Set(got), new Set(unique));
  });

  it("numbered pages that keep giving the same full page fail with API_ERROR", async () => {
    const fetchPage = async (): Promise<NumberedPage> => ({ content: [{ id: 1 }, { id: 2 }], totalElements: 10 });
    const err = await rejects((async () => {
      for await (const _p of numberedPages(fetchPage, 2, 0, 4)) void _p;
    })());
    assert.equal(err.code, "API_ERROR", err.message);
  });
});

describe("bounds: secrets are taken out before the cloud's message is cut", function () {
  const secret = 'S3cr/et+Ke"y\\x 9';

  it("redact() finds a secret as sent, percent-encoded (either case, + for space) and JSON-escaped", () => {
    const forms = [
      secret,
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
      encodeURIComponent(secret).replace(/%20/g, "+"),
      JSON.stringify(secret).slice(1, -1),
      JSON.stringify(secret).slice(1, -1).replace(/\//g, "\\/"),
    ];
    for (const form of forms) assert.equal(redact(`before ${form} after`, [secret]), `before ${REDACTED} after`, form);
    assert.equal(redact("abc", ["abc"]), "abc", "too short to be a secret");
  });

  for (const form of ["plain", "url-encoded", "json-escaped"] as const) {
    it(`a refusal body echoing the Basic credentials (${form}) across the 300th character leaves no part of them`, async () => {
      const clientId = "acc_7e57000000000000000000bb";
      const basic = Buffer.from(`${clientId}:${secret}`).toString("base64");
      const echoed = (s: string) => (form === "plain" ? s : form === "url-encoded" ? encodeURIComponent(s) : JSON.stringify(s).slice(1, -1));
      const server = http.createServer((req, res) => {
        const said = `Authorization: Basic ${echoed(basic)} with key ${echoed(secret)}`;
        // The echo starts a little before the 300th character, so a cut there would go right through it.
        const description = `${"x".repeat(300 - 30)}${said}`;
        res.writeHead(401, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: "invalid_client", error_description: description }));
        req.resume();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      const client = createClient({
        provider: "flatpeak",
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        clientId,
        clientSecret: secret,
      });
      try {
        const err = await rejects(client.getDevice("dev_63a6087272941ef077a8fd3e"));
        assert.equal(err.code, "AUTH_FAILED");
        assert.match(err.message, /Basic \[redacted/, "the cloud's words are kept up to the cut");
        for (const s of [basic, secret, echoed(basic), echoed(secret)]) {
          for (const part of [s.slice(0, 6), s.slice(-6)]) assert.ok(!err.message.includes(part), `"${part}" of a secret in: ${err.message}`);
        }
      } finally {
        client.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });
  }
});
