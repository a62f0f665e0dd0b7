import assert from "node:assert/strict";
import path from "node:path";
import { freshRuntimeEach, helper, nextMessages } from "../support/nodes";
import { loadFleetFlow } from "../support/fleet";

// The same module instance the compiled nodes use.
const host = require(path.join(__dirname, "..", "..", "..", "nodes", "runtime", "simulator-host.js"));

const RELEASES = [
  ["zero", "2024-08-24.zero"],
  ["anode", "2025-09-14.anode"],
  ["busbar", "2026-08-01.busbar"],
  ["yotta", "2027-01-01.yotta"],
] as const;

/**
 * Every Flatpeak node on an account of each release: simulated accounts whose API version picks the simulator's
 * account on that release (so each request is answered in that release's shapes, and a body of another release
 * would be refused with 400 parameter_unknown).
 */
describe("Flatpeak nodes on every release (simulated accounts)", function () {
  freshRuntimeEach();

  for (const [name, version] of RELEASES) {
    it(`${name}: list devices, get device, device status, list sites, and create, update, delete a device`, async () => {
      const loc = "loc_65f0c0ffee000000000000d1";
      await loadFleetFlow([
        { id: "acc", type: "devicecloud-account", provider: "flatpeak", simulate: true, apiVersion: version },
        { id: "list", type: "devicecloud-list-devices", account: "acc", max: 3, wires: [["out"]] },
        { id: "get", type: "devicecloud-get-device", account: "acc", wires: [["out"]] },
        { id: "status", type: "devicecloud-device-status", account: "acc", wires: [["out"]] },
        { id: "sites", type: "devicecloud-list-sites", account: "acc", max: 2, wires: [["out"]] },
        { id: "create", type: "devicecloud-manage-device", account: "acc", action: "create", referenceId: `REL-${name}`, referenceIdType: "str", deviceType: "OTHER", locations: loc, locationsType: "str", wires: [["out"]] },
        { id: "update", type: "devicecloud-manage-device", account: "acc", action: "update", wires: [["out"]] },
        { id: "del", type: "devicecloud-manage-device", account: "acc", action: "delete", allowDestructive: true, wires: [["out"]] },
        { id: "c", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
        { id: "out", type: "helper" },
        { id: "caught", type: "helper" },
      ]);
      const step = async (id: string, msg: Record<string, unknown>) => {
        const got = nextMessages("out");
        helper.getNode(id).receive(msg);
        return (await got)[0];
      };
      const sim = await host.currentSimulator();
      const listed = (await step("list", {})).payload;
      assert.equal(listed.length, 3);
      const seen = sim.fleet.flatpeak.devices.find((d: { last_seen?: string }) => d.last_seen !== undefined);
      const got = (await step("get", { deviceId: seen.id })).payload;
      assert.equal(got.id, seen.id);
      assert.equal(got.model_name ?? got.properties?.model_name, name === "zero" || name === "anode" ? undefined : seen.model_name);
      const status = (await step("status", { deviceId: seen.id })).payload;
      assert.equal(status.lastSeen, seen.last_seen);

      if (name === "zero" || name === "anode") {
        const caught = nextMessages("caught");
        helper.getNode("sites").receive({});
        const [err] = await caught;
        assert.equal(err.error.code, "UNSUPPORTED");
      } else {
        assert.equal((await step("sites", {})).payload.length, 2);
      }

      const model = name === "zero" || name === "anode" ? {} : { device: { model_name: "Roof array" } };
      const created = (await step("create", model)).payload;
      assert.equal(created.reference_id, `REL-${name}`);
      if (name === "busbar") assert.deepEqual([created.model_name, created.locations], ["Roof array", [loc]]);
      if (name === "yotta") assert.equal(created.properties.model_name, "Roof array");
      const updated = (await step("update", { deviceId: created.id, referenceId: `REL-${name}-2` })).payload;
      assert.equal(updated.reference_id, `REL-${name}-2`);
      assert.deepEqual((await step("del", { deviceId: created.id })).payload, { deviceId: created.id, action: "delete", done: true });
      assert.equal(sim.stats().logins.flatpeak, 1);
    });
  }
});

describe("the device picker's label on every release", () => {
  const { pickerEntry } = require(path.join(__dirname, "..", "..", "..", "nodes", "runtime", "admin.js"));

  it("reads the model at the top level (busbar), under properties (yotta), and none on zero and anode", () => {
    assert.equal(pickerEntry({ id: "dev_1", reference_id: "BAT-1", model_name: "Powerwall 3" }).name, "BAT-1 · Powerwall 3");
    assert.equal(pickerEntry({ id: "dev_1", reference_id: "BAT-1", properties: { model_name: "Powerwall 3" } }).name, "BAT-1 · Powerwall 3");
    assert.equal(pickerEntry({ id: "dev_1", reference_id: "BAT-1" }).name, "BAT-1");
  });
});
