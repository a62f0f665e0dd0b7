import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { clientFor, collect, withSimulator } from "../support/sim";
import { account, firstOut, freshRuntimeEach, helper, loadFlow, nextMessages, statuses, withTime } from "../support/nodes";

describe("the nodes in a Node-RED runtime, against the simulator", function () {
  let sim: Simulator;
  /** What the API lists (the Blynk fleet also has sub-organization devices that a plain listing leaves out). */
  let fpList: Array<Record<string, any>> = [];
  let blList: Array<Record<string, any>> = [];
  before(async () => {
    sim = await withSimulator();
    const f = clientFor(sim, "flatpeak");
    const b = clientFor(sim, "blynk");
    try {
      fpList = await collect(f.listDevices());
      const tokens = new Map((sim.fleet.blynk.devices as unknown as Array<Record<string, any>>).map((d) => [d.id, d.token]));
      blList = (await collect(b.listDevices())).map((d) => ({ ...d, token: tokens.get(d.id) }));
    } finally {
      f.close();
      b.close();
    }
  });
  after(async () => {
    await sim.close();
  });
  freshRuntimeEach(() => sim);

  const fp = () => fpList;
  const bl = () => blList;
  const thermostat = () => blList.find((d) => d.templateId === 353)!;

  describe("list devices", () => {
    it("sends every device in one array with count and total (Blynk)", async () => {
      const a = account(sim, "blynk");
      await loadFlow([a.node, { id: "n1", type: "devicecloud-list-devices", account: "acc", wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
      const got = nextMessages("out");
      helper.getNode("n1").receive({ payload: "go" });
      const [msg] = await got;
      assert.equal(msg.payload.length, msg.total);
      assert.equal(msg.count, msg.payload.length);
      assert.ok(msg.payload.every((d: Record<string, unknown>) => !("token" in d)));
    });

    it("sends one message per page with msg.parts, and a join node in automatic mode rebuilds the array (Flatpeak)", async () => {
      const a = account(sim, "flatpeak");
      await loadFlow(
        [
          a.node,
          { id: "n1", type: "devicecloud-list-devices", account: "acc", output: "page", wires: [["j", "pages"]] },
          { id: "j", type: "join", mode: "auto", wires: [["out"]] },
          { id: "pages", type: "helper" },
          { id: "out", type: "helper" },
        ],
        a.creds,
      );
      const pages = nextMessages("pages", Math.ceil(fp().length / 100));
      const joined = nextMessages("out");
      helper.getNode("n1").receive({ payload: "" });
      const ps = await pages;
      assert.deepEqual(ps.map((m) => m.parts.index), ps.map((_m, i) => i));
      assert.equal(ps[ps.length - 1].parts.count, ps.length);
      assert.ok(ps.every((m) => m.parts.type === "array" && m.parts.id === ps[0].parts.id));
      const [all] = await joined;
      assert.deepEqual(all.payload.map((d: Record<string, unknown>) => d.id), fp().map((d) => d.id));
    });

    it("sends one message per device, max respected, and join rebuilds them", async () => {
      const a = account(sim, "blynk");
      await loadFlow(
        [
          a.node,
          { id: "n1", type: "devicecloud-list-devices", account: "acc", output: "device", max: 30, wires: [["j"]] },
          { id: "j", type: "join", mode: "auto", wires: [["out"]] },
          { id: "out", type: "helper" },
        ],
        a.creds,
      );
      const joined = nextMessages("out");
      helper.getNode("n1").receive({ payload: "" });
      const [all] = await joined;
      assert.equal(all.payload.length, 30);
      assert.ok(all.payload.every((d: Record<string, unknown>) => typeof d.id === "number"));
    });

    it("uses msg.query when the node's query is blank (Blynk search)", async () => {
      const a = account(sim, "blynk");
      await loadFlow([a.node, { id: "n1", type: "devicecloud-list-devices", account: "acc", wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
      const got = nextMessages("out");
      helper.getNode("n1").receive({ query: bl()[7].name });
      const [msg] = await got;
      assert.ok(msg.payload.some((d: Record<string, unknown>) => d.id === bl()[7].id));
      assert.ok(msg.payload.length < bl().length);
    });
  });

  describe("get device and device status", () => {
    it("takes the id from msg.deviceId, msg.payload, or msg.payload.id", async () => {
      const a = account(sim, "flatpeak");
      await loadFlow([a.node, { id: "n1", type: "devicecloud-get-device", account: "acc", wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
      const got = nextMessages("out", 3);
      helper.getNode("n1").receive({ deviceId: fp()[0].id });
      helper.getNode("n1").receive({ payload: fp()[1].id });
      helper.getNode("n1").receive({ payload: { id: fp()[2].id, other: 1 } });
      const msgs = await got;
      assert.deepEqual(msgs.map((m) => m.payload.id).sort(), [fp()[0].id, fp()[1].id, fp()[2].id].sort());
    });

    it("reads the id from a str TypedInput, drops the Blynk token unless includeToken, honours detail", async () => {
      const a = account(sim, "blynk");
      const d = bl()[4];
      await loadFlow(
        [
          a.node,
          { id: "n1", type: "devicecloud-get-device", account: "acc", deviceId: String(d.id), deviceIdType: "str", wires: [["out"]] },
          { id: "n2", type: "devicecloud-get-device", account: "acc", deviceId: "dev", deviceIdType: "flow", detail: "base", includeToken: true, wires: [["out2"]] },
          { id: "out", type: "helper" },
          { id: "out2", type: "helper" },
        ],
        a.creds,
      );
      helper.getNode("n2").context().flow.set("dev", d.id);
      const [m1, m2] = await firstOut(["n1", {}, "out"], ["n2", {}, "out2"]);
      assert.equal(m1.payload.id, d.id);
      assert.ok(!("token" in m1.payload));
      assert.ok(Array.isArray(m1.payload.dataStreamValues));
      assert.equal(m2.payload.token, d.token);
      assert.ok(!("dataStreamValues" in m2.payload));
    });

    it("gives the status shape on both clouds", async () => {
      const f = account(sim, "flatpeak", "accf");
      const b = account(sim, "blynk", "accb");
      await loadFlow(
        [
          f.node,
          b.node,
          { id: "n1", type: "devicecloud-device-status", account: "accf", offlineAfter: 3600 * 24 * 365 * 30, wires: [["out"]] },
          { id: "n2", type: "devicecloud-device-status", account: "accb", wires: [["out2"]] },
          { id: "out", type: "helper" },
          { id: "out2", type: "helper" },
        ],
        { ...f.creds, ...b.creds },
      );
      const seen = fp().find((d) => typeof d.last_seen === "string")!;
      const [m1, m2] = await firstOut(["n1", { payload: seen.id }, "out"], ["n2", { payload: bl()[0].id }, "out2"]);
      assert.deepEqual(m1.payload, { deviceId: seen.id, online: true, lastSeen: seen.last_seen, source: "last_seen" });
      assert.deepEqual(Object.keys(m2.payload).sort(), ["deviceId", "lastSeen", "online", "source"]);
      assert.equal(m2.payload.deviceId, bl()[0].id);
      assert.equal(m2.payload.source, "connection");
    });
  });

  describe("trigger event and update metafield (Blynk)", () => {
    it("renders the description with mustache, without HTML escaping, and sends the event", async () => {
      const a = account(sim, "blynk");
      await loadFlow(
        [
          a.node,
          { id: "n1", type: "devicecloud-trigger-event", account: "acc", eventCode: "high_temperature", eventCodeType: "str", description: "Temp {{payload.temp}} C <hot>", wires: [["out"]] },
          { id: "out", type: "helper" },
        ],
        a.creds,
      );
      const d = thermostat();
      const got = nextMessages("out");
      helper.getNode("n1").receive({ deviceId: d.id, payload: { temp: 31.5 } });
      const [m] = await got;
      assert.deepEqual(m.payload, { deviceId: d.id, eventCode: "high_temperature", description: "Temp 31.5 C <hot>", triggered: true });
    });

    it("updates a metafield from msg.payload and the cloud keeps it", async () => {
      const a = account(sim, "blynk");
      const d = bl()[1];
      const c = clientFor(sim, "blynk");
      const fields = await c.listMetafields(d.id).finally(() => c.close());
      const text = fields.find((f) => (f.value as Record<string, any>)?.type === "Text");
      assert.ok(text, "a Text metafield on the device");
      await loadFlow(
        [a.node, { id: "n1", type: "devicecloud-update-metafield", account: "acc", metafieldId: String(text!.id), metafieldIdType: "num", wires: [["out"]] }, { id: "out", type: "helper" }],
        a.creds,
      );
      const got = nextMessages("out");
      helper.getNode("n1").receive({ deviceId: d.id, payload: "Warehouse Aisle 3" });
      const [m] = await got;
      assert.deepEqual(m.payload, { deviceId: d.id, metafieldId: text!.id, value: "Warehouse Aisle 3", updated: true });
      const c2 = clientFor(sim, "blynk");
      const now = await c2.listMetafields(d.id).finally(() => c2.close());
      assert.equal((now.find((f) => f.id === text!.id)!.value as Record<string, any>).value, "Warehouse Aisle 3");
    });
  });

  describe("list sites (Flatpeak)", () => {
    it("sends the sites, one per message with parts in device mode", async () => {
      const a = account(sim, "flatpeak");
      await loadFlow([a.node, { id: "n1", type: "devicecloud-list-sites", account: "acc", output: "device", wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
      const n = sim.fleet.flatpeak.sites.length;
      const got = nextMessages("out", n);
      helper.getNode("n1").receive({});
      const msgs = await got;
      assert.equal(msgs[n - 1].parts.count, n);
      assert.ok(msgs.every((m) => String(m.payload.id).startsWith("ste_")));
    });
  });

  describe("errors reach a Catch node with msg.error.code, and the status shows the code", () => {
    const cases: Array<{ name: string; provider: "flatpeak" | "blynk"; node: Record<string, unknown>; msg: Record<string, unknown>; code: string; field?: RegExp }> = [
      { name: "no device id", provider: "blynk", node: { type: "devicecloud-get-device" }, msg: {}, code: "INVALID_INPUT", field: /^deviceId: / },
      { name: "a Blynk id that is not a number", provider: "blynk", node: { type: "devicecloud-device-status" }, msg: { deviceId: "abc" }, code: "INVALID_INPUT", field: /^deviceId: / },
      { name: "an event code over 50", provider: "blynk", node: { type: "devicecloud-trigger-event" }, msg: { deviceId: 1, eventCode: "x".repeat(51) }, code: "INVALID_INPUT", field: /^eventCode: / },
      { name: "no event code", provider: "blynk", node: { type: "devicecloud-trigger-event" }, msg: { deviceId: 1 }, code: "INVALID_INPUT", field: /^eventCode: / },
      { name: "a description over 300", provider: "blynk", node: { type: "devicecloud-trigger-event" }, msg: { deviceId: 1, eventCode: "a", description: "d".repeat(301) }, code: "INVALID_INPUT", field: /^description: / },
      { name: "no metafield id", provider: "blynk", node: { type: "devicecloud-update-metafield" }, msg: { deviceId: 1, payload: 5 }, code: "INVALID_INPUT", field: /^metafieldId: / },
      { name: "no value", provider: "blynk", node: { type: "devicecloud-update-metafield" }, msg: { deviceId: 1, metafieldId: 2 }, code: "INVALID_INPUT", field: /^value: / },
      // The contract's first exception: the value in msg.payload is never taken for the device.
      { name: "update metafield with a value but no device", provider: "blynk", node: { type: "devicecloud-update-metafield", metafieldId: "2", metafieldIdType: "num" }, msg: { payload: 7 }, code: "INVALID_INPUT", field: /^deviceId: .*msg\.payload is not read for the device/ },
      { name: "update metafield with an object value but no device", provider: "blynk", node: { type: "devicecloud-update-metafield", metafieldId: "2", metafieldIdType: "num" }, msg: { payload: { id: 1 } }, code: "INVALID_INPUT", field: /^deviceId: / },
      { name: "a bad max", provider: "blynk", node: { type: "devicecloud-list-devices", max: -1 }, msg: {}, code: "INVALID_INPUT", field: /^max: / },
      { name: "list sites on Blynk", provider: "blynk", node: { type: "devicecloud-list-sites" }, msg: {}, code: "UNSUPPORTED" },
      { name: "trigger event on Flatpeak", provider: "flatpeak", node: { type: "devicecloud-trigger-event" }, msg: { deviceId: "dev_1", eventCode: "x" }, code: "UNSUPPORTED" },
      { name: "update metafield on Flatpeak", provider: "flatpeak", node: { type: "devicecloud-update-metafield" }, msg: {}, code: "UNSUPPORTED" },
      { name: "an unknown device", provider: "flatpeak", node: { type: "devicecloud-get-device" }, msg: { deviceId: "dev_ffffffffffffffffffffffff" }, code: "NOT_FOUND" },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.code}${c.code === "INVALID_INPUT" || c.code === "UNSUPPORTED" ? ", no request sent" : ""}`, async () => {
        const a = account(sim, c.provider);
        await loadFlow(
          [a.node, { id: "n1", account: "acc", wires: [["out"]], ...c.node }, { id: "c", type: "catch", scope: null, uncaught: false, wires: [["caught"]] }, { id: "out", type: "helper" }, { id: "caught", type: "helper" }],
          a.creds,
        );
        const seen = statuses("n1");
        let sent = 0;
        helper.getNode("out").on("input", () => sent++);
        sim.resetStats();
        const got = nextMessages("caught");
        helper.getNode("n1").receive(c.msg);
        const [m] = await got;
        assert.equal(m.error.code, c.code);
        if (c.field) assert.match(m.error.message, c.field);
        assert.equal(m.error.source.id, "n1");
        assert.equal(sent, 0);
        await new Promise((r) => setTimeout(r, 20));
        const last = seen[seen.length - 1];
        assert.deepEqual([last.fill, last.shape], ["red", "ring"]);
        assert.match(last.text, withTime(c.code), "the code and the time it happened");
        if (c.code === "INVALID_INPUT" || c.code === "UNSUPPORTED") assert.equal(sim.stats().requests, 0);
      });
    }

    it("reports refused credentials as AUTH_FAILED", async () => {
      const a = account(sim, "flatpeak");
      a.creds.acc.clientSecret = "sk_test_WRONG";
      await loadFlow(
        [a.node, { id: "n1", type: "devicecloud-get-device", account: "acc", wires: [["out"]] }, { id: "c", type: "catch", scope: null, wires: [["caught"]] }, { id: "out", type: "helper" }, { id: "caught", type: "helper" }],
        a.creds,
      );
      const got = nextMessages("caught");
      helper.getNode("n1").receive({ deviceId: fp()[0].id });
      const [m] = await got;
      assert.equal(m.error.code, "AUTH_FAILED");
    });

    it("reports an account without credentials as INVALID_INPUT naming the field", async () => {
      await loadFlow([
        { id: "acc", type: "devicecloud-account", provider: "blynk" },
        { id: "n1", type: "devicecloud-get-device", account: "acc", wires: [["out"]] },
        { id: "c", type: "catch", scope: null, wires: [["caught"]] },
        { id: "out", type: "helper" },
        { id: "caught", type: "helper" },
      ]);
      const [m] = await firstOut(["n1", { deviceId: 1 }, "caught"]);
      assert.equal(m.error.code, "INVALID_INPUT");
      assert.match(m.error.message, /^clientId: /);
    });

    it("reports a missing account node as INVALID_INPUT and shows it in the status", async () => {
      await loadFlow([{ id: "n1", type: "devicecloud-get-device", account: "nope", wires: [["out"]] }, { id: "c", type: "catch", scope: null, wires: [["caught"]] }, { id: "out", type: "helper" }, { id: "caught", type: "helper" }]);
      const [m] = await firstOut(["n1", { deviceId: 1 }, "caught"]);
      assert.equal(m.error.code, "INVALID_INPUT");
      assert.match(m.error.message, /^account: /);
    });
  });

  it("runs a node saved with nothing but its type and account (defaults for every property)", async () => {
    const a = account(sim, "blynk");
    await loadFlow(
      [
        a.node,
        { id: "n1", type: "devicecloud-get-device", account: "acc", wires: [["out"]] },
        { id: "n2", type: "devicecloud-list-devices", account: "acc", wires: [["out2"]] },
        { id: "out", type: "helper" },
        { id: "out2", type: "helper" },
      ],
      a.creds,
    );
    const [m1, m2] = await firstOut(["n1", { deviceId: bl()[0].id }, "out"], ["n2", {}, "out2"]);
    assert.equal(m1.payload.id, bl()[0].id);
    assert.ok(Array.isArray(m2.payload));
  });

  it("logs in once for a burst of concurrent messages, and each message ends in exactly one output", async () => {
    const a = account(sim, "blynk");
    await loadFlow([a.node, { id: "n1", type: "devicecloud-device-status", account: "acc", wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
    const n = 200;
    const got = nextMessages("out", n);
    for (let i = 0; i < n; i++) helper.getNode("n1").receive({ deviceId: bl()[i % 50].id, seq: i });
    const msgs = await got;
    assert.deepEqual(msgs.map((m) => m.seq).sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i));
    assert.equal(sim.stats().logins.blynk, 1);
  });

  it("shows requesting, then ok with the local time of the host", async () => {
    const a = account(sim, "flatpeak");
    await loadFlow([a.node, { id: "n1", type: "devicecloud-get-device", account: "acc", wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
    const seen = statuses("n1");
    const got = nextMessages("out");
    const before = new Date();
    helper.getNode("n1").receive({ deviceId: fp()[0].id });
    await got;
    await new Promise((r) => setTimeout(r, 20));
    const after = new Date();
    assert.equal(seen.length, 2, JSON.stringify(seen));
    assert.equal(seen[0].text, "@devicecloud/node-red-devicecloud/devicecloud-account:devicecloud.status.requesting");
    assert.match(seen[1].text, withTime("ok"));
    // The local time (not UTC) of the moment the answer came, to the second.
    const hms = (d: Date) => [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
    const shown = seen[1].text.slice(-8);
    assert.ok(hms(before) <= shown && shown <= hms(after), `${seen[1].text} between ${hms(before)} and ${hms(after)}`);
  });

  it("sets its status once per change, not once per message: 300 messages in a burst", async () => {
    const a = account(sim, "blynk");
    await loadFlow([a.node, { id: "n1", type: "devicecloud-device-status", account: "acc", wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
    const seen = statuses("n1");
    const got = nextMessages("out", 300);
    for (let i = 0; i < 300; i++) helper.getNode("n1").receive({ deviceId: bl()[i % 50].id });
    await got;
    await new Promise((r) => setTimeout(r, 20));
    // requesting while any message is under way, then "ok · time"; a few more where the burst drained and refilled.
    assert.ok(seen.length <= 8, `${seen.length} statuses: ${JSON.stringify(seen.slice(0, 10))}`);
    assert.match(seen[seen.length - 1].text, withTime("ok"));
  });

  it("shows a listing's progress page by page: of how many where the cloud says (Blynk), the page alone where not (Flatpeak)", async () => {
    const b = account(sim, "blynk", "accb");
    const f = account(sim, "flatpeak", "accf");
    await loadFlow(
      [
        b.node,
        f.node,
        { id: "nb", type: "devicecloud-list-devices", account: "accb", output: "page", wires: [["out"]] },
        { id: "nf", type: "devicecloud-list-devices", account: "accf", wires: [["out"]] },
        { id: "out", type: "helper" },
      ],
      { ...b.creds, ...f.creds },
    );
    const pagesB = Math.ceil(bl().length / 1000);
    const pagesF = Math.ceil(fp().length / 100);
    assert.ok(pagesB >= 2 && pagesF >= 2, `${pagesB} Blynk and ${pagesF} Flatpeak pages`);
    const seenB = statuses("nb");
    const seenF = statuses("nf");
    let got = nextMessages("out", pagesB);
    helper.getNode("nb").receive({});
    await got;
    got = nextMessages("out");
    helper.getNode("nf").receive({});
    await got;
    await new Promise((r) => setTimeout(r, 20));
    const progress = (seen: Array<Record<string, any>>) => seen.filter((s) => /^page /.test(s.text)).map((s) => s.text);
    assert.deepEqual(progress(seenB), Array.from({ length: pagesB }, (_, i) => `page ${i + 1} of ${pagesB}`));
    assert.deepEqual(progress(seenF), Array.from({ length: pagesF }, (_, i) => `page ${i + 1}`));
    for (const seen of [seenB, seenF]) {
      assert.ok(seen.every((s) => s.fill === "blue" || s.fill === "green"), JSON.stringify(seen));
      assert.match(seen[seen.length - 1].text, withTime("ok"));
    }
  });

  it("sends nothing after close: in-flight requests are cancelled", async () => {
    const a = account(sim, "flatpeak");
    await loadFlow([a.node, { id: "n1", type: "devicecloud-get-device", account: "acc", wires: [["out"]] }, { id: "c", type: "catch", scope: null, wires: [["out"]] }, { id: "out", type: "helper" }], a.creds);
    let after = 0;
    helper.getNode("out").on("input", () => after++);
    sim.setLatency(400);
    try {
      helper.getNode("n1").receive({ deviceId: fp()[0].id });
      await new Promise((r) => setTimeout(r, 100));
      await helper.unload();
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(after, 0);
    } finally {
      sim.setLatency(0);
    }
  });
});
