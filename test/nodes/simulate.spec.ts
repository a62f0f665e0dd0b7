import assert from "node:assert/strict";
import path from "node:path";
import { firstOut, freshRuntimeEach, helper, loadFlow, nextMessages } from "../support/nodes";

// The same module instance the compiled nodes use.
const host = require(path.join(__dirname, "..", "..", "..", "nodes", "runtime", "simulator-host.js"));

describe("accounts with simulate on", function () {
  freshRuntimeEach();

  it("need no credentials, share one in-process simulator, and stop it when the last one closes", async () => {
    await loadFlow([
      { id: "a1", type: "devicecloud-account", provider: "flatpeak", simulate: true },
      { id: "a2", type: "devicecloud-account", provider: "blynk", simulate: true },
      { id: "n1", type: "devicecloud-list-devices", account: "a1", max: 5, wires: [["out"]] },
      { id: "n2", type: "devicecloud-list-devices", account: "a2", max: 5, wires: [["out2"]] },
      { id: "out", type: "helper" },
      { id: "out2", type: "helper" },
    ]);
    const [m1, m2] = await firstOut(["n1", {}, "out"], ["n2", {}, "out2"]);
    assert.equal(m1.payload.length, 5);
    assert.ok(String(m1.payload[0].id).startsWith("dev_"));
    assert.equal(m2.payload.length, 5);
    assert.equal(typeof m2.payload[0].id, "number");
    const sim = await host.currentSimulator();
    assert.ok(sim, "one simulator is running");
    assert.equal(sim.stats().logins.flatpeak, 1);
    assert.equal(sim.stats().logins.blynk, 1);
    await helper.unload();
    assert.equal(host.currentSimulator(), undefined, "stopped with the last account");
  });

  it("serve no control API: a local process can neither inject faults nor read the stats of the hosted simulator", async () => {
    await loadFlow([
      { id: "a1", type: "devicecloud-account", provider: "flatpeak", simulate: true },
      { id: "n1", type: "devicecloud-list-devices", account: "a1", max: 2, wires: [["out"]] },
      { id: "out", type: "helper" },
    ]);
    const got = nextMessages("out");
    helper.getNode("n1").receive({});
    await got;
    const sim = await host.currentSimulator();
    const post = await fetch(`${sim.url}/_simulator/faults`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ status: 500 }) });
    assert.equal(post.status, 404);
    await post.text();
    const stats = await fetch(`${sim.url}/_simulator/stats`);
    assert.equal(stats.status, 404);
    assert.equal(((await stats.json()) as { message: string }).message, "Not Found");
    const again = nextMessages("out");
    helper.getNode("n1").receive({});
    const [m] = await again;
    assert.equal(m.payload.length, 2, "the flow still works: no fault was set");
  });
});
