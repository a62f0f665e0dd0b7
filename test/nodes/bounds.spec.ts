/**
 * Bounds at the nodes (issue 11), in a Node-RED runtime against the simulator: the account's timeout range, and
 * list output that does not copy the incoming payload for every item (a payload of about 1 MB as JSON).
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Simulator } from "../../src/simulator";
import { findSecret, SECRETS, simulatorForSuite, sleep } from "../support/sim";
import { account, freshRuntimeEach, helper, loadFlow, nextMessages } from "../support/nodes";

describe("bounds at the nodes", function () {
  this.timeout(60_000);
  let sim: Simulator;
  simulatorForSuite((s) => (sim = s));
  freshRuntimeEach(() => sim);

  async function getDeviceWith(timeout: unknown): Promise<Record<string, any>> {
    const a = account(sim, "flatpeak", "acc", timeout === undefined ? {} : { timeout });
    await loadFlow(
      [
        a.node,
        { id: "n1", type: "devicecloud-get-device", account: "acc", wires: [["out"]] },
        { id: "c", type: "catch", scope: ["n1"], wires: [["out"]] },
        { id: "out", type: "helper" },
      ],
      a.creds,
    );
    const got = nextMessages("out");
    helper.getNode("n1").receive({ deviceId: sim.fleet.flatpeak.devices[0].id });
    return (await got)[0];
  }

  for (const timeout of [0, 0.5, 601, -3, "soon", true]) {
    it(`an account timeout of ${JSON.stringify(timeout)} fails every message with INVALID_INPUT naming timeout, nothing sent`, async () => {
      const msg = await getDeviceWith(timeout);
      assert.equal(msg.error?.code, "INVALID_INPUT", JSON.stringify(msg.error));
      assert.match(msg.error.message, /^timeout: .*from 1 to 600/);
      assert.equal(sim.stats().requests, 0);
    });
  }

  for (const timeout of [1, 600, "45", undefined, ""]) {
    it(`an account timeout of ${JSON.stringify(timeout)} is taken`, async () => {
      const msg = await getDeviceWith(timeout);
      assert.equal(msg.error, undefined, JSON.stringify(msg.error));
      assert.equal(msg.payload.id, sim.fleet.flatpeak.devices[0].id);
    });
  }

  it("output device: a 1 MB payload through 2,400 devices is not copied per device (the heap stays flat)", async function () {
    const a = account(sim, "blynk");
    await loadFlow(
      [
        a.node,
        { id: "n1", type: "devicecloud-list-devices", account: "acc", output: "device", includeSubOrgs: true, wires: [["out"]] },
        { id: "out", type: "helper" },
      ],
      a.creds,
    );
    let received = 0;
    let lastParts: Record<string, any> | undefined;
    let biggest = 0;
    const finished = new Promise<void>((resolve) => {
      helper.getNode("out").on("input", (msg: Record<string, any>) => {
        received++;
        biggest = Math.max(biggest, JSON.stringify(msg.payload).length);
        if (msg.parts?.count !== undefined) {
          lastParts = msg.parts;
          resolve();
        }
      });
    });
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    try {
      // An object, not a string: a string is shared by every copy, an object is copied whole each time.
      helper.getNode("n1").receive({ payload: { readings: Array.from({ length: 150_000 }, (_, i) => i) }, topic: "fleet" });
      await finished;
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    const grewMb = (peak - base) / 1024 / 1024;
    console.log(`      [heap] ${received} device messages from a 1 MB input: heap grew by at most ${grewMb.toFixed(1)} MB`);
    assert.equal(received, lastParts!.count);
    assert.equal(received, 2400, "every device of the organization and its sub-organizations");
    assert.ok(biggest < 10_000, "each message holds a device, not the input");
    // One copy of the input per device would be 2.4 GB; the listing itself takes a few MB.
    assert.ok(grewMb < 150, `heap grew by ${grewMb.toFixed(1)} MB`);
  });

  describe("admin routes", () => {
    const testBody = (extra: Record<string, unknown> = {}) => ({
      provider: "flatpeak",
      server: sim.url,
      clientId: SECRETS.flatpeak.clientId,
      clientSecret: SECRETS.flatpeak.clientSecret,
      ...extra,
    });

    it("Test connection takes only a JSON body: a form body is 415 and nothing is sent", async () => {
      await loadFlow([]);
      const res = await helper.request().post("/devicecloud/test").type("form").send(testBody());
      assert.equal(res.status, 415);
      assert.equal(res.body.code, "INVALID_INPUT");
      assert.equal(sim.stats().requests, 0);
    });

    it("Test connection answers TIMEOUT within its 30 s deadline even with an account timeout of 600 s, and no secret", async function () {
      this.timeout(60_000);
      await loadFlow([]);
      sim.addFault({ path: "/devices", hang: true });
      const t0 = Date.now();
      const res = await helper.request().post("/devicecloud/test").send(testBody({ timeout: 600 }));
      const took = Date.now() - t0;
      assert.equal(res.body.ok, false);
      assert.equal(res.body.code, "TIMEOUT", JSON.stringify(res.body));
      assert.ok(took >= 29_000 && took < 40_000, `answered after ${took} ms`);
      assert.equal(findSecret(res.body, [SECRETS.flatpeak.clientSecret]), undefined);
      assert.ok(await waitUntil(() => sim.stats().inFlight === 0, 2000), "the hanging request was given up");
    });

    /**
     * Asks a route over a raw socket while the cloud hangs on /devices, and goes away once that request is at the
     * cloud. Every wait is bounded: the request must reach the cloud within 10 s, be closed within 5 s of the
     * browser leaving (the account's timeout is 600 s, so only the route's abort can close it), and no request
     * may follow in the next second.
     */
    async function leaveWhileCloudHangs(method: "GET" | "POST", route: string, body?: unknown): Promise<string> {
      sim.addFault({ path: "/devices", hang: true });
      const atDevices = () => Object.entries(sim.stats().byRoute).some(([k, n]) => k.endsWith(" /devices") && n > 0);
      // The helper's admin app (what helper.request() asks) on a loopback port of this test's own, for a raw socket.
      const admin = http.createServer((helper as any)._httpAdmin);
      await new Promise<void>((r) => admin.listen(0, "127.0.0.1", () => r()));
      const answered: string[] = [];
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const url = `http://127.0.0.1:${(admin.address() as AddressInfo).port}${route}`;
      const req = http.request(url, { method, headers: payload ? { "Content-Type": "application/json" } : {} });
      req.on("response", (res) => answered.push(String(res.statusCode)));
      req.on("error", () => undefined); // the socket this test destroys
      req.end(payload);
      try {
        assert.ok(await waitUntil(() => atDevices() && sim.stats().inFlight === 1, 10_000), `the request did not reach the cloud: ${JSON.stringify(sim.stats().byRoute)}`);
        const sent = sim.stats().requests;
        const left = Date.now();
        req.destroy();
        assert.ok(await waitUntil(() => sim.stats().inFlight === 0, 5_000), "the cloud request was still open 5 s after the browser went away");
        const closedAfter = Date.now() - left;
        await sleep(1_000);
        assert.equal(sim.stats().inFlight, 0, "nothing opened again");
        assert.equal(sim.stats().requests, sent, "nothing was sent after the browser went away");
        assert.deepEqual(answered, [], "the browser was gone before any answer");
        return `closed ${closedAfter} ms after the browser went away`;
      } finally {
        req.destroy();
        sim.clearFaults();
        admin.closeAllConnections();
        await new Promise<void>((r) => admin.close(() => r()));
      }
    }

    it("the device list stops its cloud request when the browser goes away", async () => {
      const a = account(sim, "flatpeak", "acc", { timeout: 600 });
      await loadFlow([a.node], a.creds);
      const took = await leaveWhileCloudHangs("GET", "/devicecloud/accounts/acc/devices");
      console.log(`      [abort] device list: ${took}`);
    });

    it("Test connection stops its cloud requests when the browser goes away", async () => {
      await loadFlow([]);
      const took = await leaveWhileCloudHangs("POST", "/devicecloud/test", testBody({ timeout: 600 }));
      console.log(`      [abort] Test connection: ${took}`);
    });
  });
});

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await sleep(20);
  }
  return true;
}
