/**
 * Rate limits at node level, at the defaults (no setting changed): a watch polling a fleet of 10,001 Blynk devices
 * spends the documented 10,000 requests per minute (enforced by the simulator) evenly, and leaves the other nodes of
 * the account their turns. The whole minute-long poll runs end to end (test/e2e/limits.e2e.js).
 */
import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { withSimulator } from "../support/sim";
import { ALL_NODES, account, helper, nextMessages, statuses } from "../support/nodes";
import { sleep, startHelper, stopHelper, waitFor } from "./helpers";

async function load(flow: Array<Record<string, unknown>>, creds: Record<string, unknown>): Promise<void> {
  const nodes = [{ id: "t1", type: "tab", label: "test" }, ...flow.map((n, i) => (n.type === "devicecloud-account" ? n : { z: "t1", x: 100, y: 40 * (i + 1), ...n }))];
  await helper.load(ALL_NODES, nodes as never, creds);
}

describe("reliability: rate limits at node level, at the defaults", function () {
  this.timeout(90_000);
  let sim: Simulator;
  /** When each Blynk API request reached the simulator (the token endpoint is not limited and not counted). */
  const arrivals: number[] = [];

  before(async () => {
    sim = await withSimulator({
      // Seed 1: 14,330 simulated Blynk devices put 10,001 in the account's organization.
      blynkDevices: 14_330,
      log: (line) => {
        if (line.startsWith("blynk") && line.includes(" /api/")) arrivals.push(Date.now());
      },
    });
  });
  after(() => sim.close());
  beforeEach(() => {
    arrivals.length = 0;
    return startHelper();
  });
  afterEach(() => stopHelper());

  it("a watch polling 10,000 devices leaves a get-device of the same account its turn: answered within seconds", async () => {
    const a = account(sim, "blynk");
    await load(
      [
        a.node,
        { id: "w", type: "devicecloud-watch", account: "acc", watch: "status", interval: 600, wires: [["events"]] },
        { id: "g", type: "devicecloud-get-device", account: "acc", wires: [["out"]] },
        { id: "events", type: "helper" },
        { id: "out", type: "helper" },
      ],
      a.creds,
    );
    sim.setRateLimit("blynk", { limit: 10_000, windowMs: 60_000, retryAfter: false }); // a fresh window of the cloud
    const device = sim.fleet.blynk.devices[17].id;
    const watchStatus = statuses("w");
    let events = 0;
    helper.getNode("events").on("input", () => events++);
    // The poll is under way once the listing is done and the status requests have emptied the bucket.
    assert.ok(await waitFor(() => arrivals.length > 1000, 20_000), `the poll began (${arrivals.length} requests)`);
    const took: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const got = nextMessages("out");
      helper.getNode("g").receive({ deviceId: device });
      const [msg] = await Promise.race([got, sleep(10_000).then(() => [{}] as Array<Record<string, any>>)]);
      took.push(Date.now() - t0);
      assert.equal(msg.payload?.id, device, `get-device ${i} answered`);
      await sleep(300);
    }
    console.log(`      [rate limit] get-device during a poll of 10,000 devices: answered in ${took.join(", ")} ms; ${arrivals.length} requests of the poll so far`);
    assert.equal(events, 0, "the poll was still under way (no event yet)");
    assert.ok(arrivals.length < 10_010, "the poll had not finished");
    assert.ok(Math.max(...took) < 3_000, `each get-device within 3 s: ${took.join(", ")} ms`);
    // The poll's pace: any run of whole seconds holds at most the bucket (a sixtieth of the limit, 167) plus its
    // refill (9,834 per 61.2 s, 161 per second), plus the requests already on their way when the run began: at most
    // the account's 32 in flight, admitted before it and arriving in it (a loaded machine delays their arrival).
    const t0 = arrivals[0];
    const perSecond: number[] = [];
    for (const t of arrivals) perSecond[Math.floor((t - t0) / 1000)] = (perSecond[Math.floor((t - t0) / 1000)] ?? 0) + 1;
    console.log(`      [rate limit] the poll's requests per second at the simulator: ${Array.from(perSecond, (n) => n ?? 0).join(" ")}; 429s ${sim.stats().rateLimited}`);
    for (let i = 0; i < perSecond.length; i++) {
      let sum = 0;
      for (let j = i; j < perSecond.length; j++) {
        sum += perSecond[j] ?? 0;
        assert.ok(sum <= 167 + 161 * (j - i + 1) + 32, `seconds ${i}..${j}: ${sum} requests`);
      }
    }
    assert.equal(sim.stats().rateLimited, 0, "the cloud refused none");
    assert.ok(watchStatus.some((st) => st.fill === "yellow" && /waiting/.test(st.text)), `the watch showed the yellow waiting status: ${JSON.stringify(watchStatus)}`);
  });
});
