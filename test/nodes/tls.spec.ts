/**
 * The account's optional TLS configuration (core `tls-config` node): a loopback TLS server with a CA of its own in
 * front of the simulator. Without the configuration the certificate is refused with a clear error and nothing
 * reaches the cloud; with its CA the account works; a server that asks for a client certificate lets the account
 * in only when the configuration gives one. The configuration's key and passphrase never leave it.
 */
import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { SECRETS, findSecret, withSimulator } from "../support/sim";
import { ALL_NODES, account, freshRuntimeEach, helper, statuses } from "../support/nodes";
import { PROXIED_NAME, loopbackProxy, privatePki, tlsFront, type PrivatePki } from "../support/tls";

const TLS_NODE = require("@node-red/nodes/core/network/05-tls.js");

describe("the account's TLS configuration (tls-config), against a loopback TLS server with its own CA", function () {
  this.timeout(30_000);
  let sim: Simulator;
  let pki: PrivatePki;
  let front: Awaited<ReturnType<typeof tlsFront>>;
  before(async () => {
    pki = privatePki();
    sim = await withSimulator({ blynkDevices: 20, flatpeakDevices: 5 });
  });
  after(async () => {
    await sim.close();
  });
  freshRuntimeEach(() => sim);
  afterEach(() => front?.close());

  const deviceId = () => sim.fleet.blynk.devices.find((d) => d.orgId === sim.fleet.blynk.orgs[0].id)!.id;

  /** An account on `front`, a get device with a Catch, and (when given) a tls-config with those credentials. */
  async function load(tlsCreds?: Record<string, string>, server = front.url, verifyservercert = true) {
    const a = account(sim, "blynk", "acc", { server, ...(tlsCreds ? { tls: "tls" } : {}) });
    const flow: Array<Record<string, unknown>> = [
      { id: "t1", type: "tab", label: "test" },
      a.node,
      { id: "get", type: "devicecloud-get-device", z: "t1", account: "acc", wires: [["out"]] },
      { id: "out", type: "helper", z: "t1" },
      { id: "c", type: "catch", z: "t1", scope: null, uncaught: false, wires: [["caught"]] },
      { id: "caught", type: "helper", z: "t1" },
    ];
    const creds: Record<string, unknown> = { ...a.creds };
    if (tlsCreds) {
      flow.push({ id: "tls", type: "tls-config", name: "company CA", cert: "", key: "", ca: "", certname: "", keyname: "", caname: "", servername: "", verifyservercert });
      creds.tls = tlsCreds;
    }
    await helper.load([...ALL_NODES, TLS_NODE], flow as never, creds as never);
    return statuses("get");
  }

  /** Sends one get device; resolves with the message at the output or at the Catch. */
  function ask(): Promise<{ out?: Record<string, any>; caught?: Record<string, any> }> {
    return new Promise((resolve) => {
      helper.getNode("out").once("input", (m: Record<string, any>) => resolve({ out: m }));
      helper.getNode("caught").once("input", (m: Record<string, any>) => resolve({ caught: m }));
      helper.getNode("get").receive({ payload: deviceId() });
    });
  }

  it("without a TLS configuration, the server's certificate is refused with a clear NETWORK error after one handshake, and nothing reaches the cloud", async () => {
    front = await tlsFront(new URL(sim.url), pki.server);
    await load();
    const { caught } = await ask();
    assert.equal(caught?.error.code, "NETWORK");
    assert.match(caught!.error.message, /^Login failed: Could not reach localhost:\d+: its TLS certificate was not accepted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): no CA this account trusts signed it \(if your own CA did, add it in a TLS configuration on the account\)\.$/);
    assert.equal(front.handshakes(), 1, "the login is not tried again: the next handshake meets the same certificate");
    assert.equal(front.forwarded(), 0);
    assert.equal(sim.stats().requests, 0, "no login, no request");
  });

  it("with the CA in a TLS configuration, the account works", async () => {
    front = await tlsFront(new URL(sim.url), pki.server);
    await load({ cadata: pki.ca });
    const { out, caught } = await ask();
    assert.equal(caught, undefined, JSON.stringify(caught?.error));
    assert.equal(out!.payload.id, deviceId());
    assert.ok(front.forwarded() >= 1);
  });

  it("a TLS configuration with Verify server certificate unticked turns the check off, as for Node-RED's own nodes", async () => {
    front = await tlsFront(new URL(sim.url), pki.server);
    await load({}, front.url, false);
    const { out, caught } = await ask();
    assert.equal(caught, undefined, JSON.stringify(caught?.error));
    assert.equal(out!.payload.id, deviceId());
  });

  it("a server that asks for a client certificate lets the account in only when the TLS configuration gives one", async () => {
    front = await tlsFront(new URL(sim.url), pki.server, { ca: pki.ca, requestCert: true });
    await load({ cadata: pki.ca });
    const refused = await ask();
    assert.equal(refused.caught?.error.code, "NETWORK");
    assert.match(refused.caught!.error.message, /^Login failed: Could not reach localhost:\d+: it asks for a client certificate \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\); give one in a TLS configuration on the account\.$/);
    assert.equal(front.handshakes(), 1, "the login is not tried again without a client certificate");
    assert.equal(front.forwarded(), 0);
    assert.equal(sim.stats().requests, 0);
    await helper.unload();

    const seen = await load({ cadata: pki.ca, certdata: pki.client.cert, keydata: pki.client.key, passphrase: pki.client.passphrase });
    const log = helper.log();
    const { out, caught } = await ask();
    assert.equal(caught, undefined, JSON.stringify(caught?.error));
    assert.equal(out!.payload.id, deviceId());
    assert.ok(front.forwarded() >= 1);
    // The key and its passphrase stay in the tls-config node's credentials: not in the account, a message, a status
    // or the log.
    const keyBody = pki.client.key.split("\n")[1];
    const secrets = [pki.client.passphrase, keyBody, SECRETS.blynk.clientSecret];
    const everything = JSON.stringify([refused, out, seen, log.args.map((a) => a.map(String))]);
    assert.ok(everything.includes(String(deviceId())) && everything.includes("client certificate"), "the scan sees the messages");
    assert.equal(findSecret(everything, secrets), undefined);
    // The flow the runtime holds (what an export or a flows file gets): the account names the TLS configuration only.
    const held = (helper as any)._redNodes.getFlows().flows as Array<Record<string, unknown>>;
    assert.equal(held.find((n) => n.id === "acc")!.tls, "tls");
    assert.equal(findSecret(held, [...secrets, pki.client.cert.split("\n")[1]]), undefined);
  });

  it("applies through a proxy tunnel (HTTPS_PROXY) too: the client certificate reaches the server behind it", async () => {
    front = await tlsFront(new URL(sim.url), pki.server, { ca: pki.ca, requestCert: true });
    const proxy = await loopbackProxy();
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY, https_proxy: process.env.https_proxy, no_proxy: process.env.no_proxy };
    for (const k of Object.keys(saved)) delete process.env[k];
    process.env.HTTPS_PROXY = proxy.url;
    try {
      await load({ cadata: pki.ca, certdata: pki.client.cert, keydata: pki.client.key, passphrase: pki.client.passphrase }, `https://${PROXIED_NAME}:${front.port}`);
      const { out, caught } = await ask();
      assert.equal(caught, undefined, JSON.stringify(caught?.error));
      assert.equal(out!.payload.id, deviceId());
      assert.ok(proxy.tunnels.length >= 1 && proxy.tunnels.every((t) => t === `${PROXIED_NAME}:${front.port}`), JSON.stringify(proxy.tunnels));
      assert.ok(front.forwarded() >= 1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await proxy.close();
    }
  });

  it("a wrong passphrase is INVALID_INPUT naming the TLS configuration, before anything is sent, without the passphrase", async () => {
    front = await tlsFront(new URL(sim.url), pki.server, { ca: pki.ca, requestCert: true });
    await load({ cadata: pki.ca, certdata: pki.client.cert, keydata: pki.client.key, passphrase: "not-the-PASSPHRASE-0000" });
    const { caught } = await ask();
    assert.equal(caught?.error.code, "INVALID_INPUT");
    assert.match(caught!.error.message, /^tls: the TLS configuration's certificate, key or CA cannot be used \((bad decrypt|unsupported)\): check them and the passphrase\.$/);
    assert.ok(!caught!.error.message.includes("not-the-PASSPHRASE"));
    assert.equal(sim.stats().requests, 0);
    assert.equal(front.forwarded(), 0);
  });

  it("Test connection uses the deployed TLS configuration the editor names", async () => {
    front = await tlsFront(new URL(sim.url), pki.server, { ca: pki.ca, requestCert: true });
    await load({ cadata: pki.ca, certdata: pki.client.cert, keydata: pki.client.key, passphrase: pki.client.passphrase });
    const body = { id: "acc", provider: "blynk", server: front.url, timeout: 30, ...SECRETS.blynk };
    const withTls = await helper.request().post("/devicecloud/test").send({ ...body, tls: "tls" });
    assert.equal(withTls.body.ok, true, JSON.stringify(withTls.body));
    const without = await helper.request().post("/devicecloud/test").send(body);
    assert.deepEqual([without.body.ok, without.body.code], [false, "NETWORK"]);
    const unknown = await helper.request().post("/devicecloud/test").send({ ...body, tls: "not-deployed" });
    assert.deepEqual([unknown.body.code, /^tls: /.test(unknown.body.message)], ["INVALID_INPUT", true]);
  });
});
