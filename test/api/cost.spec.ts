/**
 * What a request costs beyond its HTTP exchange (issue 16): work counted per request, never timed. The benchmark
 * (npm run bench) measures the speed; these tests keep the cuts it led to from coming undone.
 */
import assert from "node:assert/strict";
import net from "node:net";
import sinon from "sinon";
import type { Simulator } from "../../src/simulator";
import { BlynkClient, FlatpeakClient } from "../../src/api";
import { clientFor, simulatorForSuite } from "../support/sim";

describe("the cost of a request", function () {
  let sim: Simulator;
  let client: FlatpeakClient;

  simulatorForSuite((s) => (sim = s));
  beforeEach(() => {
    client = clientFor(sim, "flatpeak") as FlatpeakClient;
  });
  afterEach(() => {
    sinon.restore();
    client.close();
  });

  it("keeps each socket's TCP keep-alive setting as it is from one request to the next (no system call per request)", async () => {
    const ids = (sim.fleet.flatpeak.devices as unknown as Array<{ id: string }>).slice(0, 30).map((d) => d.id);
    await client.getDevice(ids[0]); // log in, open a socket
    const calls = new Map<net.Socket, Array<string>>();
    const original = net.Socket.prototype.setKeepAlive;
    sinon.stub(net.Socket.prototype, "setKeepAlive").callsFake(function (this: net.Socket, enable?: boolean, delay?: number) {
      const seen = calls.get(this) ?? [];
      seen.push(`${enable} ${Math.floor((delay ?? 0) / 1000)}`);
      calls.set(this, seen);
      return original.call(this, enable, delay);
    });
    for (const id of ids) await client.getDevice(id);
    for (const group of [ids.slice(0, 10), ids.slice(10, 20), ids.slice(20)]) await Promise.all(group.map((id) => client.getDevice(id)));
    assert.ok(calls.size > 0, "the requests went over sockets the test could watch");
    for (const seen of calls.values()) assert.deepEqual(new Set(seen), new Set(["true 60"]), `the settings asked for on one socket: ${seen.join(", ")}`);
  });

  it("sends a body as the JSON text it made, without axios parsing it again on the way out", async () => {
    const blynk = clientFor(sim, "blynk") as BlynkClient;
    try {
      const thermostat = (sim.fleet.blynk.devices as unknown as Array<{ id: number; templateId: number }>).find((d) => d.templateId === 353)!;
      const description = "cost test: parsed once at most";
      // Where the body text was parsed: the simulator (in this process) parses it once as it arrives; axios must not.
      const parsedAt: string[] = [];
      const parse = JSON.parse;
      sinon.stub(JSON, "parse").callsFake((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
        if (typeof text === "string" && text.includes(description)) parsedAt.push(new Error().stack ?? "");
        return parse(text, reviver);
      });
      await blynk.triggerEvent(thermostat.id, "high_temperature", description);
      sinon.restore();
      assert.ok(parsedAt.some((stack) => /simulator/.test(stack)), "the simulator received the body");
      assert.deepEqual(parsedAt.filter((stack) => /axios/.test(stack)), [], "axios parsed the request body");
    } finally {
      blynk.close();
    }
  });
});
