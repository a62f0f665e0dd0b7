/**
 * Redeploy and close while requests are in flight: pending requests are cancelled, nothing is sent, reported or
 * shown after close, and after many redeploys no socket, timer or listener is left behind.
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { Simulator } from "../../src/simulator";
import { clientFor, collect, withSimulator } from "../support/sim";
import { account, helper, loadFlow } from "../support/nodes";
import { FLOW_TYPES, activeResources, grown, prng, recordCalls, seedFor, sleep, startHelper, stopHelper, trackResources, trapUnhandled, waitFor, type Call } from "./helpers";

// The same module instance the compiled nodes use (the built-in simulator of accounts with simulate on).
const host = require(path.join(__dirname, "..", "..", "..", "nodes", "runtime", "simulator-host.js"));

describe("reliability: redeploy and close with requests in flight", function () {
  this.timeout(60_000);
  let sim: Simulator;
  let fp: string[] = [];
  let bl: number[] = [];
  const seed = seedFor("redeploy");

  before(async () => {
    sim = await withSimulator({ blynkDevices: 600 });
    const f = clientFor(sim, "flatpeak");
    const b = clientFor(sim, "blynk");
    try {
      fp = (await collect(f.listDevices())).map((d) => d.id as string);
      bl = (await collect(b.listDevices())).map((d) => d.id as number);
    } finally {
      f.close();
      b.close();
    }
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearFaults();
    sim.setLatency(0);
    return startHelper();
  });
  afterEach(async () => {
    sim.setLatency(0);
    await stopHelper();
  });

  /** Both accounts (and, when asked, one with simulate on), every node type on each, a Catch, two helpers. */
  function flow(variant: number, withSimulate: boolean) {
    const a = account(sim, "flatpeak", "accf", { timeout: 5 + (variant % 3) });
    const b = account(sim, "blynk", "accb", { timeout: 5 + (variant % 3) });
    const nodes: Array<Record<string, unknown>> = [a.node, b.node];
    const accounts = [
      ["accf", "flatpeak"],
      ["accb", "blynk"],
    ];
    if (withSimulate) {
      nodes.push({ id: "accs", type: "devicecloud-account", provider: "blynk", simulate: true });
      accounts.push(["accs", "blynk-sim"]);
    }
    const flowNodes: string[] = [];
    for (const [acc, p] of accounts) {
      for (const type of FLOW_TYPES) {
        const id = `${p}:${type}`;
        flowNodes.push(id);
        nodes.push({ id, type, account: acc, name: `v${variant}`, max: type.startsWith("devicecloud-list") ? 30 : undefined, wires: [["out"]] });
      }
    }
    nodes.push({ id: "c", type: "catch", scope: null, uncaught: false, wires: [["caught"]] }, { id: "out", type: "helper" }, { id: "caught", type: "helper" });
    return { nodes, creds: { ...a.creds, ...b.creds }, flowNodes };
  }

  function input(id: string, i: number): Record<string, unknown> {
    const blynk = id.startsWith("blynk");
    const msg: Record<string, unknown> = { seq: i, deviceId: blynk ? bl[i % bl.length] : fp[i % fp.length] };
    if (id.endsWith("trigger-event")) msg.eventCode = "high_temperature";
    if (id.endsWith("datastream")) {
      msg.datastream = "V5";
      msg.payload = 20;
    }
    if (id.endsWith("update-metafield")) {
      msg.metafieldId = 3;
      msg.payload = `v${i}`;
    }
    return msg;
  }

  it("close cancels the pending requests: nothing is sent, reported or shown afterwards, and the simulator's connections close", async () => {
    const f = flow(0, false);
    await loadFlow(f.nodes, f.creds);
    const calls = new Map<string, Call[]>(f.flowNodes.map((id) => [id, recordCalls(helper.getNode(id))]));
    let delivered = 0;
    helper.getNode("out").on("input", () => delivered++);
    helper.getNode("caught").on("input", () => delivered++);
    sim.setLatency(2000); // every request stays in flight until the close
    const trap = trapUnhandled();
    try {
      let i = 0;
      for (const id of f.flowNodes) for (let k = 0; k < 40; k++) helper.getNode(id).receive(input(id, i++));
      // Past the logins: each account's 32 slots are taken at the simulator and many more requests wait in the
      // accounts' queues. Waiting for all 64 to arrive (not merely some) makes the count below mean "sent before the
      // close": on a loaded machine a request written before the close can otherwise be counted after it.
      assert.ok(await waitFor(() => sim.stats().inFlight >= 64, 10_000), `requests in flight: ${sim.stats().inFlight}`);
      const unsupported = delivered; // UNSUPPORTED ends at once, before any request
      await helper.unload();
      const closedAt = Date.now();
      const before = { delivered, requests: sim.stats().requests };
      // Cancelled, not waited for: the connections close long before the 2 s latency would have answered.
      assert.ok(await waitFor(() => sim.stats().inFlight === 0, 500), `still in flight at the simulator: ${sim.stats().inFlight}`);
      await sleep(2500);
      const late = [...calls].flatMap(([id, cs]) => cs.filter((c) => c.at > closedAt).map((c) => `${id} ${c.kind} ${JSON.stringify(c.args[0])?.slice(0, 80)}`));
      assert.deepEqual(late, [], "no send, error, status, log or completion after close");
      assert.equal(delivered, before.delivered, "no message reached an output or a Catch after close");
      assert.equal(sim.stats().requests, before.requests, "no queued request was sent after close");
      assert.ok(before.requests < i - unsupported, "most requests were still queued at the close");
      assert.deepEqual(trap.seen.map(String), []);
      console.log(`      [close] ${i} messages, ${unsupported} ended before any request (UNSUPPORTED), ${before.requests} requests reached the simulator, the rest was cancelled`);
    } finally {
      trap.stop();
    }
  });

  it("30 redeploys (full deploys and reloads) with requests in flight leave no socket, timer or listener behind", async function () {
    const rnd = prng(seed);
    let redeploysWithInFlight = 0;
    let waitedAtSimulator = 0;
    const listeners = () => process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
    const cycle = async (variant: number, mode: "load" | "deploy") => {
      const f = flow(variant, true);
      if (mode === "load") await loadFlow(f.nodes, f.creds);
      else {
        const all = [{ id: "t1", type: "tab", label: "test" }, ...f.nodes.map((n, i) => (n.type === "devicecloud-account" ? n : { z: "t1", x: 100, y: 40 * (i + 1), ...n }))];
        // What a full deploy from the editor does. (The helper's setFlows waits at most 300 ms for the flows to
        // start, which a loaded machine can miss.) The runtime answers before the new flows run: wait for that.
        const h = helper as any;
        const started = new Promise<void>((resolve) => h._events.once("flows:started", () => resolve()));
        await h._redNodes.setFlows(all, f.creds, "full");
        await started;
      }
      let i = 0;
      for (const id of f.flowNodes) for (let k = 0; k < rnd.int(0, 6); k++) helper.getNode(id).receive(input(id, i++));
      // The redeploy meets the requests at every stage: still queued or logging in, at the simulator (waited for, as a
      // loaded machine can take longer than any fixed pause to get them there), or answered (idle keep-alive sockets).
      const stage = i === 0 ? "queued" : rnd.pick(["queued", "queued", "atSimulator", "atSimulator", "answered"] as const);
      if (stage === "queued") await sleep(rnd.pick([0, 20]));
      else if (stage === "atSimulator") waitedAtSimulator++;
      else await sleep(400);
      // A cycle whose messages all fail their checks, or a machine too loaded to get them there in 3 s, has none.
      const inFlight = stage === "atSimulator" ? await waitFor(() => sim.stats().inFlight > 0, 3000, 2) : sim.stats().inFlight > 0;
      if (inFlight) redeploysWithInFlight++;
    };
    // A first round creates what lives as long as the process (the runtime's own timers, module caches).
    await cycle(0, "load");
    await helper.unload();
    await waitFor(() => sim.stats().inFlight === 0 && host.currentSimulator() === undefined, 3000);
    await sleep(200);
    const before = activeResources();
    const listenersBefore = listeners();
    const trap = trapUnhandled();
    const created = trackResources();
    const t0 = Date.now();
    sim.setLatency(80);
    try {
      for (let round = 1; round <= 30; round++) {
        // Half reloads (stop everything, load again), half full deploys over the running flow.
        if (round <= 15) {
          await cycle(round, "load");
          await helper.unload();
        } else {
          if (round === 16) await cycle(round, "load");
          else await cycle(round, "deploy");
        }
      }
      await helper.unload();
      sim.setLatency(0);
      assert.ok(await waitFor(() => sim.stats().inFlight === 0, 3000), "the simulator's connections are all closed");
      assert.equal(host.currentSimulator(), undefined, "the built-in simulator stopped with the last account using it");
      // Sockets close on both ends a moment after destroy(): give them that moment.
      // (The simulator's own latency timers of the last requests run out a moment later too.)
      const settled = await waitFor(() => grown(before, activeResources(), 2).length === 0 && (created.live().TCPWRAP ?? 0) === 0 && (created.live().Timeout ?? 0) <= 2, 3000, 50);
      const after = activeResources();
      const left = created.live();
      console.log(
        `      [redeploy] 30 redeploys in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${redeploysWithInFlight} of them began with requests in flight at the simulator; ` +
          `active resources before ${JSON.stringify(before)}, after ${JSON.stringify(after)}; created during the redeploys and still alive: ${JSON.stringify(left)}; ` +
          `process listeners ${listenersBefore} → ${listeners()}`,
      );
      assert.ok(settled, `resources left behind: ${grown(before, after, 2).join(", ")}`);
      // Sockets, servers and timers made during the redeploys (unref'd ones included: an idle keep-alive socket).
      assert.equal(left.TCPWRAP ?? 0, 0, "no socket left");
      assert.equal(left.TCPSERVERWRAP ?? 0, 0, "no server left (the built-in simulator stopped)");
      assert.ok((left.Timeout ?? 0) <= 2, `timers left: ${left.Timeout}\n${created.stacks("Timeout").join("\n\n")}`);
      assert.ok(listeners() <= listenersBefore + 1, `process listeners ${listenersBefore} → ${listeners()}`);
      assert.deepEqual(trap.seen.map(String), []);
      assert.ok(waitedAtSimulator >= 3 && redeploysWithInFlight >= 3, `redeploys with requests in flight: ${redeploysWithInFlight} (${waitedAtSimulator} waited for)`);
    } finally {
      created.stop();
      trap.stop();
    }
  });
});
