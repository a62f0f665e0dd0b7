/**
 * Secrets: every node and every error path runs with known secret strings, and every message (msg.error at the
 * Catch node included), status, log line, error handed to done(err) and the flow the runtime holds is scanned:
 * no client secret, API key, bearer token, Basic credentials or Blynk device token appears. TLS certificates are
 * always checked, plain http goes only to loopback, and a redirect is never followed with credentials.
 */
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Simulator } from "../../src/simulator";
import { TokenStore } from "../../src/simulator/tokens";
import { resolveBaseUrl } from "../../src/api/server";
import { SECRETS, clientFor, collect, findSecret, secretStrings, withSimulator } from "../support/sim";
import { account, helper, loadFlow } from "../support/nodes";
import { selfSigned } from "../support/tls";
import { FLOW_TYPES, SUPPORTED, recordCalls, startHelper, stopHelper, waitFor, type Call } from "./helpers";

type Provider = "flatpeak" | "blynk";
const WRONG_SECRET = "WRONG_SECRET_not-the-right-one_4711";

/** Everything a flow, the sidebar or the log could show, gathered per scenario. */
interface Seen {
  scenario: string;
  messages: Array<Record<string, any>>;
  calls: Map<string, Call[]>;
  log: unknown[][];
}

describe("reliability: secrets never leave the account", function () {
  this.timeout(60_000);
  let sim: Simulator;
  const issued: string[] = [];
  const seen: Seen[] = [];
  let fp: string[] = [];
  let bl: number[] = [];
  let thermostat = 0;
  let metafield = { device: 0, field: 0 };
  const originalIssue = TokenStore.prototype.issue;

  before(async () => {
    // Every bearer and refresh token the simulator hands out is a secret the scan looks for.
    TokenStore.prototype.issue = function (this: TokenStore, ...args: Parameters<TokenStore["issue"]>) {
      const token = originalIssue.apply(this, args);
      issued.push(token);
      return token;
    } as TokenStore["issue"];
    sim = await withSimulator({ blynkDevices: 200 });
    const f = clientFor(sim, "flatpeak");
    const b = clientFor(sim, "blynk");
    try {
      fp = (await collect(f.listDevices())).map((d) => d.id as string);
      const devices = await collect(b.listDevices());
      bl = devices.map((d) => d.id as number);
      thermostat = devices.find((d) => d.templateId === 353)!.id as number;
      for (const id of bl) {
        const text = (await b.listMetafields(id)).find((m) => (m.value as { type?: string })?.type === "Text");
        if (text) {
          metafield = { device: id, field: text.id as number };
          break;
        }
      }
    } finally {
      f.close();
      b.close();
    }
  });
  after(async () => {
    TokenStore.prototype.issue = originalIssue;
    await sim.close();
  });
  beforeEach(() => {
    sim.clearFaults();
    return startHelper();
  });
  afterEach(async () => {
    sim.clearFaults();
    await stopHelper();
  });

  /** What must never show: secrets, tokens (every one issued so far), the Basic credentials, Blynk device tokens. */
  function secrets(extra: string[] = []): string[] {
    const basic = (p: Provider, secret = SECRETS[p].clientSecret) => Buffer.from(`${SECRETS[p].clientId}:${secret}`).toString("base64");
    return [...secretStrings(sim), ...issued, basic("flatpeak"), basic("blynk"), basic("flatpeak", WRONG_SECRET), basic("blynk", WRONG_SECRET), WRONG_SECRET, ...extra];
  }

  /** A message each node type can act on (for the provider), or a bad one. */
  function input(p: Provider, type: string, bad: boolean, unknown: boolean): Record<string, unknown> {
    const id = unknown ? (p === "flatpeak" ? "dev_ffffffffffffffffffffffff" : 2_000_000_000) : p === "flatpeak" ? fp[0] : bl[0];
    if (bad) return { deviceId: "../secret", eventCode: "x".repeat(51), metafieldId: "one", query: { not: "text" } };
    if (type === "devicecloud-trigger-event") return { deviceId: p === "blynk" ? thermostat : id, eventCode: "high_temperature" };
    if (type === "devicecloud-update-metafield") return { deviceId: metafield.device, metafieldId: metafield.field, payload: "Aisle 7" };
    if (type === "devicecloud-datastream") return { deviceId: p === "blynk" ? thermostat : id, datastream: "V5", payload: 21.5 };
    return { deviceId: id };
  }

  /**
   * Runs one scenario: every node type on an account of each cloud (account properties and credentials as the
   * scenario says), one message each; waits for every message to end, and keeps everything that could show.
   */
  async function scenario(
    name: string,
    opts: { server?: (p: Provider) => string; secret?: string; timeout?: number; bad?: boolean; unknown?: boolean; expect?: string },
  ): Promise<Array<Record<string, any>>> {
    const nodes: Array<Record<string, unknown>> = [];
    const creds: Record<string, unknown> = {};
    const ids: string[] = [];
    for (const p of ["flatpeak", "blynk"] as const) {
      const a = account(sim, p, `acc-${p}`, { server: opts.server ? opts.server(p) : sim.url, timeout: opts.timeout ?? 5 });
      if (opts.secret) (a.creds[`acc-${p}`] as Record<string, string>).clientSecret = opts.secret;
      nodes.push(a.node);
      Object.assign(creds, a.creds);
      for (const type of FLOW_TYPES) {
        const id = `${p}:${type}`;
        ids.push(id);
        // includeToken stays off (the default): a Blynk device token must not reach the flow.
        nodes.push({ id, type, account: `acc-${p}`, max: 5, description: "d {{payload}}", wires: [["out"]] });
      }
    }
    nodes.push({ id: "c", type: "catch", scope: null, uncaught: false, wires: [["caught"]] }, { id: "out", type: "helper" }, { id: "caught", type: "helper" });
    await loadFlow(nodes, creds);
    const s: Seen = { scenario: name, messages: [], calls: new Map(ids.map((id) => [id, recordCalls(helper.getNode(id))])), log: [] };
    seen.push(s);
    helper.getNode("out").on("input", (m: Record<string, any>) => s.messages.push(m));
    helper.getNode("caught").on("input", (m: Record<string, any>) => s.messages.push(m));
    for (const id of ids) {
      const [p, type] = id.split(":") as [Provider, string];
      helper.getNode(id).receive({ ...input(p, type, !!opts.bad, !!opts.unknown), node: id });
    }
    assert.ok(await waitFor(() => s.messages.length >= ids.length, 20_000), `${name}: every message ended (${s.messages.length}/${ids.length})`);
    await new Promise((r) => setTimeout(r, 30)); // the status after the last message
    s.log = (helper.log() as unknown as { args: unknown[][] }).args.map((a) => [...a]);
    if (opts.expect) {
      for (const m of s.messages) {
        const [p, type] = String(m.node).split(":") as [Provider, (typeof FLOW_TYPES)[number]];
        if (!SUPPORTED[p].has(type)) assert.equal(m.error?.code, "UNSUPPORTED", `${name} ${m.node}`);
        else assert.equal(m.error?.code, opts.expect, `${name} ${m.node}: ${m.error?.message}`);
      }
    }
    await helper.unload();
    return s.messages;
  }

  /** The text of an error as anything could show it: message, stack, every own property. */
  function errorText(e: unknown): unknown {
    if (!(e instanceof Error)) return e;
    const own: Record<string, unknown> = {};
    for (const k of Object.getOwnPropertyNames(e)) own[k] = (e as unknown as Record<string, unknown>)[k];
    return { text: String(e), message: e.message, stack: e.stack, ...own };
  }

  function leaks(s: Seen, list: string[]): string[] {
    const out: string[] = [];
    const check = (what: string, v: unknown) => {
      const hit = findSecret(v, list);
      if (hit) out.push(`${s.scenario}: ${what} shows ${hit.slice(0, 12)}…`);
    };
    for (const m of s.messages) check(`message of ${m.node}${m.error ? ` (${m.error.code})` : ""}`, m);
    for (const [id, calls] of s.calls) {
      for (const c of calls) {
        if (c.kind === "status") check(`status of ${id}`, c.args);
        else if (c.kind === "error" || c.kind === "complete") check(`error of ${id}`, c.args.map(errorText));
        else check(`${c.kind} of ${id}`, c.args);
      }
    }
    for (const args of s.log) check("a log line", args.map(errorText));
    return out;
  }

  it("every node through every error path: no secret in any message, status, log line or error", async () => {
    // (A loopback port with nothing listening, for a refused connection.)
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));

    await scenario("answers", {});
    await scenario("bad credentials", { secret: WRONG_SECRET, expect: "AUTH_FAILED" });
    sim.addFault({ status: 401 });
    await scenario("401 again after a new login", { expect: "AUTH_FAILED" });
    sim.clearFaults();
    sim.addFault({ status: 403 });
    await scenario("403 again after a new login", { expect: "AUTH_FAILED" });
    sim.clearFaults();
    await scenario("404", { unknown: true });
    sim.addFault({ status: 404 });
    await scenario("404 everywhere", { expect: "NOT_FOUND" });
    sim.clearFaults();
    sim.addFault({ status: 429, retryAfter: 0 });
    await scenario("429 until the retries run out", { expect: "RATE_LIMITED" });
    sim.clearFaults();
    sim.addFault({ status: 503 });
    await scenario("503", { expect: "API_ERROR" });
    sim.clearFaults();
    sim.addFault({ malformed: true });
    await scenario("malformed JSON", { expect: "API_ERROR" });
    sim.clearFaults();
    sim.addFault({ hang: true });
    await scenario("no answer in time", { timeout: 1, expect: "TIMEOUT" });
    sim.clearFaults();
    sim.addFault({ drop: true, includeAuth: true });
    await scenario("connections dropped", { expect: "NETWORK" });
    sim.clearFaults();
    await scenario("connection refused", { server: () => `http://127.0.0.1:${closedPort}`, expect: "NETWORK" });
    await scenario("invalid input", { bad: true, expect: "INVALID_INPUT" });
    sim.revokeTokens();
    await scenario("tokens revoked", {});

    const list = secrets();
    assert.ok(issued.length >= 10, "tokens were issued (and are scanned for)");
    const found = seen.flatMap((s) => leaks(s, list));
    const total = seen.reduce((n, s) => n + s.messages.length + [...s.calls.values()].reduce((k, c) => k + c.length, 0) + s.log.length, 0);
    console.log(`      [secrets] ${seen.length} scenarios, ${total} messages, statuses, log lines and errors scanned for ${list.length} secrets: ${found.length} found`);
    assert.deepEqual(found, []);
  });

  it("a cloud that echoes the request in its error messages does not get the credentials into a message or a log line", async () => {
    // A hostile or careless cloud: its error bodies repeat the Authorization header and the URL it received.
    const echoToken = "ECHO_TOKEN_d41d8cd98f00b204e9800998ecf8427e";
    let refuseLogin = false;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const said = `you sent ${req.headers.authorization} to ${req.url} with ${body}`;
        const login = req.url?.startsWith("/login") || req.url?.startsWith("/oauth2/token");
        res.setHeader("Content-Type", "application/json");
        if (login && !refuseLogin) {
          res.end(JSON.stringify({ bearer_token: echoToken, access_token: echoToken, expires_in: 3600 }));
        } else if (login) {
          res.statusCode = 401;
          res.end(JSON.stringify({ error: "invalid_client", error_description: said }));
        } else {
          res.statusCode = 400;
          res.end(JSON.stringify({ message: said, error: { message: said } }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const before = seen.length;
    try {
      await scenario("echoing cloud: data requests", { server: () => url, expect: "API_ERROR" });
      refuseLogin = true;
      await scenario("echoing cloud: login refused", { server: () => url, expect: "AUTH_FAILED" });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    const found = seen.slice(before).flatMap((s) => leaks(s, secrets([echoToken])));
    assert.deepEqual(found, []);
    // The cloud's own words still reach the flow, with the secrets taken out.
    const m = seen[before].messages.find((x) => x.node === "flatpeak:devicecloud-get-device")!;
    assert.match(m.error.message, /you sent .*\[redacted\]/);
  });

  it("the flow the runtime holds (what an export or a flows file gets) has no credentials; they are kept apart", async () => {
    await loadFlow([{ id: "h", type: "helper" }]);
    const h = helper as any;
    const flows = [
      { id: "t1", type: "tab", label: "test" },
      // As the editor deploys them: the credentials travel with the node and the runtime takes them out.
      { id: "acc-f", type: "devicecloud-account", provider: "flatpeak", server: sim.url, credentials: { ...SECRETS.flatpeak } },
      { id: "acc-b", type: "devicecloud-account", provider: "blynk", server: sim.url, credentials: { ...SECRETS.blynk } },
      { id: "n1", z: "t1", type: "devicecloud-get-device", account: "acc-f", wires: [["h"]] },
      { id: "h", z: "t1", type: "helper" },
    ];
    const started = new Promise<void>((resolve) => h._events.once("flows:started", () => resolve()));
    await h._redNodes.setFlows(flows, null, "full");
    await started;
    const held = JSON.stringify(h._redNodes.getFlows());
    for (const s of [SECRETS.flatpeak.clientId, SECRETS.flatpeak.clientSecret, SECRETS.blynk.clientId, SECRETS.blynk.clientSecret]) {
      assert.ok(!held.includes(s), `the flow holds ${s.slice(0, 8)}…`);
    }
    assert.deepEqual(h._redNodes.getCredentials("acc-f"), SECRETS.flatpeak, "the runtime keeps them in its credentials store");
    // And the node works with them.
    const got = new Promise<Record<string, any>>((r) => helper.getNode("h").once("input", r));
    helper.getNode("n1").receive({ deviceId: fp[0] } as never);
    assert.equal((await got).payload.id, fp[0]);
  });

  it("the editor's Test connection answers without a secret, right or wrong", async () => {
    await loadFlow([{ id: "h", type: "helper" }]);
    for (const clientSecret of [SECRETS.flatpeak.clientSecret, WRONG_SECRET]) {
      const res = await helper.request().post("/devicecloud/test").send({ provider: "flatpeak", server: sim.url, clientId: SECRETS.flatpeak.clientId, clientSecret });
      assert.equal(findSecret(res.text, secrets()), undefined, res.text);
      assert.equal(res.body.ok, clientSecret !== WRONG_SECRET, res.text);
    }
  });

  it("Test connection with no secret: missing on a new account, the stored one on a deployed account, never in the answer", async () => {
    await loadFlow([{ id: "acc", type: "devicecloud-account", provider: "flatpeak", server: sim.url }, { id: "h", type: "helper" }], { acc: SECRETS.flatpeak });
    const test = (body: Record<string, unknown>) =>
      helper.request().post("/devicecloud/test").send({ provider: "flatpeak", server: sim.url, clientId: SECRETS.flatpeak.clientId, ...body });
    const sent = sim.stats().requests;
    // A new account whose secret field is left empty (or not sent): no secret was ever stored, it is just missing.
    for (const body of [{ id: "new-acc", clientSecret: "" }, { id: "new-acc" }, { clientSecret: "" }]) {
      const res = await test(body);
      assert.equal(res.body.code, "INVALID_INPUT", res.text);
      assert.equal(res.body.message, "clientSecret: enter the API key (sk_live_… or sk_test_…) in the account node, or turn on simulate.");
    }
    // The placeholder of a saved secret on an account not deployed: a stored secret is used only once it is.
    const placeholder = await test({ id: "new-acc", clientSecret: "__PWRD__" });
    assert.equal(placeholder.body.code, "INVALID_INPUT", placeholder.text);
    assert.equal(placeholder.body.message, "clientSecret: enter the secret: a stored one is used only for an account that is deployed.");
    assert.equal(sim.stats().requests, sent, "nothing was sent");
    // A deployed account: the placeholder and an empty field both use its stored secret.
    for (const clientSecret of ["__PWRD__", ""]) {
      const res = await test({ id: "acc", clientSecret });
      assert.equal(res.body.ok, true, res.text);
      assert.equal(findSecret(res.text, secrets()), undefined, res.text);
    }
  });

  describe("transport security", () => {
    it("checks TLS certificates: a self-signed one on loopback ends in NETWORK naming the certificate, and nothing is sent", async function () {
      const { key, cert } = selfSigned();
      let requests = 0;
      const server = https.createServer({ key, cert }, (_req, res) => {
        requests++;
        res.end("{}");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      const port = (server.address() as AddressInfo).port;
      const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      try {
        const msgs = await scenario("self-signed certificate", { server: () => `https://localhost:${port}`, expect: "NETWORK" });
        const m = msgs.find((x) => x.node === "blynk:devicecloud-get-device")!;
        assert.match(m.error.message, /certificate/i);
        assert.match(m.error.message, new RegExp(`localhost:${port}`));
        assert.equal(requests, 0, "no request (and so no credential) reached the server");
      } finally {
        if (saved !== undefined) process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });

    it("sends plain http only to loopback", async () => {
      for (const ok of ["http://127.0.0.1:8787", "http://localhost:1880/x", "http://[::1]:80", "http://127.1.2.3", "https://fra1.blynk.cloud", "fra1.blynk.cloud", ""]) {
        assert.doesNotThrow(() => resolveBaseUrl("blynk", ok), ok);
      }
      for (const bad of [
        "http://example.com",
        "http://10.0.0.1",
        "http://192.168.1.20:8787",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://0.0.0.0",
        "ftp://127.0.0.1",
        "file:///etc/passwd",
        "https://user:pass@api.flatpeak.com",
        "https://api.flatpeak.com/?token=x",
      ]) {
        assert.throws(() => resolveBaseUrl("flatpeak", bad), (e: any) => e.code === "INVALID_INPUT" && /^server: /.test(e.message), bad);
      }
      // In a flow: INVALID_INPUT naming the server, for every node, and no connection is made.
      await scenario("plain http to another host", { server: () => "http://example.invalid", expect: "INVALID_INPUT" });
      const m = seen[seen.length - 1].messages.find((x) => x.node === "flatpeak:devicecloud-list-devices")!;
      assert.match(m.error.message, /^server: plain http:\/\//);
    });

    for (const status of [302, 307, 308]) {
      it(`never follows a ${status} redirect with credentials: API_ERROR naming the target, and the target receives nothing`, async () => {
        let received = 0;
        const target = http.createServer((_req, res) => {
          received++;
          res.end("{}");
        });
        await new Promise<void>((r) => target.listen(0, "127.0.0.1", () => r()));
        const to = `127.0.0.1:${(target.address() as AddressInfo).port}`;
        let redirectLogin = false;
        const origin = http.createServer((req, res) => {
          const login = req.url?.startsWith("/login") || req.url?.startsWith("/oauth2/token");
          if (login && !redirectLogin) {
            res.setHeader("Content-Type", "application/json");
            res.end(JSON.stringify({ bearer_token: "tok_origin_1234567890", access_token: "tok_origin_1234567890", expires_in: 3600 }));
            return;
          }
          res.writeHead(status, { Location: `http://${to}${req.url}` });
          res.end();
        });
        await new Promise<void>((r) => origin.listen(0, "127.0.0.1", () => r()));
        const from = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
        try {
          for (const what of ["data requests", "login"]) {
            redirectLogin = what === "login";
            const msgs = await scenario(`${status} redirect of the ${what}`, { server: () => from, expect: "API_ERROR" });
            for (const m of msgs.filter((x) => x.error?.code === "API_ERROR")) assert.match(m.error.message, new RegExp(`${status}.*redirect to ${to.replace(/\./g, "\\.")}`), m.error.message);
          }
          assert.equal(received, 0, "the other host received nothing");
        } finally {
          for (const s of [origin, target]) {
            s.closeAllConnections();
            await new Promise<void>((r) => s.close(() => r()));
          }
        }
      });
    }
  });
});
