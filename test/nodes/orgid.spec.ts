import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { simulatorForSuite } from "../support/sim";
import { account, freshRuntimeEach, helper, nextMessages } from "../support/nodes";
import { loadFleetFlow } from "../support/fleet";

describe("list devices: a Blynk (sub-)organization (orgId)", function () {
  let sim: Simulator;
  simulatorForSuite((s) => (sim = s), { blynkDevices: 300, flatpeakDevices: 10 });
  freshRuntimeEach(() => sim);

  const bl = () => sim.fleet.blynk;
  const run = async (node: Record<string, unknown>, msg: Record<string, unknown> = {}) => {
    const a = account(sim, "blynk");
    await loadFleetFlow(
      [
        a.node,
        { id: "n", type: "devicecloud-list-devices", account: "acc", ...node, wires: [["out"]] },
        { id: "c", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
        { id: "out", type: "helper" },
        { id: "caught", type: "helper" },
      ],
      a.creds,
    );
    const out = nextMessages("out");
    const caught = nextMessages("caught");
    helper.getNode("n").receive(msg);
    return Promise.race([out.then(([m]) => ({ payload: m.payload, error: undefined })), caught.then(([m]) => ({ payload: undefined, error: m.error }))]);
  };

  it("lists all devices of a sub-organization (node field), an owner's devices by organization (msg.orgId), and its recent activations", async () => {
    const [main, sub] = bl().orgs;
    const inSub = bl().devices.filter((d) => d.orgId === sub.id);
    const all = await run({ orgId: String(sub.id), orgIdType: "num" });
    assert.deepEqual(all.payload.map((d: { id: number }) => d.id).sort(), inSub.map((d) => d.id).sort());

    // An owner's devices are in the owner's organization: asked in that one they are listed, in another none.
    const owner = bl().users.find((u) => u.orgId === sub.id && bl().devices.some((d) => d.ownerUserId === u.id));
    assert.ok(owner, "the fleet has an owner in the sub-organization");
    await helper.unload();
    const there = await run({ listBy: "owner", email: owner.email, emailType: "str" }, { orgId: sub.id });
    const expected = bl().devices.filter((d) => d.ownerUserId === owner.id).map((d) => d.id).sort();
    assert.deepEqual(there.payload.map((d: { id: number }) => d.id).sort(), expected);
    await helper.unload();
    const elsewhere = await run({ listBy: "owner", email: owner.email, emailType: "str" }, { orgId: main.id });
    assert.deepEqual(elsewhere.payload, []);
    await helper.unload();
    const recentSub = await run({ listBy: "activated", minutes: 60, orgId: String(sub.id), orgIdType: "num" });
    assert.deepEqual(recentSub.payload, [], "recent activations are in the main organization");
    await helper.unload();
    const recentMain = await run({ listBy: "activated", minutes: 60, orgId: String(main.id), orgIdType: "num" });
    assert.ok(recentMain.payload.length > 0);
  });

  it("an orgId on a search or on a user's organization is INVALID_INPUT naming orgId, and nothing is sent", async () => {
    const search = await run({ query: "Thermostat", orgId: "5", orgIdType: "num" });
    assert.equal(search.error.code, "INVALID_INPUT");
    assert.match(search.error.message, /^orgId: /);
    await helper.unload();
    const userOrg = await run({ listBy: "userOrg", email: "a@example.com", emailType: "str" }, { orgId: 5 });
    assert.match(userOrg.error.message, /^orgId: /);
    assert.equal(sim.stats().requests, 0);
  });
});
