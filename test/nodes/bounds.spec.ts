/**
 * Bounds at the nodes (issue 11), in a Node-RED runtime against the simulator: the account's timeout range, and
 * list output that does not copy the incoming payload for every item.
 */
import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { withSimulator } from "../support/sim";
import { account, freshRuntimeEach, helper, loadFlow, nextMessages } from "../support/nodes";

describe("bounds at the nodes", function () {
  this.timeout(60_000);
  let sim: Simulator;
  before(async () => {
    sim = await withSimulator();
  });
  after(() => sim.close());
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
});
