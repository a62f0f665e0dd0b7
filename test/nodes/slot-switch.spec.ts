import assert from "node:assert/strict";
import sinon from "sinon";
import { clockTime, MAX_TIMER_MS, SlotSwitch } from "../../src/runtime/slot-switch";
import type { SlotEntry } from "../../src/api/types";

const slot = (start: string, end: string): SlotEntry => ({ start, end, averagePrice: 0.1, confidence: 1 });

describe("price slots: the switch", function () {
  let clock: sinon.SinonFakeTimers;
  let sent: { on: boolean; slot: SlotEntry; at: string }[];
  let sw: SlotSwitch;
  const status = () => {
    const s = sw.state();
    const at = s.at === undefined ? "" : clockTime(s.at, "Europe/London");
    return s.on ? `on until ${at}` : at ? `off, next ${at}` : "off";
  };
  const start = (iso: string) => {
    clock = sinon.useFakeTimers({ now: Date.parse(iso), toFake: ["setTimeout", "clearTimeout", "Date"] });
    sent = [];
    sw = new SlotSwitch((on, s) => sent.push({ on, slot: s, at: new Date().toISOString() }));
  };
  afterEach(() => {
    sw.close();
    clock.restore();
  });

  it("Europe/London, 2026-03-29 (clocks go forward at 01:00 GMT): switches at the right instants, status in local time", () => {
    start("2026-03-28T23:00:00Z");
    sw.plan([slot("2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z"), slot("2026-03-29T02:00:00Z", "2026-03-29T03:30:00Z")]);
    assert.equal(sent.length, 0, "nothing has begun: nothing is sent");
    assert.equal(status(), "off, next 00:30");
    clock.tick(90 * 60_000 - 1);
    assert.equal(sent.length, 0);
    clock.tick(1);
    assert.deepEqual(sent.map((s) => [s.on, s.at]), [[true, "2026-03-29T00:30:00.000Z"]]);
    assert.equal(status(), "on until 02:30", "01:30Z is 02:30 BST");
    clock.tick(60 * 60_000);
    assert.deepEqual(sent[1], { on: false, slot: sent[0].slot, at: "2026-03-29T01:30:00.000Z" });
    assert.equal(status(), "off, next 03:00");
    clock.tick(30 * 60_000);
    assert.equal(sent[2].at, "2026-03-29T02:00:00.000Z");
    assert.equal(status(), "on until 04:30");
    clock.tick(90 * 60_000);
    assert.deepEqual(sent.map((s) => s.on), [true, false, true, false]);
    assert.equal(sent[3].at, "2026-03-29T03:30:00.000Z");
    assert.equal(status(), "off");
    assert.equal(clock.countTimers(), 0, "no timer is left once the plan is done");
  });

  it("Europe/London, 2026-10-25 (clocks go back at 01:00 GMT): a slot from 01:30 BST to 01:30 GMT lasts its hour", () => {
    start("2026-10-25T00:00:00Z");
    sw.plan([slot("2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"), slot("2026-10-25T03:00:00Z", "2026-10-25T04:00:00Z")]);
    assert.equal(status(), "off, next 01:30");
    clock.tick(30 * 60_000);
    assert.equal(sent[0].at, "2026-10-25T00:30:00.000Z");
    assert.equal(status(), "on until 01:30");
    clock.tick(60 * 60_000 - 1);
    assert.equal(sent.length, 1, "still on: the local clock shows 01:29 GMT");
    clock.tick(1);
    assert.deepEqual(sent.map((s) => [s.on, s.at]), [[true, "2026-10-25T00:30:00.000Z"], [false, "2026-10-25T01:30:00.000Z"]]);
    assert.equal(status(), "off, next 03:00");
    clock.tick(150 * 60_000);
    assert.deepEqual(sent.map((s) => [s.on, s.at.slice(11, 16)]), [[true, "00:30"], [false, "01:30"], [true, "03:00"], [false, "04:00"]]);
  });

  it("sends true at once when a slot has begun, and a new plan replaces the old one (off at once if it leaves the slot out)", () => {
    start("2026-06-01T10:15:00Z");
    sw.plan([slot("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z"), slot("2026-06-01T14:00:00Z", "2026-06-01T15:00:00Z")]);
    assert.deepEqual(sent.map((s) => [s.on, s.at]), [[true, "2026-06-01T10:15:00.000Z"]]);
    clock.tick(5 * 60_000);
    sw.plan([slot("2026-06-01T12:00:00Z", "2026-06-01T12:30:00Z")]);
    assert.deepEqual(sent.map((s) => [s.on, s.at]), [[true, "2026-06-01T10:15:00.000Z"], [false, "2026-06-01T10:20:00.000Z"]]);
    clock.tick(5 * 3_600_000);
    assert.deepEqual(sent.map((s) => [s.on, s.at.slice(11, 16)]), [[true, "10:15"], [false, "10:20"], [true, "12:00"], [false, "12:30"]], "the old plan's 14:00 slot is gone");
  });

  it("touching slots keep it on: the next slot is announced with true, never off then on", () => {
    start("2026-06-01T09:00:00Z");
    sw.plan([slot("2026-06-01T10:00:00Z", "2026-06-01T10:30:00Z"), slot("2026-06-01T10:30:00Z", "2026-06-01T11:00:00Z")]);
    clock.tick(3 * 3_600_000);
    assert.deepEqual(sent.map((s) => [s.on, s.at.slice(11, 16), s.slot.start.slice(11, 16)]), [[true, "10:00", "10:00"], [true, "10:30", "10:30"], [false, "11:00", "10:30"]]);
  });

  it("close cancels everything: no timer left, nothing sent afterwards", () => {
    start("2026-06-01T09:00:00Z");
    sw.plan([slot("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z")]);
    assert.equal(clock.countTimers(), 1);
    sw.close();
    assert.equal(clock.countTimers(), 0);
    clock.tick(3 * 3_600_000);
    sw.plan([slot("2026-06-01T12:00:00Z", "2026-06-01T13:00:00Z")]);
    clock.tick(3 * 3_600_000);
    assert.deepEqual(sent, []);
  });

  it("no timer waits beyond 2^31-1 ms: a slot 60 days away still switches on its instant", () => {
    start("2026-06-01T00:00:00Z");
    const delays: number[] = [];
    const real = globalThis.setTimeout;
    const spy = sinon.stub(globalThis, "setTimeout").callsFake(((fn: () => void, ms: number) => {
      delays.push(ms);
      return real(fn, ms);
    }) as never);
    try {
      sw.plan([slot("2026-07-31T00:00:00Z", "2026-07-31T01:00:00Z")]);
      clock.tick(61 * 86_400_000);
    } finally {
      spy.restore();
    }
    assert.ok(delays.length >= 3, String(delays));
    assert.ok(delays.every((d) => d >= 0 && d <= MAX_TIMER_MS), String(delays));
    assert.deepEqual(sent.map((s) => [s.on, s.at]), [[true, "2026-07-31T00:00:00.000Z"], [false, "2026-07-31T01:00:00.000Z"]]);
  });

  it("clockTime names the day when the change is a day or more away", () => {
    const now = Date.parse("2026-06-01T09:00:00Z");
    assert.equal(clockTime(Date.parse("2026-06-01T20:30:00Z"), "Europe/London", now), "21:30");
    assert.equal(clockTime(Date.parse("2026-06-03T20:30:00Z"), "Europe/Berlin", now), "Wed 22:30");
    assert.equal(clockTime(Date.parse("2026-06-01T20:30:00Z"), "Not/AZone", now).length, 5);
  });
});
