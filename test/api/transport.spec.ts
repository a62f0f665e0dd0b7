/**
 * What goes on the wire (issue 16): the transport calls axios's http adapter itself with a configuration merged
 * once, so the headers axios's request pipeline used to add are its own to send. A plain loopback server records
 * each request as it arrives. And what a shared caller's signal carries while many requests wait on it.
 */
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Transport } from "../../src/api/transport";

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
    assert.equal(r.url, "/devices/dev%2F1?limit=100&q=a+b%26c");
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

  it("requests sharing one caller's signal (a listing's pages, a poll) add one abort listener to it, however many wait", async () => {
    // Each waiter listening on the shared signal itself would make every removal a scan of thousands of listeners.
    const shared = new AbortController();
    const pending = Array.from({ length: 200 }, (_, i) => transport.request({ method: "GET", path: `/page/${i}`, signal: shared.signal }));
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, getEventListeners(shared.signal, "abort").length)), 1);
    try {
      await Promise.all(pending);
    } finally {
      clearInterval(watch);
    }
    assert.equal(seen.length, 200);
    assert.ok(most <= 1, `${most} abort listeners on the shared signal at once`);
    assert.equal(getEventListeners(shared.signal, "abort").length, 0, "none left once all are answered");
  });
});
