import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { i18n } from "@node-red/util";
import type { Simulator } from "../../src/simulator";
import { FLATPEAK_PRICE_LOCATIONS as LOC } from "../../src/simulator/flatpeak/pricing";
import { findSecret, SECRETS, secretStrings, simulatorForSuite } from "../support/sim";
import { recordCalls } from "../reliability/helpers";
import { account, freshRuntimeEach, helper, loadFlow, nextMessages, statuses } from "../support/nodes";

const H = 3_600_000;
const CATALOGUE = "@devicecloud/node-red-devicecloud/devicecloud-price-slots:devicecloud-price-slots.status";
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("prices and price slots nodes in a Node-RED runtime, against the simulator", function () {
  let sim: Simulator;
  simulatorForSuite((s) => (sim = s));
  freshRuntimeEach(() => sim);

  const priceRequests = () => Object.entries(sim.stats().byRoute).filter(([k]) => /prices|schedules|tariffs|slots|locations/.test(k)).reduce((s, [, n]) => s + n, 0);

  async function flow(node: Record<string, unknown>, provider: "flatpeak" | "blynk" = "flatpeak") {
    const a = account(sim, provider);
    await loadFlow(
      [a.node, { id: "n1", account: "acc", wires: [["out"]], ...node }, { id: "out", type: "helper" }, { id: "c", type: "catch", scope: ["n1"], wires: [["err"]] }, { id: "err", type: "helper" }],
      a.creds,
    );
  }

  it("prices: the series and the current price of msg.locationId", async () => {
    await flow({ type: "devicecloud-prices" });
    const got = nextMessages("out");
    helper.getNode("n1").receive({ locationId: LOC.demoDynamic, topic: "today" } as never);
    const [msg] = await got;
    assert.equal(msg.topic, "today");
    assert.deepEqual(Object.keys(msg.payload), ["locationId", "timezone", "currency", "direction", "prices", "current", "nextUpdate"]);
    assert.equal(msg.payload.currency, "GBP");
    assert.ok(msg.payload.prices.length >= 48);
    assert.ok(msg.payload.current && typeof msg.payload.current.price === "number");
  });

  it("prices: get device → prices works, the location taken from the device's locations", async () => {
    const device = sim.fleet.flatpeak.devices[3];
    await flow({ type: "devicecloud-prices", hours: 6 });
    const got = nextMessages("out");
    helper.getNode("n1").receive({ payload: { ...device } } as never);
    const [msg] = await got;
    assert.equal(msg.payload.locationId, device.locations[0]);
    const prices = msg.payload.prices;
    assert.ok(Date.parse(prices[0].start) <= Date.now() && Date.parse(prices[prices.length - 1].end) >= Date.now() + 6 * H - 60_000);
  });

  it("price slots: the cheapest minutes of msg.duration, one message", async () => {
    await flow({ type: "devicecloud-price-slots", locationId: LOC.demoDynamic, locationIdType: "str", duration: 60 });
    const got = nextMessages("out");
    helper.getNode("n1").receive({ duration: 120 } as never);
    const [msg] = await got;
    assert.equal(msg.payload.minutes, 120);
    assert.equal(msg.payload.segment, "LOW");
    assert.deepEqual(Object.keys(msg.payload), ["locationId", "timezone", "currency", "direction", "segment", "slots", "minutes", "nextUpdate"]);
  });

  it("bad inputs are INVALID_INPUT naming the field, and nothing is sent to the cloud", async () => {
    const cases: [Record<string, unknown>, Record<string, unknown>, RegExp][] = [
      [{ type: "devicecloud-prices" }, {}, /^locationId: no location/],
      [{ type: "devicecloud-prices" }, { locationId: "dev_1" }, /^locationId:/],
      [{ type: "devicecloud-prices" }, { locationId: LOC.demoDynamic, start: "2026-03-29T07:00:00" }, /^msg\.start: .*offset/],
      [{ type: "devicecloud-prices" }, { locationId: LOC.demoDynamic, start: Date.now(), end: Date.now() - H }, /^msg\.end: the period must end after it starts/],
      [{ type: "devicecloud-prices" }, { locationId: LOC.demoDynamic, end: Date.now() + 91 * 24 * H }, /^msg\.end: a period is at most 90 days/],
      [{ type: "devicecloud-price-slots", hours: 96 }, { locationId: LOC.demoDynamic }, /^hours:/],
      [{ type: "devicecloud-price-slots", hours: 2 }, { locationId: LOC.demoDynamic, duration: 180 }, /^duration:/],
      [{ type: "devicecloud-price-slots", mode: "threshold", threshold: 1.5 }, { locationId: LOC.demoDynamic }, /^threshold:/],
      [{ type: "devicecloud-price-slots", segment: "MIDDLE" }, { locationId: LOC.demoDynamic }, /^segment:/],
    ];
    for (const [node, msg, message] of cases) {
      await flow(node);
      const got = nextMessages("err");
      helper.getNode("n1").receive(msg as never);
      const [err] = await got;
      assert.equal(err.error.code, "INVALID_INPUT", err.error.message);
      assert.match(err.error.message, message);
      await helper.unload();
    }
    assert.equal(priceRequests(), 0);
  });

  it("a pending connect is API_ERROR saying to wait 15 minutes; a Blynk account is UNSUPPORTED", async () => {
    await flow({ type: "devicecloud-price-slots" });
    let got = nextMessages("err");
    helper.getNode("n1").receive({ locationId: LOC.pendingConnect } as never);
    let [err] = await got;
    assert.equal(err.error.code, "API_ERROR");
    assert.match(err.error.message, /15 minutes/);
    await helper.unload();
    await flow({ type: "devicecloud-prices" }, "blynk");
    got = nextMessages("err");
    helper.getNode("n1").receive({ locationId: LOC.demoDynamic } as never);
    [err] = await got;
    assert.equal(err.error.code, "UNSUPPORTED");
  });

  it("switch: on at once when a slot has begun, off at once when a new plan leaves it out, nothing after close", async () => {
    // Every price is at or below the highest: the whole period is one slot, begun now.
    await flow({ type: "devicecloud-price-slots", locationId: LOC.demoDynamic, locationIdType: "str", mode: "threshold", threshold: 1, output: "switch" });
    const seen = statuses("n1");
    const out: Array<Record<string, any>> = [];
    helper.getNode("out").on("input", (m: Record<string, any>) => out.push(m));
    helper.getNode("n1").receive({ topic: "charger", payload: "plan" } as never);
    for (let i = 0; i < 200 && out.length < 1; i++) await sleep(10);
    assert.equal(out[0].payload, true);
    assert.equal(out[0].topic, "charger");
    assert.ok(Date.parse(out[0].slot.start) <= Date.now() && Date.now() < Date.parse(out[0].slot.end));
    await sleep(50);
    assert.deepEqual({ ...seen[seen.length - 1], text: undefined }, { fill: "green", shape: "dot", text: undefined });
    assert.match(seen[seen.length - 1].text, /^on until \S+/);
    // A plan for later: the switch goes off now and shows the next start.
    helper.getNode("n1").receive({ start: Date.now() + 2 * H, end: Date.now() + 3 * H } as never);
    for (let i = 0; i < 200 && out.length < 2; i++) await sleep(10);
    assert.equal(out[1].payload, false);
    await sleep(50);
    assert.deepEqual({ ...seen[seen.length - 1], text: undefined }, { fill: "grey", shape: "ring", text: undefined });
    assert.match(seen[seen.length - 1].text, /^off, next \S+/);
    assert.equal(out.length, 2);
  });

  it("switch: a message that fails ends in Catch and leaves the plan in force, so a switch that is on still gets its false", async () => {
    await flow({ type: "devicecloud-price-slots", locationId: LOC.demoDynamic, locationIdType: "str", mode: "threshold", threshold: 1, output: "switch" });
    const out: Array<Record<string, any>> = [];
    helper.getNode("out").on("input", (m: Record<string, any>) => out.push(m));
    helper.getNode("n1").receive({ payload: "plan" } as never);
    for (let i = 0; i < 200 && out.length < 1; i++) await sleep(10);
    assert.equal(out[0].payload, true);
    const failed = nextMessages("err");
    helper.getNode("n1").receive({ start: "2026-03-29T07:00:00" } as never);
    const [err] = await failed;
    assert.equal(err.error.code, "INVALID_INPUT");
    await sleep(50);
    assert.equal(out.length, 1, "the failed message sent nothing and switched nothing off");
    // The plan was still in force: a plan for later now switches the device off.
    helper.getNode("n1").receive({ start: Date.now() + 2 * H, end: Date.now() + 3 * H } as never);
    for (let i = 0; i < 200 && out.length < 2; i++) await sleep(10);
    assert.equal(out[1].payload, false);
  });

  it("no secret reaches a message, a status, a log line or an error, on every path (ok, 422, refused, unreachable)", async () => {
    const secrets = [...secretStrings(sim), "sk_test_WRONG_secret_for_prices"];
    const scanned: unknown[] = [];
    const paths: [Record<string, unknown>, string | undefined, Record<string, unknown>][] = [
      [{}, undefined, { locationId: LOC.demoDynamic }],
      [{}, undefined, { locationId: LOC.noTariff }],
      [{}, "sk_test_WRONG_secret_for_prices", { locationId: LOC.demoDynamic }],
      [{ server: "http://127.0.0.1:9" }, undefined, { locationId: LOC.demoDynamic }],
    ];
    for (const [extra, secret, msg] of paths) {
      for (const type of ["devicecloud-prices", "devicecloud-price-slots"]) {
        const a = account(sim, "flatpeak", "acc", extra);
        if (secret) (a.creds.acc as Record<string, string>).clientSecret = secret;
        await loadFlow([a.node, { id: "n1", type, account: "acc", wires: [["out"]] }, { id: "out", type: "helper" }, { id: "c", type: "catch", scope: ["n1"], wires: [["err"]] }, { id: "err", type: "helper" }], a.creds);
        const calls = recordCalls(helper.getNode("n1"));
        const done = new Promise<Record<string, unknown>>((resolve) => {
          helper.getNode("out").on("input", resolve);
          helper.getNode("err").on("input", resolve);
        });
        helper.getNode("n1").receive(msg as never);
        scanned.push(await done, calls);
        await sleep(20);
        scanned.push((helper.log() as unknown as { args: unknown[][] }).args);
        await helper.unload();
      }
    }
    for (const item of scanned) assert.equal(findSecret(item, secrets), undefined);
    assert.ok(SECRETS.flatpeak.clientSecret.length > 8);
  });

  it("the switch's status texts, from the node's catalogue as Node-RED registers it", async () => {
    await i18n.registerMessageCatalog("@devicecloud/node-red-devicecloud/devicecloud-price-slots", path.join(__dirname, "..", "..", "..", "nodes", "locales"), "devicecloud-price-slots.json");
    assert.equal(i18n._(`${CATALOGUE}.onUntil`, { time: "04:30" }), "on until 04:30");
    assert.equal(i18n._(`${CATALOGUE}.offNext`, { time: "01:30" }), "off, next 01:30");
    const de = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "..", "nodes", "locales", "de", "devicecloud-price-slots.json"), "utf8"));
    assert.equal(de["devicecloud-price-slots"].status.offNext, "aus, nächstes __time__");
  });
});
