/**
 * What goes on the wire (issue 16): the transport sends by Node's http itself where no proxy can apply, and by
 * axios's http adapter (with a configuration merged once) where one may, so the headers axios's request pipeline
 * used to add are its own to send. A plain loopback server records each request as it arrives. What a shared
 * caller's signal carries while many requests wait on it, and answers packed as the cloud may pack them.
 */
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { LARGE_ANSWER_BYTES } from "../../src/api/json";
import { Transport } from "../../src/api/transport";
import { rejects } from "../support/sim";
import { selfSigned } from "../support/tls";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe("transport: the request on the wire", function () {
  let server: http.Server;
  let baseUrl: string;
  const seen: Seen[] = [];
  let transport: Transport;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    transport = new Transport({
      baseUrl,
      timeoutMs: 5000,
      concurrency: 4,
      maxRetries: 0,
      baseBackoffMs: 10,
      maxBackoffMs: 20,
      headers: { "Flatpeak-Version": "2026-08-01.busbar" },
      login: async () => ({ token: "token-on-the-wire", expiresIn: 3600 }),
      credentialHint: "the credentials",
      secrets: [],
    });
  });
  afterEach(() => transport.close());

  it("a GET: the account's headers, the bearer, the query; no body and no Content-Type", async () => {
    const res = await transport.request({ method: "GET", path: "/devices/dev%2F1", query: { limit: 100, starting_after: undefined, q: "a b&c" } });
    assert.deepEqual(res.data, { ok: true });
    assert.equal(seen.length, 1);
    const [r] = seen;
    assert.equal(r.method, "GET");
    assert.equal(r.url, "/devices/dev%2F1?limit=100&q=a%20b%26c", "a space as %20, which a form decoder and decodeURIComponent both read as a space");
    assert.equal(r.headers.authorization, "Bearer token-on-the-wire");
    assert.equal(r.headers.accept, "application/json");
    assert.equal(r.headers["user-agent"], "node-red-devicecloud");
    assert.equal(r.headers["flatpeak-version"], "2026-08-01.busbar");
    assert.match(String(r.headers["accept-encoding"]), /gzip/);
    assert.equal(r.headers["content-type"], undefined);
    assert.equal(r.body, "");
  });

  it("a POST with a body: the JSON text with its type and length", async () => {
    await transport.request({ method: "POST", path: "/prices", body: { location_id: "loc_1", note: "ü" } });
    const [r] = seen;
    assert.equal(r.method, "POST");
    assert.equal(r.headers["content-type"], "application/json");
    assert.equal(r.body, '{"location_id":"loc_1","note":"ü"}');
    assert.equal(Number(r.headers["content-length"]), Buffer.byteLength(r.body));
    assert.equal(r.headers.authorization, "Bearer token-on-the-wire");
  });

  it("a POST without a body says form, as axios's pipeline did (an OAuth token request), with a length of 0", async () => {
    await transport.login({ method: "POST", path: "/oauth2/token", query: { grant_type: "client_credentials" }, user: "id", password: "secret" });
    const [r] = seen;
    assert.equal(r.url, "/oauth2/token?grant_type=client_credentials");
    assert.equal(r.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(r.headers["content-length"], "0");
    assert.equal(r.headers.authorization, `Basic ${Buffer.from("id:secret").toString("base64")}`);
  });

  it("each request carries only its own headers: nothing of one request reaches the next", async () => {
    await transport.request({ method: "POST", path: "/a", body: { x: 1 } });
    await transport.request({ method: "DELETE", path: "/b" });
    await transport.request({ method: "GET", path: "/c" });
    assert.deepEqual(
      seen.map((r) => [r.method, r.url, r.headers["content-type"] ?? null]),
      [
        ["POST", "/a", "application/json"],
        ["DELETE", "/b", null],
        ["GET", "/c", null],
      ],
    );
  });

  it("requests sharing one caller's signal (a listing's pages, a poll) add one abort listener to it, however many wait or are in flight", async () => {
    // Each request listening on the shared signal itself would make every removal a scan of thousands of listeners,
    // and Node warns from the eleventh on.
    const shared = new AbortController();
    const pending = Array.from({ length: 200 }, (_, i) => transport.request({ method: "GET", path: `/page/${i}`, signal: shared.signal }));
    // All 200 wait for the login at once: the first look is before anything was answered.
    let most = getEventListeners(shared.signal, "abort").length;
    const watch = setInterval(() => (most = Math.max(most, getEventListeners(shared.signal, "abort").length)), 1);
    try {
      await Promise.all(pending);
    } finally {
      clearInterval(watch);
    }
    assert.equal(seen.length, 200);
    assert.ok(most === 1, `${most} abort listeners on the shared signal at once`);
    assert.equal(getEventListeners(shared.signal, "abort").length, 0, "none left once all are answered");
  });
});

