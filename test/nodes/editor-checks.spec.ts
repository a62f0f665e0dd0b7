/**
 * The flow nodes' properties are checked the same way by the editor (the validators their .html files register
 * through resources/devicecloud-editor.js) and by the runtime: a value the editor marks invalid fails each
 * message with INVALID_INPUT naming the property, and a value it accepts is not refused as that property.
 */
import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { clientFor, collect, simulatorForSuite } from "../support/sim";
import { editorAccepts, editorDefaults } from "../support/editor";
import { account, freshRuntimeEach, helper, loadFlow } from "../support/nodes";

interface Case {
  type: string;
  provider: "flatpeak" | "blynk";
  prop: string;
  values: unknown[];
  /** Other properties of the node (the value's type, the mode it applies in). */
  props?: Record<string, unknown>;
  msg: () => Record<string, unknown>;
}

describe("the flow nodes' properties: the editor and the runtime agree", function () {
  let sim: Simulator;
  let blynkId = 0;
  let flatpeakDevice: Record<string, unknown> = {};
  simulatorForSuite((s) => (sim = s), { flatpeakDevices: 5, blynkDevices: 20 });
  before(async () => {
    const b = clientFor(sim, "blynk");
    const f = clientFor(sim, "flatpeak");
    try {
      blynkId = (await collect(b.listDevices()))[0].id as number;
      flatpeakDevice = (await collect(f.listDevices()))[0];
    } finally {
      b.close();
      f.close();
    }
  });
  freshRuntimeEach(() => sim);

  const cases: Case[] = [
    { type: "devicecloud-list-devices", provider: "blynk", prop: "max", values: ["0", "5", "1e3", "-1", "1.5", "abc"], msg: () => ({}) },
    {
      type: "devicecloud-list-devices",
      provider: "blynk",
      prop: "orgId",
      props: { orgIdType: "num" },
      values: ["1", "2147483647", "0", "2147483648", "abc"],
      msg: () => ({}),
    },
    {
      type: "devicecloud-list-devices",
      provider: "blynk",
      prop: "email",
      props: { listBy: "owner", emailType: "str" },
      values: ["owner@example.com", " owner@example.com ", "owner", "a b@example.com", `${"a".repeat(250)}@example.com`],
      msg: () => ({}),
    },
    { type: "devicecloud-list-devices", provider: "blynk", prop: "minutes", props: { listBy: "activated" }, values: ["5", "1", "60", "0", "61", "1.5"], msg: () => ({}) },
    { type: "devicecloud-list-devices", provider: "blynk", prop: "sortBy", values: ["Name", "Activated At", "1abc", "x".repeat(51)], msg: () => ({ query: "a" }) },
    {
      type: "devicecloud-device-history",
      provider: "blynk",
      prop: "eventType",
      props: { what: "timeline" },
      values: ["WARNING", "critical", "WARN1", "x".repeat(51)],
      msg: () => ({ deviceId: blynkId }),
    },
    // the watch reports a wrong property with its first poll (to Catch), and otherwise sends the devices' state
    { type: "devicecloud-watch", provider: "blynk", prop: "interval", values: ["60", "10", "2147483", "9", "2147484", "abc"], msg: () => ({ payload: "poll" }) },
    { type: "devicecloud-watch", provider: "blynk", prop: "interval", props: { watch: "activated" }, values: ["1800", "1801"], msg: () => ({ payload: "poll" }) },
    { type: "devicecloud-get-device", provider: "blynk", prop: "detail", values: ["full", "base", "all"], msg: () => ({ deviceId: blynkId }) },
    { type: "devicecloud-device-status", provider: "blynk", prop: "offlineAfter", values: ["900", "0.5", "0", "-5", "abc"], msg: () => ({ deviceId: blynkId }) },
    { type: "devicecloud-trigger-event", provider: "blynk", prop: "eventCode", props: { eventCodeType: "str" }, values: ["high_temperature", "x".repeat(50), "x".repeat(51)], msg: () => ({ deviceId: blynkId }) },
    {
      type: "devicecloud-update-metafield",
      provider: "blynk",
      prop: "metafieldId",
      props: { metafieldIdType: "num" },
      values: ["1", " 7 ", "2147483647", "0", "2147483648", "99999999999", "1.5", "abc"],
      msg: () => ({ deviceId: blynkId, payload: "x" }),
    },
    {
      type: "devicecloud-datastream",
      provider: "blynk",
      prop: "datastream",
      props: { action: "read", datastreamType: "num" },
      values: ["5", "0", "2147483647", "2147483648", "99999999999", "abc"],
      msg: () => ({ deviceId: blynkId }),
    },
    {
      type: "devicecloud-datastream",
      provider: "blynk",
      prop: "datastream",
      props: { action: "read", datastreamType: "str" },
      values: ["V5", "v5", "5", "V9999", "V10000", "2147483648", "X5"],
      msg: () => ({ deviceId: blynkId }),
    },
    {
      type: "devicecloud-manage-device",
      provider: "blynk",
      prop: "ownerId",
      props: { action: "create", templateId: "TMPL8RITg_f9Q", deviceName: "Probe", ownerIdType: "num" },
      values: ["202", "9007199254740991", "0", "-3", "1.5", "9007199254740992", "abc"],
      msg: () => ({}),
    },
    {
      type: "devicecloud-manage-device",
      provider: "blynk",
      prop: "orgId",
      props: { action: "create", templateId: "TMPL8RITg_f9Q", deviceName: "Probe", orgIdType: "num" },
      values: ["1", "2147483647", "0", "-3", "2147483648"],
      msg: () => ({}),
    },
    { type: "devicecloud-manage-device", provider: "blynk", prop: "newUserId", props: { action: "transferToUser", newUserIdType: "num" }, values: ["202", "0", "-1", "1.5"], msg: () => ({ deviceId: blynkId }) },
    { type: "devicecloud-manage-device", provider: "blynk", prop: "newOrgId", props: { action: "transferToOrg", newOrgIdType: "num" }, values: ["1", "0", "2147483648"], msg: () => ({ deviceId: blynkId }) },
    { type: "devicecloud-prices", provider: "flatpeak", prop: "hours", values: ["24", "2160", "0.5", "0", "2161", "abc"], msg: () => ({ payload: flatpeakDevice }) },
    { type: "devicecloud-prices", provider: "flatpeak", prop: "direction", values: ["IMPORT", "EXPORT", "import", "BOTH"], msg: () => ({ payload: flatpeakDevice }) },
    { type: "devicecloud-price-slots", provider: "flatpeak", prop: "direction", values: ["IMPORT", "EXPORT", "export"], msg: () => ({ payload: flatpeakDevice }) },
    { type: "devicecloud-price-slots", provider: "flatpeak", prop: "segment", values: ["LOW", "HIGH", "low", "MID"], msg: () => ({ payload: flatpeakDevice }) },
    { type: "devicecloud-price-slots", provider: "flatpeak", prop: "mode", values: ["duration", "threshold", "Duration", "cheapest"], msg: () => ({ payload: flatpeakDevice }) },
    {
      type: "devicecloud-price-slots",
      provider: "flatpeak",
      prop: "thresholdKind",
      props: { mode: "threshold" },
      values: ["relative", "absolute", "percent"],
      msg: () => ({ payload: flatpeakDevice }),
    },
    // outside mode threshold the kind is not read: neither refuses it
    { type: "devicecloud-price-slots", provider: "flatpeak", prop: "thresholdKind", props: { mode: "duration" }, values: ["percent"], msg: () => ({ payload: flatpeakDevice }) },
    { type: "devicecloud-price-slots", provider: "flatpeak", prop: "output", values: ["slots", "switch", "both"], msg: () => ({ payload: flatpeakDevice }) },
    { type: "devicecloud-price-slots", provider: "flatpeak", prop: "hours", values: ["24", "72", "0", "73"], msg: () => ({ payload: flatpeakDevice }) },
    { type: "devicecloud-price-slots", provider: "flatpeak", prop: "duration", values: ["60", "1", "0", "1.5", "abc"], msg: () => ({ payload: flatpeakDevice }) },
    {
      type: "devicecloud-price-slots",
      provider: "flatpeak",
      prop: "threshold",
      props: { mode: "threshold", thresholdKind: "relative" },
      values: ["0.3", "0.01", "1", "0", "1.5", "abc"],
      msg: () => ({ payload: flatpeakDevice }),
    },
  ];

  /** The runtime's verdict: false when the message fails with INVALID_INPUT naming the property. */
  async function runtimeAccepts(c: Case, value: unknown): Promise<boolean> {
    const a = account(sim, c.provider);
    await loadFlow(
      [
        a.node,
        { id: "n1", type: c.type, account: "acc", wires: [["out"]], ...c.props, [c.prop]: value },
        { id: "c", type: "catch", scope: null, wires: [["caught"]] },
        { id: "out", type: "helper" },
        { id: "caught", type: "helper" },
      ],
      a.creds,
    );
    const verdict = new Promise<boolean>((resolve) => {
      // INVALID_INPUT comes before any request; a node that sends nothing at once (price slots as a switch waiting
      // for its first slot) has not refused the value.
      const quiet = setTimeout(() => resolve(true), 3000);
      helper.getNode("out").once("input", () => (clearTimeout(quiet), resolve(true)));
      helper.getNode("caught").once("input", (m: { error: { code: string; message: string } }) => {
        clearTimeout(quiet);
        resolve(!(m.error.code === "INVALID_INPUT" && m.error.message.startsWith(`${c.prop}: `)));
      });
    });
    helper.getNode("n1").receive(c.msg());
    const accepted = await verdict;
    await helper.unload();
    return accepted;
  }

  for (const c of cases) {
    const kind = c.props ? ` (${Object.entries(c.props).map(([k, v]) => `${k} ${String(v)}`).join(", ")})` : "";
    it(`${c.type.replace("devicecloud-", "")} ${c.prop}${kind}: ${c.values.map((v) => JSON.stringify(v).slice(0, 14)).join(", ")}`, async () => {
      assert.ok(editorDefaults()[c.type][c.prop].validate, `${c.type} has a validator for ${c.prop}`);
      const disagree = [];
      for (const value of c.values) {
        const editor = editorAccepts(c.type, c.prop, value, c.props);
        const runtime = await runtimeAccepts(c, value);
        if (editor !== runtime) disagree.push(`${JSON.stringify(value)}: editor ${editor ? "accepts" : "refuses"}, runtime ${runtime ? "accepts" : "refuses"}`);
      }
      assert.deepEqual(disagree, []);
    });
  }
});
