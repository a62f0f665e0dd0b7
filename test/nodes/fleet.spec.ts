import assert from "node:assert/strict";
import type { BlynkDevice, Simulator } from "../../src/simulator";
import type { BlynkClient } from "../../src/api";
import { minimumInterval } from "../../src/api/watch";
import { clientFor, simulatorForSuite } from "../support/sim";
import { account, freshRuntimeEach, helper, nextMessages, statuses, withTime } from "../support/nodes";
import { loadFleetFlow, received, until } from "../support/fleet";

const ORG = "/api/v1/organization";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fleet administration nodes in a Node-RED runtime, against the simulator", function () {
  let sim: Simulator;
  simulatorForSuite((s) => (sim = s), { blynkDevices: 300, flatpeakDevices: 40 });
  freshRuntimeEach(() => sim);

  const bl = () => sim.fleet.blynk;
  const mainOrg = () => bl().orgs[0].id;
  const mainDevices = () => bl().devices.filter((d) => d.orgId === mainOrg());
  const template = () => bl().templates[0].templateId;
  const route = (key: string) => sim.stats().byRoute[key] ?? 0;
  const withCatch = (out = "out") => [
    { id: "c", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
    { id: out, type: "helper" },
    { id: "caught", type: "helper" },
  ];
  /** Each bad input ends in its code at a Catch node (an INVALID_INPUT naming its field), and nothing is sent. */
  type BadInput = { name: string; provider: "blynk" | "flatpeak"; node: Record<string, unknown>; msg: Record<string, unknown>; code: string; field?: RegExp };
  const refusedBeforeSending = (type: string, bad: BadInput[]) => {
    for (const c of bad) {
      it(`${c.name}: ${c.code}, no request sent`, async () => {
        const a = account(sim, c.provider);
        await loadFleetFlow([a.node, { id: "n1", type, account: "acc", wires: [["out"]], ...c.node }, ...withCatch()], a.creds);
        const got = nextMessages("caught");
        helper.getNode("n1").receive(c.msg);
        const [m] = await got;
        assert.equal(m.error.code, c.code);
        if (c.field) assert.match(m.error.message, c.field);
        assert.equal(sim.stats().requests, 0);
      });
    }
  };
  const create = async (name: string): Promise<number> => {
    const c = clientFor(sim, "blynk");
    try {
      return (await c.createDevice({ templateId: template(), name })).id as number;
    } finally {
      c.close();
    }
  };

  describe("list devices: the Blynk listings", () => {
    it("lists the devices of an owner (email from the node), in a user's organization (msg.email), and recent activations", async () => {
      const a = account(sim, "blynk");
      const owner = bl().users.find((u) => u.orgId === mainOrg() && bl().devices.filter((d) => d.ownerUserId === u.id).length >= 2)!;
      const sub = bl().orgs[1];
      const subUser = bl().users.find((u) => u.orgId === sub.id)!;
      await loadFleetFlow(
        [
          a.node,
          { id: "n1", type: "devicecloud-list-devices", account: "acc", listBy: "owner", email: owner.email, emailType: "str", wires: [["o1"]] },
          { id: "n2", type: "devicecloud-list-devices", account: "acc", listBy: "userOrg", email: "", emailType: "str", output: "device", wires: [["j"]] },
          { id: "j", type: "join", mode: "auto", wires: [["o2"]] },
          { id: "n3", type: "devicecloud-list-devices", account: "acc", listBy: "activated", minutes: 60, wires: [["o3"]] },
          { id: "o1", type: "helper" },
          { id: "o2", type: "helper" },
          { id: "o3", type: "helper" },
        ],
        a.creds,
      );
      const got = [nextMessages("o1"), nextMessages("o2"), nextMessages("o3")];
      helper.getNode("n1").receive({ payload: "" });
      helper.getNode("n2").receive({ email: subUser.email });
      helper.getNode("n3").receive({});
      const [[m1], [m2], [m3]] = await Promise.all(got);
      assert.deepEqual(m1.payload.map((d: any) => d.id).sort(), bl().devices.filter((d) => d.ownerUserId === owner.id).map((d) => d.id).sort());
      assert.equal(m1.total, m1.payload.length);
      assert.ok(m1.payload.every((d: any) => !("token" in d)));
      assert.equal(m2.payload.length, bl().devices.filter((d) => d.orgId === sub.id).length);
      assert.ok(m2.payload.every((d: any) => d.orgId === sub.id));
      assert.ok(m3.payload.length > 0 && m3.payload.every((d: any) => typeof d.activatedAt === "number"));
      assert.equal(m3.count, m3.payload.length);
    });

    it("includes sub-organizations on request and sorts a search", async () => {
      const a = account(sim, "blynk");
      await loadFleetFlow(
        [
          a.node,
          { id: "n1", type: "devicecloud-list-devices", account: "acc", includeSubOrgs: true, wires: [["o1"]] },
          { id: "n2", type: "devicecloud-list-devices", account: "acc", query: "Plug", sortBy: "Name", sortOrder: "DESC", wires: [["o2"]] },
          { id: "o1", type: "helper" },
          { id: "o2", type: "helper" },
        ],
        a.creds,
      );
      const got = [nextMessages("o1"), nextMessages("o2")];
      helper.getNode("n1").receive({});
      helper.getNode("n2").receive({});
      const [[m1], [m2]] = await Promise.all(got);
      assert.equal(m1.payload.length, bl().devices.length);
      const names = m2.payload.map((d: any) => String(d.name).toLowerCase());
      assert.ok(names.length > 1);
      assert.deepEqual(names, [...names].sort().reverse());
    });

    const bad: BadInput[] = [
      { name: "no email", provider: "blynk", node: { listBy: "owner" }, msg: {}, code: "INVALID_INPUT", field: /^email: / },
      { name: "a malformed email", provider: "blynk", node: { listBy: "userOrg" }, msg: { email: "not-an-email" }, code: "INVALID_INPUT", field: /^email: / },
      { name: "minutes out of range", provider: "blynk", node: { listBy: "activated", minutes: 61 }, msg: {}, code: "INVALID_INPUT", field: /^minutes: / },
      { name: "a bad sort order", provider: "blynk", node: { query: "x", sortOrder: "UP" }, msg: {}, code: "INVALID_INPUT", field: /^sortOrder: / },
      { name: "an unknown listBy", provider: "blynk", node: { listBy: "everything" }, msg: {}, code: "INVALID_INPUT", field: /^listBy: / },
      { name: "devices of an owner on Flatpeak", provider: "flatpeak", node: { listBy: "owner" }, msg: { email: "a@example.com" }, code: "UNSUPPORTED" },
      { name: "recent activations on Flatpeak", provider: "flatpeak", node: { listBy: "activated" }, msg: {}, code: "UNSUPPORTED" },
    ];
    refusedBeforeSending("devicecloud-list-devices", bad);
  });

  describe("manage device", () => {
    it("creates a Blynk device from msg properties, the token only when asked", async () => {
      const a = account(sim, "blynk");
      const owner = bl().users.find((u) => u.orgId === mainOrg())!;
      await loadFleetFlow(
        [
          a.node,
          { id: "n1", type: "devicecloud-manage-device", account: "acc", action: "create", wires: [["o1"]] },
          { id: "n2", type: "devicecloud-manage-device", account: "acc", action: "create", templateId: template(), templateIdType: "str", deviceName: "Node Created 2", deviceNameType: "str", includeToken: true, wires: [["o2"]] },
          { id: "o1", type: "helper" },
          { id: "o2", type: "helper" },
        ],
        a.creds,
      );
      const got = [nextMessages("o1"), nextMessages("o2")];
      helper.getNode("n1").receive({ templateId: template(), name: "Node Created 1", ownerId: owner.id, topic: "keep" });
      helper.getNode("n2").receive({});
      const [[m1], [m2]] = await Promise.all(got);
      assert.equal(m1.payload.name, "Node Created 1");
      assert.equal(m1.payload.ownerUserId, owner.id);
      assert.equal(m1.topic, "keep");
      assert.ok(!("token" in m1.payload));
      assert.equal(m2.payload.name, "Node Created 2");
      assert.equal(typeof m2.payload.token, "string");
    });

    it("renames, transfers to a user and to an organization, and removes the owner (Blynk)", async () => {
      const id = await create("Node Fleet Device");
      const sub = bl().orgs[1];
      const subUser = bl().users.find((u) => u.orgId === sub.id)!;
      const a = account(sim, "blynk");
      await loadFleetFlow(
        [
          a.node,
          { id: "rename", type: "devicecloud-manage-device", account: "acc", action: "rename", deviceName: "name", deviceNameType: "msg", wires: [["out"]] },
          { id: "toUser", type: "devicecloud-manage-device", account: "acc", action: "transferToUser", newUserId: String(subUser.id), newUserIdType: "num", wires: [["out"]] },
          { id: "toOrg", type: "devicecloud-manage-device", account: "acc", action: "transferToOrg", wires: [["out"]] },
          { id: "noOwner", type: "devicecloud-manage-device", account: "acc", action: "removeOwner", wires: [["out"]] },
          { id: "out", type: "helper" },
        ],
        a.creds,
      );
      const step = async (node: string, msg: Record<string, unknown>) => {
        const got = nextMessages("out");
        helper.getNode(node).receive(msg);
        return (await got)[0].payload;
      };
      assert.equal((await step("rename", { payload: id, name: "Renamed By Node" })).name, "Renamed By Node");
      const dev = () => bl().devices.find((d) => d.id === id) as BlynkDevice;
      assert.deepEqual(await step("toUser", { payload: { id, name: "a device object" } }), { deviceId: id, action: "transferToUser", newUserId: subUser.id, done: true });
      assert.equal(dev().ownerUserId, subUser.id);
      assert.deepEqual(await step("toOrg", { deviceId: String(id), newOrgId: mainOrg() }), { deviceId: id, action: "transferToOrg", newOrgId: mainOrg(), done: true });
      assert.equal(dev().orgId, mainOrg());
      assert.deepEqual(await step("noOwner", { deviceId: id }), { deviceId: id, action: "removeOwner", done: true });
      assert.equal(dev().ownerUserId, undefined);
    });

    it("refuses clear data and delete unless the node allows them, and sends nothing", async () => {
      const id = await create("Guarded Device");
      const a = account(sim, "blynk");
      await loadFleetFlow(
        [
          a.node,
          { id: "clear", type: "devicecloud-manage-device", account: "acc", action: "clearData", wires: [["out"]] },
          { id: "del", type: "devicecloud-manage-device", account: "acc", action: "delete", allowDestructive: false, wires: [["out"]] },
          ...withCatch(),
        ],
        a.creds,
      );
      const seen = statuses("del");
      sim.resetStats();
      let sent = 0;
      helper.getNode("out").on("input", () => sent++);
      const got = nextMessages("caught", 2);
      helper.getNode("clear").receive({ deviceId: id });
      helper.getNode("del").receive({ deviceId: id });
      const msgs = await got;
      for (const m of msgs) {
        assert.equal(m.error.code, "INVALID_INPUT");
        assert.match(m.error.message, /^allowDestructive: .*cannot be undone.*Nothing was sent/);
      }
      assert.equal(sent, 0);
      assert.equal(sim.stats().requests, 0);
      assert.ok(bl().devices.some((d) => d.id === id));
      await sleep(20);
      assert.deepEqual({ ...seen[seen.length - 1], text: undefined }, { fill: "red", shape: "ring", text: undefined });
      assert.match(seen[seen.length - 1].text, withTime("INVALID_INPUT"));
    });

    it("clears data and deletes only a device named by the property or msg.deviceId, never by msg.payload", async () => {
      const id = await create("Named Only");
      const a = account(sim, "blynk");
      await loadFleetFlow(
        [
          a.node,
          { id: "clear", type: "devicecloud-manage-device", account: "acc", action: "clearData", allowDestructive: true, wires: [["out"]] },
          { id: "del", type: "devicecloud-manage-device", account: "acc", action: "delete", allowDestructive: true, wires: [["out"]] },
          { id: "rename", type: "devicecloud-manage-device", account: "acc", action: "rename", deviceName: "Still Named", wires: [["out"]] },
          ...withCatch(),
        ],
        a.creds,
      );
      sim.resetStats();
      let sent = 0;
      helper.getNode("out").on("input", () => sent++);
      const caught = nextMessages("caught", 2);
      helper.getNode("clear").receive({ payload: String(id) });
      helper.getNode("del").receive({ payload: { id } });
      for (const m of await caught) {
        assert.equal(m.error.code, "INVALID_INPUT");
        assert.match(m.error.message, /^deviceId: no device id: .*msg\.payload is not read for the device .*cannot be undone.*Nothing was sent/);
      }
      assert.equal(sent, 0);
      assert.equal(sim.stats().requests, 0);
      assert.ok(bl().devices.some((d) => d.id === id));
      // An action that can be undone still takes the device from msg.payload, as list devices → split sends it.
      const got = nextMessages("out");
      helper.getNode("rename").receive({ payload: { id } });
      assert.equal((await got)[0].payload.name, "Still Named");
    });

    it("clears the data and deletes the device when allowed", async () => {
      const id = await create("Allowed To Go");
      const a = account(sim, "blynk");
      await loadFleetFlow(
        [
          a.node,
          { id: "clear", type: "devicecloud-manage-device", account: "acc", action: "clearData", allowDestructive: true, wires: [["out"]] },
          { id: "del", type: "devicecloud-manage-device", account: "acc", action: "delete", allowDestructive: true, deviceId: String(id), deviceIdType: "str", wires: [["out"]] },
          { id: "out", type: "helper" },
        ],
        a.creds,
      );
      let got = nextMessages("out");
      helper.getNode("clear").receive({ deviceId: String(id) });
      assert.deepEqual((await got)[0].payload, { deviceId: id, action: "clearData", done: true });
      got = nextMessages("out");
      helper.getNode("del").receive({});
      assert.deepEqual((await got)[0].payload, { deviceId: id, action: "delete", done: true });
      assert.ok(!bl().devices.some((d) => d.id === id));
      assert.equal(route(`DELETE ${ORG}/device/clear`), 1);
      assert.equal(route(`DELETE ${ORG}/device`), 1);
    });

    it("creates, updates and deletes a Flatpeak device", async () => {
      const loc = sim.fleet.flatpeak.devices[0].locations[0];
      const a = account(sim, "flatpeak");
      await loadFleetFlow(
        [
          a.node,
          { id: "create", type: "devicecloud-manage-device", account: "acc", action: "create", referenceId: "NODE-FP-1", referenceIdType: "str", deviceType: "PV_SYSTEM", locations: loc, locationsType: "str", wires: [["out"]] },
          { id: "update", type: "devicecloud-manage-device", account: "acc", action: "update", wires: [["out"]] },
          { id: "del", type: "devicecloud-manage-device", account: "acc", action: "delete", allowDestructive: true, wires: [["out"]] },
          { id: "out", type: "helper" },
        ],
        a.creds,
      );
      let got = nextMessages("out");
      helper.getNode("create").receive({ device: { model_name: "Roof array" } });
      const created = (await got)[0].payload;
      assert.equal(created.reference_id, "NODE-FP-1");
      assert.equal(created.model_name, "Roof array");
      got = nextMessages("out");
      helper.getNode("update").receive({ payload: created, referenceId: "NODE-FP-1b" });
      assert.equal((await got)[0].payload.reference_id, "NODE-FP-1b");
      got = nextMessages("out");
      helper.getNode("del").receive({ deviceId: created.id });
      assert.deepEqual((await got)[0].payload, { deviceId: created.id, action: "delete", done: true });
      assert.ok(!sim.fleet.flatpeak.devices.some((d) => d.id === created.id));
    });

    const bad: BadInput[] = [
      { name: "a name with a slash", provider: "blynk", node: { action: "rename" }, msg: { deviceId: 5, name: "a/b" }, code: "INVALID_INPUT", field: /^name: / },
      { name: "a name over 50", provider: "blynk", node: { action: "rename" }, msg: { deviceId: 5, name: "n".repeat(51) }, code: "INVALID_INPUT", field: /^name: / },
      { name: "no template id", provider: "blynk", node: { action: "create" }, msg: { name: "x" }, code: "INVALID_INPUT", field: /^templateId: / },
      { name: "no new user", provider: "blynk", node: { action: "transferToUser" }, msg: { deviceId: 5 }, code: "INVALID_INPUT", field: /^newUserId: / },
      { name: "a bad new org", provider: "blynk", node: { action: "transferToOrg" }, msg: { deviceId: 5, newOrgId: "north" }, code: "INVALID_INPUT", field: /^newOrgId: / },
      { name: "no device id", provider: "blynk", node: { action: "removeOwner" }, msg: {}, code: "INVALID_INPUT", field: /^deviceId: / },
      { name: "an unknown action", provider: "blynk", node: { action: "explode" }, msg: { deviceId: 5 }, code: "INVALID_INPUT", field: /^action: / },
      { name: "rename on Flatpeak", provider: "flatpeak", node: { action: "rename" }, msg: { deviceId: "dev_1", name: "x" }, code: "UNSUPPORTED" },
      { name: "clear data on Flatpeak", provider: "flatpeak", node: { action: "clearData", allowDestructive: true }, msg: { deviceId: "dev_1" }, code: "UNSUPPORTED" },
      { name: "update on Blynk", provider: "blynk", node: { action: "update" }, msg: { deviceId: 5 }, code: "UNSUPPORTED" },
      { name: "a Flatpeak type that does not exist", provider: "flatpeak", node: { action: "create" }, msg: { referenceId: "R", deviceType: "FRIDGE", locations: "loc_1" }, code: "INVALID_INPUT", field: /^deviceType: / },
      { name: "Flatpeak locations that are not ids", provider: "flatpeak", node: { action: "create", deviceType: "OTHER" }, msg: { referenceId: "R", locations: ["home"] }, code: "INVALID_INPUT", field: /^locations: / },
    ];
    refusedBeforeSending("devicecloud-manage-device", bad);
  });

  describe("device history", () => {
    it("sends the timeline one entry per message with msg.parts, and a join rebuilds it; the event type filters", async () => {
      const d = mainDevices().find((x) => x.firstConnectTime > 0)!;
      const t = bl().templates.find((x) => x.id === d.templateId)!;
      const c = clientFor(sim, "blynk") as BlynkClient;
      let total = 0;
      try {
        for (const ev of t.events.slice(0, 2)) await c.triggerEvent(d.id, ev.code, "for the history node");
        for await (const p of c.deviceTimeline(d.id)) total += p.items.length;
      } finally {
        c.close();
      }
      const a = account(sim, "blynk");
      await loadFleetFlow(
        [
          a.node,
          { id: "n1", type: "devicecloud-device-history", account: "acc", what: "timeline", output: "device", wires: [["j", "each"]] },
          { id: "j", type: "join", mode: "auto", wires: [["all"]] },
          { id: "n2", type: "devicecloud-device-history", account: "acc", what: "timeline", eventType: t.events[0].type, wires: [["typed"]] },
          { id: "each", type: "helper" },
          { id: "all", type: "helper" },
          { id: "typed", type: "helper" },
        ],
        a.creds,
      );
      const each = nextMessages("each", total);
      const all = nextMessages("all");
      const typed = nextMessages("typed");
      helper.getNode("n1").receive({ deviceId: d.id });
      helper.getNode("n2").receive({ payload: d.id });
      const msgs = await each;
      assert.equal(msgs[msgs.length - 1].parts.count, total);
      assert.ok(msgs.every((m) => m.total === total && m.count === 1));
      assert.equal((await all)[0].payload.length, total);
      const [m2] = await typed;
      assert.ok(m2.payload.length >= 1 && m2.payload.every((e: any) => e.eventType === t.events[0].type));
    });

    it("sends the actions log in pages, the tags and the metafields", async () => {
      const d = mainDevices().find((x) => x.tags.length > 0 && x.ownerUserId !== undefined && x.firstConnectTime > 0)!;
      const a = account(sim, "blynk");
      await loadFleetFlow(
        [
          a.node,
          { id: "logs", type: "devicecloud-device-history", account: "acc", what: "logs", output: "page", max: 2, wires: [["o1"]] },
          { id: "tags", type: "devicecloud-device-history", account: "acc", what: "tags", wires: [["o2"]] },
          { id: "meta", type: "devicecloud-device-history", account: "acc", what: "metafields", deviceId: String(d.id), deviceIdType: "str", wires: [["o3"]] },
          { id: "o1", type: "helper" },
          { id: "o2", type: "helper" },
          { id: "o3", type: "helper" },
        ],
        a.creds,
      );
      const got = [nextMessages("o1"), nextMessages("o2"), nextMessages("o3")];
      helper.getNode("logs").receive({ deviceId: d.id });
      helper.getNode("tags").receive({ deviceId: d.id });
      helper.getNode("meta").receive({});
      const [[m1], [m2], [m3]] = await Promise.all(got);
      assert.ok(Array.isArray(m1.payload) && m1.payload.length <= 2);
      assert.equal(m1.parts.index, 0);
      assert.deepEqual(m2.payload.map((x: any) => x.id), [...d.tags]);
      assert.equal(m2.count, d.tags.length);
      assert.ok(m3.payload.length > 0 && m3.payload.every((f: any) => typeof f.value.type === "string"));
    });

    const bad: BadInput[] = [
      { name: "history on Flatpeak", provider: "flatpeak", node: {}, msg: { deviceId: "dev_1" }, code: "UNSUPPORTED" },
      { name: "a bad event type", provider: "blynk", node: { eventType: "no way!" }, msg: { deviceId: 5 }, code: "INVALID_INPUT", field: /^eventType: / },
      { name: "an unknown what", provider: "blynk", node: { what: "everything" }, msg: { deviceId: 5 }, code: "INVALID_INPUT", field: /^what: / },
      { name: "a bad max", provider: "blynk", node: { max: 1.5 }, msg: { deviceId: 5 }, code: "INVALID_INPUT", field: /^max: / },
      { name: "no device id", provider: "blynk", node: { what: "tags" }, msg: {}, code: "INVALID_INPUT", field: /^deviceId: / },
    ];
    refusedBeforeSending("devicecloud-device-history", bad);

    it("reports an unknown device as NOT_FOUND", async () => {
      const a = account(sim, "blynk");
      await loadFleetFlow([a.node, { id: "n1", type: "devicecloud-device-history", account: "acc", what: "tags", wires: [["out"]] }, ...withCatch()], a.creds);
      const got = nextMessages("caught");
      helper.getNode("n1").receive({ deviceId: 2_000_000_000 });
      assert.equal((await got)[0].error.code, "NOT_FOUND");
    });
  });

  describe("watch", () => {
    // Polls every 50 ms at the shortest in these tests (the runtime setting; 10 s by default).
    before(() => {
      helper.settings({ devicecloudWatchMinInterval: 0.05 } as never);
    });
    after(() => {
      helper.settings({ devicecloudWatchMinInterval: undefined } as never);
    });

    it("sends the current state once, then a message when a device goes offline or online (Blynk, chosen devices)", async () => {
      const [x, y] = mainDevices().slice(0, 2);
      const a = account(sim, "blynk");
      await loadFleetFlow([a.node, { id: "w", type: "devicecloud-watch", account: "acc", devices: `${x.id}, ${y.id}`, devicesType: "str", interval: 0.05, wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
      const got = received("out");
      await until(() => got.length >= 2, 5000, "the first state");
      assert.deepEqual(
        got.map((m) => [m.topic, m.event, m.initial, m.payload.online]),
        [x, y].map((d) => [String(d.id), d.connected ? "online" : "offline", true, d.connected]),
      );
      assert.equal(got[0].payload.source, "connection");
      await sleep(200);
      assert.equal(got.length, 2, "no change, no message");
      const was = x.connected;
      x.connected = !was;
      try {
        await until(() => got.length >= 3, 5000, "the change");
      } finally {
        x.connected = was;
      }
      assert.deepEqual([got[2].topic, got[2].event, got[2].initial, got[2].payload.deviceId], [String(x.id), was ? "offline" : "online", false, x.id]);
    });

    it("takes poll, pause and resume from msg.payload or msg.topic; anything else is INVALID_INPUT", async () => {
      const [x] = mainDevices();
      const a = account(sim, "blynk");
      await loadFleetFlow(
        [a.node, { id: "w", type: "devicecloud-watch", account: "acc", devices: String(x.id), devicesType: "str", interval: 60, wires: [["out"]] }, ...withCatch()],
        a.creds,
      );
      const seen = statuses("w");
      const got = received("out");
      await until(() => got.length >= 1, 5000, "the first state");
      const polls = () => route(`GET ${ORG}/device/online`);
      const before = polls();
      const w = helper.getNode("w");
      w.receive({ payload: "pause" });
      await sleep(20);
      assert.deepEqual(seen[seen.length - 1], { fill: "grey", shape: "ring", text: "paused" });
      // A poll while paused polls once; a change it finds is sent.
      const was = x.connected;
      x.connected = !was;
      try {
        w.receive({ topic: "poll", payload: 1733430000000 });
        await until(() => got.length >= 2, 5000, "the change found by the poll");
      } finally {
        x.connected = was;
      }
      assert.equal(polls(), before + 1);
      assert.equal(got[1].event, was ? "offline" : "online");
      await sleep(100);
      assert.equal(polls(), before + 1, "still paused: no poll of its own");
      w.receive({ payload: " Resume " });
      await until(() => got.length >= 3, 5000, "the state back, polled at resume");
      assert.equal(polls(), before + 2);
      assert.match(seen[seen.length - 1].text, /^1\/1 online|^0\/1 online/);
      const caught = nextMessages("caught");
      w.receive({ payload: "stop" });
      const [m] = await caught;
      assert.equal(m.error.code, "INVALID_INPUT");
      assert.match(m.error.message, /^command: send "poll", "pause" or "resume"/);
    });

    it("with initial none, sends changes only (Flatpeak, every device, from last_seen)", async () => {
      const devs = sim.fleet.flatpeak.devices;
      const stale = devs.find((d) => !d.last_seen || Date.now() - Date.parse(d.last_seen) > 3_600_000)!;
      const a = account(sim, "flatpeak");
      await loadFleetFlow([a.node, { id: "w", type: "devicecloud-watch", account: "acc", initial: "none", interval: 0.05, offlineAfter: 900, wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
      const seen = statuses("w");
      const got = received("out");
      await until(() => route("GET /devices") >= 2, 5000, "two polls");
      assert.equal(got.length, 0);
      const old = stale.last_seen;
      stale.last_seen = new Date().toISOString();
      try {
        await until(() => got.length >= 1, 5000, "the device coming online");
      } finally {
        if (old === undefined) delete stale.last_seen;
        else stale.last_seen = old;
      }
      assert.equal(got[0].topic, stale.id);
      assert.equal(got[0].event, "online");
      assert.equal(got[0].device.id, stale.id);
      assert.equal(got[0].payload.source, "last_seen");
      // "39/40 online · 12:03": to the minute.
      assert.ok(seen.some((s) => s.fill === "green" && /^\d+\/\d+ online · \d{2}:\d{2}$/.test(s.text)), JSON.stringify(seen));
      // A device new in the account is sent with its state (offline: it was never seen).
      const c = clientFor(sim, "flatpeak");
      const created = await c
        .createDevice({ referenceId: "WATCHED-NEW", deviceType: "OTHER", locations: [devs[0].locations[0]] })
        .finally(() => c.close());
      await until(() => got.some((m) => m.topic === created.id), 5000, "the new device");
      const m = got.find((x) => x.topic === created.id)!;
      assert.deepEqual([m.event, m.initial, m.payload.online], ["offline", false, false]);
    });

    it("with initial none, goes on from the state in its node context, and keeps the new one there after each poll", async () => {
      const [x, y, z] = mainDevices().slice(0, 3);
      const a = account(sim, "blynk");
      await loadFleetFlow(
        [a.node, { id: "w", type: "devicecloud-watch", account: "acc", devices: `${x.id},${y.id},${z.id}`, devicesType: "str", initial: "none", interval: 60, wires: [["out"]] }, { id: "out", type: "helper" }],
        a.creds,
      );
      const got = received("out");
      const context = helper.getNode("w").context();
      // What a poll before a restart left in a persistent store: y in the other state than now. Set before the
      // first poll (100 ms after the start).
      const before = { kind: "status", provider: "blynk", known: { [x.id]: x.connected, [y.id]: !y.connected, [z.id]: z.connected } };
      context.set("watchState", before);
      const polls = () => route(`GET ${ORG}/device/online`);
      await until(() => polls() >= 3 && got.length >= 1, 5000, "the first poll");
      await sleep(100);
      assert.deepEqual(got.map((m) => [m.topic, m.event, m.initial]), [[String(y.id), y.connected ? "online" : "offline", false]], "y changed since, the others did not");
      assert.deepEqual(context.get("watchState"), { kind: "status", provider: "blynk", known: { [x.id]: x.connected, [y.id]: y.connected, [z.id]: z.connected } });
      const was = z.connected;
      z.connected = !was;
      try {
        helper.getNode("w").receive({ payload: "poll" });
        await until(() => got.length >= 2, 5000, "the change found by the poll");
        assert.equal((context.get("watchState") as { known: Record<string, boolean> }).known[z.id], !was, "kept after the poll");
      } finally {
        z.connected = was;
      }
      assert.deepEqual([got[1].topic, got[1].initial], [String(z.id), false]);
    });

    it("with initial state, sends the current state on start whatever its context holds, and keeps it there", async () => {
      const [x] = mainDevices();
      const a = account(sim, "blynk");
      await loadFleetFlow([a.node, { id: "w", type: "devicecloud-watch", account: "acc", devices: String(x.id), devicesType: "str", interval: 60, wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
      const got = received("out");
      const context = helper.getNode("w").context();
      context.set("watchState", { kind: "status", provider: "blynk", known: { [x.id]: x.connected } });
      await until(() => got.length >= 1, 5000, "the first poll");
      assert.deepEqual([got[0].topic, got[0].initial], [String(x.id), true]);
      assert.deepEqual(context.get("watchState"), { kind: "status", provider: "blynk", known: { [x.id]: x.connected } });
    });

    it("sends each newly activated device once (Blynk)", async () => {
      const a = account(sim, "blynk");
      await loadFleetFlow([a.node, { id: "w", type: "devicecloud-watch", account: "acc", watch: "activated", initial: "none", interval: 0.05, wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
      const got = received("out");
      await until(() => route(`GET ${ORG}/device/last-activated`) >= 1, 5000, "a first poll");
      const id = await create("Watched Activation");
      await until(() => got.length >= 1, 5000, "the activation");
      await until(() => route(`GET ${ORG}/device/last-activated`) >= 4, 5000, "more polls");
      assert.equal(got.length, 1, "sent once");
      assert.equal(got[0].event, "activated");
      assert.equal(got[0].payload.id, id);
      assert.equal(got[0].topic, String(id));
      assert.equal(got[0].initial, false);
    });

    it("never overlaps polls, and close clears its timer", async () => {
      const d = mainDevices()[0];
      const a = account(sim, "blynk");
      sim.setLatency(120);
      try {
        await loadFleetFlow([a.node, { id: "w", type: "devicecloud-watch", account: "acc", devices: String(d.id), devicesType: "str", interval: 0.05 }], a.creds);
        await until(() => route(`GET ${ORG}/device/online`) >= 3, 5000, "three polls");
        assert.equal(sim.stats().maxInFlight, 1);
        await helper.unload();
        await sleep(150);
        const after = sim.stats().requests;
        await sleep(400);
        assert.equal(sim.stats().requests, after, "no request after close");
      } finally {
        sim.setLatency(0);
      }
    });

    it("raises an interval too short for the account's rate limit, with a warning", async () => {
      const a = account(sim, "blynk");
      await loadFleetFlow([a.node, { id: "w", type: "devicecloud-watch", account: "acc", initial: "none", interval: 0.05 }], a.creds);
      const w = helper.getNode("w") as any;
      const warned: string[] = [];
      w.on("call:warn", (call: { args: unknown[] }) => warned.push(String(call.args[0])));
      await until(() => warned.length >= 1, 5000, "the warning");
      // 1 listing + one status request per device: 20 % of 10,000 a minute allows a poll every ~5 s at the most.
      const n = mainDevices().length + 1;
      const expected = Math.ceil(minimumInterval(n, 10_000, 60_000));
      assert.match(warned[0], new RegExp(`^interval: 0.05 s is too short for ${n} requests per poll .* polling every ${expected} s instead\\.$`));
      await sleep(300);
      assert.equal(route(`GET ${ORG}/devices`), 1, "one poll, then a long wait");
    });

    const bad: Array<{ name: string; provider: "blynk" | "flatpeak"; node: Record<string, unknown>; code: string; field?: RegExp }> = [
      { name: "a device id that is not a Blynk id", provider: "blynk", node: { devices: "12, abc", devicesType: "str" }, code: "INVALID_INPUT", field: /^devices: / },
      { name: "an interval below the minimum", provider: "blynk", node: { interval: 0.01 }, code: "INVALID_INPUT", field: /^interval: / },
      { name: "an interval longer than a timer can wait (2^31 − 1 ms)", provider: "blynk", node: { interval: 2_147_484 }, code: "INVALID_INPUT", field: /^interval: / },
      { name: "activations on Flatpeak", provider: "flatpeak", node: { watch: "activated" }, code: "UNSUPPORTED" },
      { name: "a devices list from an unset flow variable", provider: "flatpeak", node: { devices: "watched", devicesType: "flow" }, code: "INVALID_INPUT", field: /^devices: / },
    ];
    for (const c of bad) {
      it(`${c.name}: ${c.code} to a Catch node once, in the status, no request sent`, async () => {
        const a = account(sim, c.provider);
        await loadFleetFlow([a.node, { id: "w", type: "devicecloud-watch", account: "acc", interval: 0.05, wires: [["out"]], ...c.node }, ...withCatch()], a.creds);
        const seen = statuses("w");
        const caught = received("caught");
        await until(() => caught.length >= 1, 5000, "the error");
        await sleep(300);
        assert.equal(caught.length, 1, "a run of the same error is reported once");
        assert.equal(caught[0].error.code, c.code);
        assert.equal(caught[0].error.source.id, "w");
        if (c.field) assert.match(caught[0].error.message, c.field);
        assert.equal(sim.stats().requests, 0);
        assert.equal(seen[seen.length - 1].fill, "red");
      });
    }

    it("reports a cloud error to a Catch node and recovers", async () => {
      const d = mainDevices()[0];
      const a = account(sim, "blynk");
      sim.addFault({ provider: "blynk", path: `${ORG}/device/online`, status: 404, times: 1 });
      await loadFleetFlow([a.node, { id: "w", type: "devicecloud-watch", account: "acc", devices: String(d.id), devicesType: "str", interval: 0.05, wires: [["out"]] }, ...withCatch()], a.creds);
      const caught = received("caught");
      const got = received("out");
      await until(() => got.length >= 1, 5000, "the first state after the failure");
      assert.equal(caught.length, 1);
      assert.equal(caught[0].error.code, "NOT_FOUND");
      assert.equal(got[0].initial, true, "the first successful poll sends the state");
    });
  });
});