describe("transport: answers packed as the cloud may pack them", () => {
  // Larger than LARGE_ANSWER_BYTES, so that the direct path reads it in pieces.
  const device = { id: "dev_1", name: "Wärmepumpe", tags: Array.from({ length: 20_000 }, (_, i) => `tag-${i} ß`) };
  const text = JSON.stringify(device);
  assert.ok(Buffer.byteLength(text) > LARGE_ANSWER_BYTES);
  const packings: Record<string, (b: Buffer) => Buffer> = {
    gzip: (b) => zlib.gzipSync(b),
    deflate: (b) => zlib.deflateSync(b),
    br: (b) => zlib.brotliCompressSync(b),
    identity: (b) => b,
  };
  let server: http.Server;
  let transport: Transport;
  const asked: string[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      asked.push(String(req.headers["accept-encoding"]));
      const packing = (req.url ?? "").slice(1);
      if (packing === "empty") return res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": "0" }).end();
      const headers: http.OutgoingHttpHeaders = { "Content-Type": "application/json; charset=utf-8" };
      if (packing !== "identity") headers["Content-Encoding"] = packing;
      // A byte-order mark before the JSON, as some servers write it, on the unpacked answer.
      if (packing === "identity") return res.writeHead(200, headers).end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
      res.writeHead(200, headers).end(packings[packing](Buffer.from(text)));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    transport = new Transport({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      timeoutMs: 5000,
      concurrency: 2,
      maxRetries: 0,
      baseBackoffMs: 10,
      maxBackoffMs: 20,
      login: async () => ({ token: "t", expiresIn: 3600 }),
      credentialHint: "the credentials",
      secrets: [],
    });
  });
  after(async () => {
    transport.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it("takes an empty answer labelled gzip as empty, not as a cut-off stream", async () => {
    const res = await transport.request({ method: "GET", path: "/empty" });
    assert.equal(res.status, 200);
    assert.equal(res.data, undefined);
  });

  for (const packing of Object.keys(packings)) {
    it(`unpacks ${packing === "identity" ? "an unpacked answer (and drops its byte-order mark)" : `a ${packing} answer`}, asking for gzip, deflate and br`, async () => {
      const res = await transport.request({ method: "GET", path: `/${packing}` });
      assert.deepEqual(res.data, device);
      assert.equal(res.headers["content-encoding"], packing === "identity" ? undefined : packing);
      assert.match(asked[asked.length - 1], /gzip/);
      assert.match(asked[asked.length - 1], /br/);
    });
  }
});

describe("transport: a lost connection is tried again, a refused certificate is not", function () {
  this.timeout(30_000);
  const pem = selfSigned();
  const servers: Array<http.Server | https.Server> = [];
  const transports: Transport[] = [];
  afterEach(async () => {
    for (const t of transports.splice(0)) t.close();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  /** A loopback server (https with the self-signed certificate, or http) that counts its TCP connections, each one a handshake, and drops the first `drops`. */
  async function listen(secure: boolean, drops = 0) {
    const answered: string[] = [];
    let connections = 0;
    const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
      answered.push(`${req.method} ${req.url}`);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"access_token":"token-from-the-server","ok":true}');
    };
    const server = secure ? https.createServer(pem, answer) : http.createServer(answer);
    server.on("connection", (socket) => {
      connections++;
      if (connections <= drops) socket.destroy();
    });
    // The client walks away from the handshake; the server has nothing to say about it.
    server.on("tlsClientError", () => undefined);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return { url: `${secure ? "https" : "http"}://localhost:${port}`, answered, connections: () => connections };
  }

  /** A transport to `url` that logs in over the wire (HTTP Basic) or, for a data request alone, has its token already. */
  function transportTo(url: string, opts: { loginOnTheWire: boolean; backoffMs: number; trust?: string }): Transport {
    const t = new Transport({
      baseUrl: url,
      timeoutMs: 5000,
      concurrency: 4,
      maxRetries: 4,
      baseBackoffMs: opts.backoffMs,
      maxBackoffMs: opts.backoffMs * 4,
      login: opts.loginOnTheWire
        ? async (self) => {
            const res = await self.login({ method: "POST", path: "/token", user: "client-id", password: "client-secret" });
            return { token: (res.data as { access_token: string }).access_token, expiresIn: 3600 };
          }
        : async () => ({ token: "token-in-hand", expiresIn: 3600 }),
      credentialHint: "the credentials",
      secrets: [],
      tls: opts.trust ? { ca: opts.trust } : undefined,
    });
    transports.push(t);
    return t;
  }

  it("a certificate the client does not trust: one handshake for a GET and one for a login, NETWORK at once", async () => {
    const server = await listen(true);
    // Back-offs of seconds: a retry would show in the time taken as well as in the count (the first waits 2 s at least).
    const backoffMs = 4000;
    let started = Date.now();
    const get = await rejects(transportTo(server.url, { loginOnTheWire: false, backoffMs }).request({ method: "GET", path: "/devices/1" }));
    const getMs = Date.now() - started;
    assert.equal(get.code, "NETWORK");
    assert.match(get.message, /^Could not reach localhost:\d+: its TLS certificate was not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT\): no CA this account trusts signed it/);
    assert.equal(server.connections(), 1, "handshakes of the GET");
    assert.ok(getMs < backoffMs / 2, `the GET failed after ${getMs} ms`);

    started = Date.now();
    const login = await rejects(transportTo(server.url, { loginOnTheWire: true, backoffMs }).request({ method: "GET", path: "/devices/1" }));
    const loginMs = Date.now() - started;
    assert.equal(login.code, "NETWORK");
    assert.match(login.message, /^Login failed: Could not reach localhost:\d+: its TLS certificate was not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    assert.equal(server.connections(), 2, "handshakes of the GET and the login");
    assert.ok(loginMs < backoffMs / 2, `the login failed after ${loginMs} ms`);
    assert.deepEqual(server.answered, [], "nothing was sent");
  });

  for (const secure of [false, true]) {
    it(`a connection dropped before any answer (${secure ? "https, before the handshake" : "http"}) is tried again, for a GET and for a login`, async () => {
      const trust = secure ? pem.cert : undefined;
      const forGet = await listen(secure, 1);
      const res = await transportTo(forGet.url, { loginOnTheWire: false, backoffMs: 10, trust }).request({ method: "GET", path: "/devices/1" });
      assert.deepEqual(res.data, { access_token: "token-from-the-server", ok: true });
      assert.equal(forGet.connections(), 2);
      assert.deepEqual(forGet.answered, ["GET /devices/1"]);

      const forLogin = await listen(secure, 1);
      await transportTo(forLogin.url, { loginOnTheWire: true, backoffMs: 10, trust }).request({ method: "GET", path: "/devices/1" });
      assert.equal(forLogin.connections(), 2);
      assert.deepEqual(forLogin.answered, ["POST /token", "GET /devices/1"]);

      // Dropped every time: the GET is sent three times (MAX_ERROR_RETRIES), and the error names the connection, not a certificate.
      const always = await listen(secure, Infinity);
      const lost = await rejects(transportTo(always.url, { loginOnTheWire: false, backoffMs: 10, trust }).request({ method: "GET", path: "/devices/1" }));
      assert.equal(lost.code, "NETWORK");
      assert.match(lost.message, /^Could not reach localhost:\d+: the connection was reset \(ECONNRESET\)\.$/);
      assert.equal(always.connections(), 3);
    });
  }
});
