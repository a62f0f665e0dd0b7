import assert from "node:assert/strict";
import http from "node:http";
import path from "node:path";
import zlib from "node:zlib";
import { spawn } from "node:child_process";
import { startSimulator, type Simulator } from "../../src/simulator";
import { parseArgs } from "../../src/simulator/cli";
import { waitFor } from "../reliability/helpers";
import { ORG, basic, blynkTokens, call, flatpeakToken, sleep } from "./helpers";

function countResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

describe("simulator: server", function () {
  describe("rate limits", () => {
    let sim: Simulator;
    before(async () => {
      sim = await startSimulator({ flatpeakDevices: 20, flatpeakSites: 2, blynkDevices: 20 });
    });
    after(() => sim.close());

    it("Blynk defaults to 10000 requests per 60 s window, per organization", async () => {
      const t = (await blynkTokens(sim)).access;
      assert.equal((await call(sim, "GET", `${ORG}/devices`, { token: t })).status, 200);
      const w = sim.stats().perWindow;
      assert.equal(w.length, 1);
      assert.deepEqual({ ...w[0], windowStart: 0 }, { provider: "blynk", windowStart: 0, accepted: 1, rejected: 0 });
    });

    it("answers 429 with the Blynk body and no Retry-After past the limit; the org shares one budget", async () => {
      sim.setRateLimit("blynk", { limit: 3, windowMs: 60000, retryAfter: false });
      sim.resetStats();
      sim.addAccount("blynk", "oa2-client-id_second", "second-secret");
      const t1 = (await blynkTokens(sim)).access;
      const t2 = (await blynkTokens(sim, "oa2-client-id_second", "second-secret")).access;
      const statuses: number[] = [];
      for (const t of [t1, t2, t1, t2]) statuses.push((await call(sim, "GET", `${ORG}/devices?size=1`, { token: t })).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const a = await call(sim, "GET", `${ORG}/devices`, { token: t1 });
      assert.equal(a.status, 429);
      assert.deepEqual(a.json, { error: { message: "Too many requests" } });
      assert.equal(a.headers.get("retry-after"), null);
      const s = sim.stats();
      assert.equal(s.rateLimited, 2);
      assert.deepEqual(s.perWindow.map((w) => [w.provider, w.accepted, w.rejected]), [["blynk", 3, 2]]);
      assert.equal(s.logins.blynk, 2);
      // The token endpoint is not rate limited.
      assert.equal((await call(sim, "POST", "/oauth2/token?grant_type=client_credentials", { headers: { authorization: basic("oa2-client-id_second", "second-secret") } })).status, 200);
    });

    it("sends Retry-After (whole seconds to the window's end) when the spec says so, and a new window admits again", async () => {
      sim.setRateLimit("blynk", { limit: 2, windowMs: 1000, retryAfter: true });
      sim.resetStats();
      const t = (await blynkTokens(sim)).access;
      let a = await call(sim, "GET", `${ORG}/devices`, { token: t });
      let i = 0;
      while (a.status === 200 && i++ < 5) a = await call(sim, "GET", `${ORG}/devices`, { token: t });
      assert.equal(a.status, 429);
      const ra = Number(a.headers.get("retry-after"));
      assert.equal(ra, 1);
      const w = sim.stats().perWindow.at(-1)!;
      assert.ok(w.rejected >= 1);
      await sleep(w.windowStart + 1000 - Date.now() + 30);
      assert.equal((await call(sim, "GET", `${ORG}/devices`, { token: t })).status, 200);
      assert.ok(sim.stats().perWindow.length >= 2);
      sim.setRateLimit("blynk", null);
      for (let k = 0; k < 5; k++) assert.equal((await call(sim, "GET", `${ORG}/devices`, { token: t })).status, 200);
    });

    it("Flatpeak: none by default; when set, 429 rich rate_limit per account, with Retry-After if asked", async () => {
      const t = await flatpeakToken(sim);
      for (let k = 0; k < 20; k++) assert.equal((await call(sim, "GET", "/devices?limit=1", { token: t })).status, 200);
      sim.setRateLimit("flatpeak", { limit: 2, windowMs: 60000, retryAfter: true });
      sim.addAccount("flatpeak", "acc_second0000000000000000", "sk_test_second");
      const t2 = await flatpeakToken(sim, "acc_second0000000000000000", "sk_test_second");
      assert.equal((await call(sim, "GET", "/devices", { token: t })).status, 200);
      assert.equal((await call(sim, "GET", "/devices", { token: t })).status, 200);
      const a = await call(sim, "GET", "/devices", { token: t });
      assert.equal(a.status, 429);
      assert.equal(a.json.object, "error");
      assert.equal(a.json.type, "rate_limit");
      assert.equal(a.json.code, "rate_limit_exceeded");
      assert.ok(Number(a.headers.get("retry-after")) >= 1);
      assert.equal(a.headers.get("flatpeak-version"), "2026-08-01.busbar");
      assert.equal((await call(sim, "GET", "/devices", { token: t2 })).status, 200);
      // Logins are not limited; unauthenticated requests are refused before the limit.
      assert.equal((await call(sim, "GET", "/devices", { token: "bad" })).status, 403);
      sim.setRateLimit("flatpeak", null);
    });
  });

  describe("faults", () => {
    let sim: Simulator;
    let fp: string;
    let bl: string;
    before(async () => {
      sim = await startSimulator({ flatpeakDevices: 20, flatpeakSites: 2, blynkDevices: 20 });
      fp = await flatpeakToken(sim);
      bl = (await blynkTokens(sim)).access;
    });
    afterEach(() => sim.clearFaults());
    after(() => sim.close());

    it("status: the provider's error body for it, for the next `times` matching requests", async () => {
      sim.addFault({ provider: "flatpeak", path: "/devices", status: 503, times: 2 });
      const a = await call(sim, "GET", "/devices", { token: fp });
      assert.equal(a.status, 503);
      assert.equal(a.json.type, "api_error");
      assert.equal(a.json.object, "error");
      assert.equal((await call(sim, "GET", "/sites", { token: fp })).status, 200);
      assert.equal((await call(sim, "GET", "/devices", { token: fp })).status, 503);
      assert.equal((await call(sim, "GET", "/devices", { token: fp })).status, 200);
      sim.addFault({ provider: "flatpeak", status: 500, times: 1 });
      assert.deepEqual((await call(sim, "GET", "/sites", { token: fp })).json, { message: "Internal Server Error" });
      sim.addFault({ provider: "blynk", status: 500, times: 1 });
      assert.deepEqual((await call(sim, "GET", `${ORG}/devices`, { token: bl })).json, { error: { message: "Internal server error" } });
      sim.addFault({ provider: "blynk", method: "POST", status: 502 });
      assert.equal((await call(sim, "GET", `${ORG}/devices`, { token: bl })).status, 200);
      assert.equal((await call(sim, "POST", `${ORG}/device/trigger-event`, { token: bl, body: {} })).status, 502);
    });

    it("429 faults carry Retry-After when retryAfter is set, and do not count as rate limited", async () => {
      sim.resetStats();
      sim.addFault({ provider: "blynk", status: 429, retryAfter: 2, times: 1 });
      const a = await call(sim, "GET", `${ORG}/devices`, { token: bl });
      assert.equal(a.status, 429);
      assert.equal(a.headers.get("retry-after"), "2");
      assert.deepEqual(a.json, { error: { message: "Too many requests" } });
      sim.addFault({ provider: "flatpeak", status: 429, times: 1 });
      const b = await call(sim, "GET", "/devices", { token: fp });
      assert.equal(b.json.type, "rate_limit");
      assert.equal(b.headers.get("retry-after"), null);
      assert.equal(sim.stats().rateLimited, 0);
    });

    it("leaves the login and token endpoints alone unless the path names them or includeAuth is set", async () => {
      const { clientId, clientSecret } = sim.credentials.flatpeak;
      const login = () => call(sim, "GET", "/login", { headers: { authorization: basic(clientId, clientSecret) } });
      sim.addFault({ status: 503 });
      assert.equal((await login()).status, 200);
      assert.equal((await call(sim, "POST", "/oauth2/token?grant_type=client_credentials", { headers: { authorization: basic(sim.credentials.blynk.clientId, sim.credentials.blynk.clientSecret) } })).status, 200);
      sim.clearFaults();
      sim.addFault({ path: "/login", status: 500, times: 1 });
      assert.equal((await login()).status, 500);
      sim.addFault({ provider: "blynk", includeAuth: true, status: 400, times: 1 });
      const t = await call(sim, "POST", "/oauth2/token?grant_type=client_credentials", { headers: { authorization: basic(sim.credentials.blynk.clientId, sim.credentials.blynk.clientSecret) } });
      assert.equal(t.status, 400);
      assert.equal(t.json.error, "invalid_client");
    });

    it("drop destroys the socket without an answer", async () => {
      sim.addFault({ path: "/devices", drop: true, times: 1 });
      await assert.rejects(call(sim, "GET", "/devices", { token: fp }), (e: any) => {
        assert.match(String(e.cause?.code ?? e.cause?.message ?? e.message), /ECONNRESET|socket|other side closed|terminated/i);
        return true;
      });
      assert.equal((await call(sim, "GET", "/devices", { token: fp })).status, 200);
    });

    it("malformed answers 200 with a body that is not JSON", async () => {
      sim.addFault({ provider: "blynk", malformed: true, times: 1 });
      const a = await call(sim, "GET", `${ORG}/devices`, { token: bl });
      assert.equal(a.status, 200);
      assert.equal(a.headers.get("content-type"), "application/json");
      assert.throws(() => JSON.parse(a.text));
    });

    it("hang accepts and never answers until the client gives up", async () => {
      sim.addFault({ path: "/sites", hang: true, times: 1 });
      const t0 = Date.now();
      await assert.rejects(call(sim, "GET", "/sites", { token: fp, signal: AbortSignal.timeout(200) }), /abort|timeout/i);
      assert.ok(Date.now() - t0 >= 190);
      await sleep(20);
      assert.equal(sim.stats().inFlight, 0);
      assert.equal((await call(sim, "GET", "/sites", { token: fp })).status, 200);
    });

    it("latencyMs delays matching answers; setLatency delays every answer", async () => {
      sim.addFault({ method: "GET", path: "/api/v1/organization/device/online", latencyMs: 150, times: 1 });
      let t0 = Date.now();
      assert.equal((await call(sim, "GET", `${ORG}/devices?size=1`, { token: bl })).status, 200);
      assert.ok(Date.now() - t0 < 140);
      const id = sim.fleet.blynk.devices[0].id;
      t0 = Date.now();
      assert.equal((await call(sim, "GET", `${ORG}/device/online?deviceId=${id}`, { token: bl })).status, 200);
      assert.ok(Date.now() - t0 >= 145);
      sim.setLatency(120);
      t0 = Date.now();
      assert.equal((await call(sim, "GET", "/nowhere")).status, 404);
      assert.ok(Date.now() - t0 >= 115);
      sim.setLatency(0);
    });

    it("probability draws from the seeded generator; removeFault ends a fault", async () => {
      const id = sim.addFault({ path: "/sites", status: 503, probability: 0.5 });
      const statuses: number[] = [];
      for (let k = 0; k < 30; k++) statuses.push((await call(sim, "GET", "/sites", { token: fp })).status);
      const hits = statuses.filter((s) => s === 503).length;
      assert.ok(hits > 3 && hits < 27, String(hits));
      sim.removeFault(id);
      assert.equal((await call(sim, "GET", "/sites", { token: fp })).status, 200);
      sim.addFault({ path: "/sites", status: 503, probability: 0 });
      assert.equal((await call(sim, "GET", "/sites", { token: fp })).status, 200);
      // The same seed replays the same draws.
      const replay = async () => {
        const s = await startSimulator({ seed: 9, flatpeakDevices: 2, flatpeakSites: 1, blynkDevices: 0 });
        try {
          const t = await flatpeakToken(s);
          s.addFault({ path: "/sites", status: 503, probability: 0.5 });
          const out: number[] = [];
          for (let k = 0; k < 12; k++) out.push((await call(s, "GET", "/sites", { token: t })).status);
          return out;
        } finally {
          await s.close();
        }
      };
      assert.deepEqual(await replay(), await replay());
    });

    /** A raw GET (fetch would unpack gzip): status, headers, the bytes as they came, and when the headers came. */
    function rawGet(path: string, token: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; headersMs: number; ms: number }> {
      const t0 = Date.now();
      return new Promise((resolve, reject) => {
        http
          .get(sim.url + path, { headers: { authorization: `Bearer ${token}` } }, (res) => {
            const headersMs = Date.now() - t0;
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), headersMs, ms: Date.now() - t0 }));
            res.on("error", reject);
          })
          .on("error", reject);
      });
    }

    it("hugeBytes answers 200 with valid JSON of exactly that many bytes, its length announced", async () => {
      sim.addFault({ path: "/devices", hugeBytes: 100_000, times: 1 });
      const a = await rawGet("/devices", fp);
      assert.equal(a.status, 200);
      assert.equal(a.headers["content-length"], "100000");
      assert.equal(a.body.length, 100_000);
      assert.equal(typeof JSON.parse(a.body.toString()).padding, "string");
    });

    it("gzipBombBytes answers 200 gzip that unpacks to that many bytes, a small part of it on the wire", async () => {
      sim.addFault({ path: "/devices", gzipBombBytes: 4 * 1024 * 1024, times: 1 });
      const a = await rawGet("/devices", fp);
      assert.equal(a.status, 200);
      assert.equal(a.headers["content-encoding"], "gzip");
      assert.equal(a.headers["content-length"], undefined);
      assert.ok(a.body.length < 64 * 1024, `${a.body.length} bytes on the wire`);
      assert.equal(zlib.gunzipSync(a.body).length, 4 * 1024 * 1024);
    });

    it("trickleMs sends the real answer's headers at once, then its body one byte at a time", async () => {
      const plain = await rawGet("/devices/dev_nope", fp);
      sim.addFault({ path: "/devices/", trickleMs: 5, times: 1 });
      const a = await rawGet("/devices/dev_nope", fp);
      assert.equal(a.status, plain.status);
      assert.deepEqual(a.body, plain.body, "the same answer");
      assert.equal(a.headers["content-length"], undefined);
      assert.ok(a.headersMs < 500, `headers after ${a.headersMs} ms`);
      assert.ok(a.ms >= a.body.length * 5 * 0.8, `${a.body.length} bytes in ${a.ms} ms`);
    });

    it("repeatCursor makes every Flatpeak page the first one again", async () => {
      const first = await call(sim, "GET", "/devices?limit=5", { token: fp });
      const last = first.json.data[4].id;
      assert.notDeepEqual((await call(sim, "GET", `/devices?limit=5&starting_after=${last}`, { token: fp })).json.data, first.json.data);
      sim.addFault({ path: "/devices", repeatCursor: true, times: 1 });
      const again = await call(sim, "GET", `/devices?limit=5&starting_after=${last}`, { token: fp });
      assert.deepEqual(again.json.data, first.json.data);
      assert.equal(again.json.has_more, true);
    });

    it("pageLimit cuts Blynk pages to that many items, whatever size asks for or with none; totalElements stays true", async () => {
      const total = (await call(sim, "GET", `${ORG}/devices`, { token: bl })).json.totalElements;
      assert.ok(total > 3);
      sim.addFault({ path: `${ORG}/devices`, pageLimit: 3, times: 3 });
      for (const query of ["?size=10", "?size=2", ""]) {
        const a = await call(sim, "GET", `${ORG}/devices${query}`, { token: bl });
        assert.equal(a.json.content.length, query === "?size=2" ? 2 : 3, query);
        assert.equal(a.json.totalElements, total, query);
      }
    });

    it("rejects malformed fault specs", () => {
      assert.throws(() => sim.addFault({ status: 42 }));
      assert.throws(() => sim.addFault({ probability: 2 }));
      assert.throws(() => sim.addFault({ times: 0 }));
      assert.throws(() => sim.addFault({ path: "devices" }));
      assert.throws(() => sim.addFault({ provider: "aws" as never }));
      assert.throws(() => sim.addFault({ hugeBytes: 0 }));
      assert.throws(() => sim.addFault({ trickleMs: 1.5 }));
      assert.throws(() => sim.addFault({ repeatCursor: "yes" as never }));
    });
  });

  describe("stats, HTTP control API and logging", () => {
    let sim: Simulator;
    const lines: string[] = [];
    before(async () => {
      sim = await startSimulator({ flatpeakDevices: 20, flatpeakSites: 2, blynkDevices: 20, log: (l) => lines.push(l), controlApi: true });
    });
    after(() => sim.close());

    it("counts requests by route, logins, Authorization headers and the in-flight peak", async () => {
      const fp = await flatpeakToken(sim);
      const bl = (await blynkTokens(sim)).access;
      sim.resetStats();
      const dev = sim.fleet.flatpeak.devices[0].id;
      await call(sim, "GET", "/devices", { token: fp });
      await call(sim, "GET", `/devices/${dev}`, { token: fp });
      await call(sim, "GET", "/nowhere");
      await call(sim, "POST", `${ORG}/device/trigger-event`, { token: bl, body: { deviceId: sim.fleet.blynk.devices[0].id, eventCode: "nope" } });
      await flatpeakToken(sim);
      await blynkTokens(sim);
      sim.setLatency(100);
      await Promise.all(Array.from({ length: 6 }, () => call(sim, "GET", "/sites", { token: fp })));
      sim.setLatency(0);
      const s = sim.stats();
      assert.equal(s.requests, 12);
      assert.deepEqual(s.byRoute, {
        "GET /devices": 1,
        "GET /devices/{id}": 1,
        "GET (unmatched)": 1,
        "POST /api/v1/organization/device/trigger-event": 1,
        "GET /login": 1,
        "POST /oauth2/token": 1,
        "GET /sites": 6,
      });
      assert.deepEqual(s.logins, { flatpeak: 1, blynk: 1 });
      assert.equal(s.authHeadersSeen, 11);
      assert.equal(s.inFlight, 0);
      assert.ok(s.maxInFlight >= 6, String(s.maxInFlight));
      sim.resetStats();
      assert.equal(sim.stats().requests, 0);
    });

    it("the control API drives the same switches over HTTP (and is not counted)", async () => {
      sim.resetStats();
      const ctl = (method: string, p: string, body?: unknown) => call(sim, method, `/_simulator${p}`, body === undefined ? {} : { body });
      const st = await ctl("GET", "/stats");
      assert.equal(st.status, 200);
      assert.equal(st.json.requests, 0);
      const f = await ctl("POST", "/faults", { path: "/sites", status: 503 });
      assert.equal(f.status, 201);
      assert.equal(typeof f.json.id, "number");
      assert.equal((await ctl("GET", "/faults")).json.length, 1);
      const fp = await flatpeakToken(sim);
      assert.equal((await call(sim, "GET", "/sites", { token: fp })).status, 503);
      assert.equal((await ctl("DELETE", `/faults/${f.json.id}`)).status, 204);
      assert.equal((await ctl("DELETE", `/faults/${f.json.id}`)).status, 404);
      assert.equal((await call(sim, "GET", "/sites", { token: fp })).status, 200);
      await ctl("POST", "/faults", { provider: "blynk", status: 500 });
      assert.equal((await ctl("DELETE", "/faults")).status, 204);
      assert.deepEqual((await ctl("GET", "/faults")).json, []);
      assert.equal((await ctl("POST", "/latency", { ms: 80 })).status, 204);
      const t0 = Date.now();
      await call(sim, "GET", "/sites", { token: fp });
      assert.ok(Date.now() - t0 >= 75);
      await ctl("POST", "/latency", { ms: 0 });
      assert.equal((await ctl("POST", "/rate-limit", { provider: "flatpeak", spec: { limit: 0, windowMs: 60000, retryAfter: false } })).status, 204);
      assert.equal((await call(sim, "GET", "/sites", { token: fp })).status, 429);
      assert.equal((await ctl("POST", "/rate-limit", { provider: "flatpeak", spec: null })).status, 204);
      assert.equal((await ctl("POST", "/revoke", { provider: "flatpeak" })).status, 204);
      assert.equal((await call(sim, "GET", "/sites", { token: fp })).status, 403);
      const fp2 = await flatpeakToken(sim);
      assert.equal((await ctl("POST", "/expire", {})).status, 204);
      assert.equal((await call(sim, "GET", "/sites", { token: fp2 })).status, 403);
      assert.equal((await ctl("POST", "/accounts", { provider: "blynk", clientId: "oa2-client-id_ctl", clientSecret: "ctl-secret" })).status, 204);
      await blynkTokens(sim, "oa2-client-id_ctl", "ctl-secret");
      assert.equal((await ctl("POST", "/stats/reset")).status, 204);
      assert.equal((await ctl("GET", "/stats")).json.requests, 0);
      assert.equal((await ctl("GET", "/nope")).status, 404);
      assert.equal((await ctl("PUT", "/stats")).status, 405);
      assert.equal((await ctl("POST", "/latency", { ms: -1 })).status, 400);
      assert.equal((await ctl("POST", "/rate-limit", { provider: "x", spec: null })).status, 400);
      assert.equal((await ctl("POST", "/faults", { status: "bad" })).status, 400);
      assert.equal((await call(sim, "POST", "/_simulator/faults", { raw: "{" })).status, 400);
      assert.equal(sim.stats().requests, 0);
    });

    it("has no control API unless asked for it: /_simulator/ is an unknown Flatpeak path, and nothing changes", async () => {
      const plain = await startSimulator({ flatpeakDevices: 2, flatpeakSites: 1, blynkDevices: 2 });
      try {
        for (const [method, p, body] of [
          ["GET", "/_simulator/stats", undefined],
          ["POST", "/_simulator/faults", { status: 500 }],
          ["POST", "/_simulator/latency", { ms: 5000 }],
          ["POST", "/_simulator/revoke", {}],
        ] as const) {
          const r = await call(plain, method, p, body === undefined ? {} : { body });
          assert.equal(r.status, 404, `${method} ${p}`);
          assert.equal(r.json.message, "Not Found", `${method} ${p} is answered as any unknown Flatpeak path`);
        }
        const fp = await flatpeakToken(plain);
        assert.equal((await call(plain, "GET", "/devices?limit=1", { token: fp })).status, 200, "no fault, revocation or latency took effect");
        assert.equal(plain.stats().byRoute["POST (unmatched)"], 3);
      } finally {
        await plain.close();
      }
    });

    it("log lines name method, path and status, never a credential or a token", async () => {
      lines.length = 0;
      const { clientId, clientSecret } = sim.credentials.blynk;
      const tok = await call(sim, "POST", `/oauth2/token?grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`);
      const fp = await flatpeakToken(sim);
      await call(sim, "GET", "/devices?limit=2", { token: fp });
      const text = lines.join("\n");
      assert.match(text, /blynk POST \/oauth2\/token\?grant_type=client_credentials&client_id=\*\*\*&client_secret=\*\*\* 200/);
      assert.match(text, /flatpeak GET \/devices\?limit=2 200/);
      for (const secret of [clientSecret, sim.credentials.flatpeak.clientSecret, tok.json.access_token, tok.json.refresh_token, fp]) assert.ok(!text.includes(secret));
    });
  });

  describe("HTTP behaviour and shutdown", () => {
    it("keeps sockets alive between requests, and close() destroys them, pending timers included", async () => {
      // After the first await: mocha arms its own test timer once the function's synchronous part returns.
      await sleep(1);
      const before = countResources();
      const sim = await startSimulator({ flatpeakDevices: 5, flatpeakSites: 1, blynkDevices: 5 });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const get = (p: string) =>
        new Promise<{ status: number; reused: boolean; socket: import("net").Socket }>((resolve, reject) => {
          const req = http.get(sim.url + p, { agent }, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode as number, reused: req.reusedSocket, socket: req.socket as import("net").Socket }));
          });
          req.on("error", reject);
        });
      const a = await get("/devices");
      const b = await get("/sites");
      assert.deepEqual([a.status, b.status], [403, 403]);
      assert.equal(b.reused, true);
      assert.equal(a.socket, b.socket);
      const socketClosed = new Promise<void>((r) => b.socket.once("close", () => r()));
      // A request waiting on latency (a pending timer) and one hanging.
      sim.addFault({ path: "/login", latencyMs: 10000 });
      const slow = get("/login").catch(() => "reset");
      sim.addFault({ path: "/devices", hang: true });
      const hung = fetch(sim.url + "/devices").catch(() => "reset");
      assert.ok(await waitFor(() => sim.stats().inFlight === 2, 5000, 10), `in flight: ${sim.stats().inFlight} of the 2 requests`);
      await sim.close();
      await socketClosed;
      assert.equal(await slow, "reset");
      assert.equal(await hung, "reset");
      agent.destroy();
      await sleep(20);
      const afterClose = countResources();
      for (const k of ["TCPServerWrap", "TCPSocketWrap", "Timeout"]) assert.ok((afterClose[k] ?? 0) <= (before[k] ?? 0), `${k}: ${before[k]} -> ${afterClose[k]}`);
      await sim.close();
    });

    it("a body over 2 MB is 413", async () => {
      const sim = await startSimulator({ flatpeakDevices: 1, flatpeakSites: 0, blynkDevices: 1 });
      try {
        const t = (await blynkTokens(sim)).access;
        const a = await call(sim, "POST", `${ORG}/device/trigger-event`, { token: t, raw: "x".repeat(2 * 1024 * 1024 + 10) });
        assert.equal(a.status, 413);
      } finally {
        await sim.close();
      }
    });

    it("listens on 127.0.0.1 by default and reports its port", async () => {
      const sim = await startSimulator({ flatpeakDevices: 0, flatpeakSites: 0, blynkDevices: 0 });
      try {
        assert.equal(sim.url, `http://127.0.0.1:${sim.port}`);
        assert.ok(sim.port > 0);
        assert.deepEqual(sim.fleet.flatpeak.devices, []);
        assert.equal((await call(sim, "GET", `${ORG}/devices`, { token: (await blynkTokens(sim)).access })).json.totalElements, 0);
      } finally {
        await sim.close();
      }
      await assert.rejects(startSimulator({ blynkDevices: -1 }), RangeError);
    });
  });

  describe("determinism and scale", () => {
    it("the same seed, sizes and startTime give the same fleet; another seed another one", async () => {
      const startTime = Date.UTC(2026, 10, 1);
      const make = (seed: number) => startSimulator({ seed, startTime, flatpeakDevices: 50, flatpeakSites: 4, blynkDevices: 300 });
      const [a, b, c] = await Promise.all([make(11), make(11), make(12)]);
      try {
        const snap = (s: Simulator) => JSON.stringify(s.fleet);
        assert.equal(snap(a), snap(b));
        assert.notEqual(snap(a), snap(c));
        const page = async (s: Simulator) => (await call(s, "GET", `${ORG}/devices?includeSubOrgDevices=true&size=1000`, { token: (await blynkTokens(s)).access })).json;
        assert.deepEqual(await page(a), await page(b));
        const tl = async (s: Simulator) => {
          const t = (await blynkTokens(s)).access;
          const out = [];
          for (const d of s.fleet.blynk.devices.slice(0, 20)) out.push((await call(s, "GET", `${ORG}/device/timeline?deviceId=${d.id}`, { token: t })).json);
          return out;
        };
        assert.deepEqual(await tl(a), await tl(b));
        // Without a fixed startTime the creation times and ids still match.
        const [d, e] = await Promise.all([startSimulator({ seed: 5, flatpeakDevices: 30, blynkDevices: 30 }), startSimulator({ seed: 5, flatpeakDevices: 30, blynkDevices: 30 })]);
        assert.deepEqual(d.fleet.flatpeak.devices.map((x) => [x.id, x.time_created]), e.fleet.flatpeak.devices.map((x) => [x.id, x.time_created]));
        assert.deepEqual(d.fleet.blynk.devices.map((x) => [x.id, x.name, x.token]), e.fleet.blynk.devices.map((x) => [x.id, x.name, x.token]));
        await Promise.all([d.close(), e.close()]);
      } finally {
        await Promise.all([a.close(), b.close(), c.close()]);
      }
    });

    // Speed is the benchmark's to measure (npm run bench); here the scale is checked and the times only printed.
    it("generates 100,000 Blynk and 10,000 Flatpeak devices and pages through all of them", async function () {
      const t0 = Date.now();
      const sim = await startSimulator({ blynkDevices: 100000, flatpeakDevices: 10000, flatpeakSites: 50 });
      const took = Date.now() - t0;
      try {
        assert.equal(sim.fleet.blynk.devices.length, 100000);
        const t = (await blynkTokens(sim)).access;
        const t1 = Date.now();
        let total = 0;
        for (let page = 0; page < 100; page++) {
          const a = await call(sim, "GET", `${ORG}/devices?includeSubOrgDevices=true&page=${page}&size=1000`, { token: t });
          total += a.json.content.length;
        }
        assert.equal(total, 100000);
        const fp = await flatpeakToken(sim);
        let after = "";
        let n = 0;
        for (;;) {
          const a = await call(sim, "GET", `/devices?limit=100${after}`, { token: fp });
          n += a.json.data.length;
          if (!a.json.has_more) break;
          after = `&starting_after=${a.json.data.at(-1).id}`;
        }
        assert.equal(n, 10000);
        console.log(`      [scale] generated in ${took} ms, paged in ${Date.now() - t1} ms`);
      } finally {
        await sim.close();
      }
    });
  });

  describe("command line", () => {
    it("parses its options", () => {
      const c = parseArgs(["--port", "0", "--seed=4", "--blynk-devices", "10", "--rate-limit-blynk", "5/1000/retry-after", "--rate-limit-flatpeak", "none", "--latency", "5", "--log"]);
      assert.deepEqual(c.options, { port: 0, seed: 4, blynkDevices: 10, rateLimit: { blynk: { limit: 5, windowMs: 1000, retryAfter: true }, flatpeak: null }, latencyMs: 5, controlApi: true });
      assert.equal(c.log, true);
      assert.equal(parseArgs([]).options.port, 8787);
      assert.throws(() => parseArgs(["--rate-limit-blynk", "fast"]), /LIMIT\/WINDOWMS/);
      assert.throws(() => parseArgs(["--bogus"]), /unknown option/);
      assert.throws(() => parseArgs(["--port"]), /needs a value/);
    });

    it("prints the URL and the demo credentials and stops on SIGTERM", async function () {
      const cli = path.join(__dirname, "../../src/simulator/cli.js");
      const child = spawn(process.execPath, [cli, "--port", "0", "--json", "--blynk-devices", "10", "--flatpeak-devices", "10"], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const line = await new Promise<string>((resolve, reject) => {
        let buf = "";
        child.stdout.on("data", (c: Buffer) => {
          buf += c.toString();
          if (buf.includes("\n")) resolve(buf.split("\n")[0]);
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}; stderr: ${stderr}`)));
      });
      const info = JSON.parse(line);
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.credentials.flatpeak.clientId, "acc_65f0c0ffee00000000000001");
      assert.equal(info.credentials.blynk.clientSecret, "simulator-demo-secret-0000000000000000000");
      const res = await fetch(info.url + "/_simulator/stats");
      assert.equal(res.status, 200);
      await res.text();
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      assert.equal(await exited, 0, `exit code after SIGTERM; stderr: ${stderr}`);
    });
  });
});
