import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { simulatorForSuite } from "../support/sim";
import { ALL_NODES, account, freshRuntimeEach, helper, statuses, withTime } from "../support/nodes";
import { received, until } from "../support/fleet";

const ORG = "/api/v1/organization";

type Dev = { id: number; templateId: number; firstConnectTime: number; connected: boolean; lastReceivedEventAt: number; dsValues: unknown[] };

describe("devicecloud-datastream in a Node-RED runtime, against the simulator", function () {
  let sim: Simulator;
  simulatorForSuite((s) => (sim = s), { blynkDevices: 300, flatpeakDevices: 20 });
  freshRuntimeEach(() => sim);

  const thermostats = () => (sim.fleet.blynk.devices as unknown as Dev[]).filter((d) => d.templateId === 353 && d.firstConnectTime > 0);
  const route = (key: string) => sim.stats().byRoute[key] ?? 0;
  const writes = () => route(`POST ${ORG}/device/datastream`) + route(`POST ${ORG}/device/datastreams`);

  async function load(props: Record<string, unknown>, provider: "blynk" | "flatpeak" = "blynk") {
    const a = account(sim, provider);
    const flow = [
      { id: "t1", type: "tab", label: "test" },
      a.node,
      { id: "n1", z: "t1", type: "devicecloud-datastream", account: "acc", wires: [["out"]], ...props },
      { id: "c", z: "t1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
      { id: "out", z: "t1", type: "helper" },
      { id: "caught", z: "t1", type: "helper" },
    ];
    await helper.load(ALL_NODES, flow as never, a.creds);
    outs = received("out");
    errors = received("caught");
  }
  let outs: Array<Record<string, any>> = [];
  let errors: Array<Record<string, any>> = [];

  /** Sends one message and resolves with what came of it: one output or one caught error, never both. */
  async function run(msg: Record<string, unknown>): Promise<{ out?: Record<string, any>; error?: Record<string, any> }> {
    const before = outs.length + errors.length;
    const [o, e] = [outs.length, errors.length];
    helper.getNode("n1").receive(msg);
    await until(() => outs.length + errors.length > before, 10_000, "an output or an error");
    await new Promise((res) => setTimeout(res, 30));
    assert.equal(outs.length + errors.length, before + 1, "exactly one output or one error");
    return outs.length > o ? { out: outs[o] } : { error: errors[e].error };
  }

  it("writes msg.payload to V5 by default, and a read returns it", async () => {
    const d = thermostats()[0];
    await load({ datastream: "V5", datastreamType: "str" });
    const w = await run({ deviceId: d.id, payload: 21.5 });
    assert.deepEqual(w.out?.payload, { deviceId: d.id, datastreamId: 3, value: 21.5, written: true });
    await helper.unload();
    await load({ action: "read", datastream: "3", datastreamType: "num" });
    const r = await run({ payload: d.id });
    assert.equal(r.out?.payload, 21.5, "read takes the device from msg.payload as any reading node");
  });

  it("writes several values from an object payload, keys pins or ids", async () => {
    const d = thermostats()[1];
    await load({});
    const w = await run({ deviceId: d.id, payload: { V5: 22, "6": "Away", v3: true } });
    assert.deepEqual(w.out?.payload, {
      deviceId: d.id,
      datastreams: [
        { datastreamId: 6, pin: "V6", value: "Away" },
        { datastreamId: 3, pin: "V5", value: 22 },
        { datastreamId: 4, pin: "V3", value: 1 },
      ],
      written: true,
    });
    assert.equal(route(`POST ${ORG}/device/datastreams`), 1);
  });

  it("reads every datastream of the device as [{datastreamId, pin, label, value, updatedAt}]", async () => {
    const d = thermostats()[2];
    await load({ action: "read", deviceId: String(d.id), deviceIdType: "str" });
    const r = await run({});
    const list = r.out?.payload as Array<Record<string, unknown>>;
    assert.deepEqual(list.map((x) => x.pin), ["V0", "V1", "V5", "V3", "V4", "V6", "V7"]);
    assert.equal(list[0].value, d.dsValues[0]);
    assert.equal(list[0].label, "Temperature");
    assert.ok(list.every((x) => typeof x.updatedAt === "string" && !Number.isNaN(Date.parse(x.updatedAt as string))));
  });

  it("reads a day of history by default, and the period of msg.from/msg.to", async () => {
    const d = thermostats().find((x) => x.connected && Date.now() - x.lastReceivedEventAt < 3_600_000)!;
    await load({ action: "history", datastream: "V0", datastreamType: "str" });
    const day = await run({ deviceId: d.id });
    const points = day.out?.payload as Array<{ time: string; value: number }>;
    assert.ok(points.length >= 140 && points.length <= 145, `${points.length} points`);
    assert.ok(Date.parse(points[0].time) >= Date.now() - 86_400_000 - 5000);
    const hour = await run({ deviceId: d.id, from: new Date(Date.now() - 7_200_000).toISOString(), to: Date.now() - 3_600_000 });
    assert.ok((hour.out?.payload as unknown[]).length <= 7);
  });

  it("a write never takes the device from msg.payload: INVALID_INPUT and nothing sent", async () => {
    await load({ datastream: "V5", datastreamType: "str" });
    const r = await run({ payload: thermostats()[0].id });
    assert.equal(r.error?.code, "INVALID_INPUT");
    assert.match(r.error?.message, /^deviceId: /);
    const several = await run({ payload: { id: thermostats()[0].id } });
    assert.equal(several.error?.code, "INVALID_INPUT");
    assert.equal(sim.stats().requests, 0);
  });

  it("a value that does not fit its datastream is INVALID_INPUT naming the field, and nothing is written", async () => {
    const d = thermostats()[3];
    await load({});
    const seen = statuses("n1");
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ datastream: "V1", payload: 12.5 }, /^value: V1 \(Humidity\) is INT/],
      [{ datastream: "V7", payload: [13.4] }, /^value: /],
      [{ payload: { V5: 20, V6: { a: 1 } } }, /^value\.V6: /],
      [{ payload: "on" }, /^datastream: /],
      [{ datastream: "pin 5", payload: 1 }, /^datastream: /],
    ];
    for (const [msg, pattern] of cases) {
      const r = await run({ deviceId: d.id, ...msg });
      assert.equal(r.error?.code, "INVALID_INPUT", JSON.stringify(msg));
      assert.match(r.error?.message, pattern);
    }
    assert.equal(writes(), 0);
    assert.match(seen[seen.length - 1].text, withTime("INVALID_INPUT"));
  });

  it("an unknown pin is NOT_FOUND; history without a datastream is INVALID_INPUT", async () => {
    const d = thermostats()[4];
    await load({ action: "history" });
    const none = await run({ deviceId: d.id });
    assert.equal(none.error?.code, "INVALID_INPUT");
    assert.match(none.error?.message, /^datastream: /);
    const unknown = await run({ deviceId: d.id, datastream: "V42" });
    assert.equal(unknown.error?.code, "NOT_FOUND");
  });

  it("a write that meets a 500 or a dropped connection ends in exactly one error and one POST", async () => {
    const d = thermostats()[5];
    await load({ datastream: "V5", datastreamType: "str" });
    await run({ deviceId: d.id, payload: 20 });
    for (const fault of [{ status: 500 }, { drop: true }]) {
      sim.resetStats();
      sim.clearFaults();
      sim.addFault({ provider: "blynk", method: "POST", path: `${ORG}/device/datastream`, ...fault });
      const r = await run({ deviceId: d.id, payload: 21 });
      assert.ok(r.error, JSON.stringify(fault));
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(outs.length, 1, "only the first write had an output");
      assert.equal(writes(), 1, `${JSON.stringify(fault)}: one POST`);
    }
  });

  it("a Flatpeak account is UNSUPPORTED without a request", async () => {
    await load({ action: "read" }, "flatpeak");
    const r = await run({ deviceId: "dev_0123456789abcdef01234567" });
    assert.equal(r.error?.code, "UNSUPPORTED");
    assert.equal(sim.stats().requests, 0);
  });
});
