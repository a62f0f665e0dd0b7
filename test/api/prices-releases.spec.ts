import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { createClient, type FlatpeakClient } from "../../src/api";
import { FLATPEAK_PRICE_LOCATIONS as LOC } from "../../src/simulator/flatpeak/pricing";
import { simulatorForSuite } from "../support/sim";

const H = 3_600_000;

describe("Flatpeak client: prices and slots on each release", function () {
  let sim: Simulator;
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const RELEASES: [string, string, string[]][] = [
    ["2024-08-24.zero", "zero", [`GET /tariffs/rates/${LOC.demoDynamic}`, `GET /slots/time/${LOC.demoDynamic}`, `GET /slots/threshold/${LOC.demoDynamic}`]],
    ["2025-09-14.anode", "anode", [`POST /prices/${LOC.demoDynamic}`, `POST /schedules/duration/${LOC.demoDynamic}`, `POST /schedules/limit/${LOC.demoDynamic}`]],
    ["2026-08-01.busbar", "busbar", ["POST /prices", "POST /schedules/duration", "POST /schedules/limit"]],
    // A release newer than the client knows speaks busbar.
    ["2027-01-01.yotta", "busbar", ["POST /prices", "POST /schedules/duration", "POST /schedules/limit"]],
  ];
  const results = new Map<string, unknown>();

  simulatorForSuite((s) => (sim = s));

  for (const [version, release, endpoints] of RELEASES) {
    for (const pinned of [true, false]) {
      it(`${version}, ${pinned ? "set as the account's API version" : "the account's default, named by the cloud's flatpeak-version"}: ${endpoints.join(", ")}`, async () => {
        const account = sim.accounts.flatpeak.find((a) => a.release === version);
        assert.ok(account, `the simulator has an account on ${version}`);
        const paths: string[] = [];
        const client = createClient({
          provider: "flatpeak",
          baseUrl: sim.url,
          clientId: account.clientId,
          clientSecret: account.clientSecret,
          apiVersion: pinned ? version : "",
          onRequest: (r) => paths.push(`${r.method} ${r.path}`),
        }) as FlatpeakClient;
        try {
          assert.equal(await client.release(), release);
          const period = { locationId: LOC.demoDynamic, start: now, end: now + 24 * H };
          const series = await client.prices(period);
          const cheap = await client.priceSlots({ ...period, segment: "LOW", rule: { mode: "duration", minutes: 150 } });
          const dear = await client.priceSlots({ ...period, segment: "HIGH", rule: { mode: "threshold", kind: "relative", value: 0.75 } });
          assert.deepEqual(paths.filter((p) => !/^(GET \/login|POST \/auth\/tokens)$/.test(p)), endpoints);
          const long = await client.priceSlots({ ...period, end: now + 4 * 24 * H, segment: "LOW", rule: { mode: "duration", minutes: 150 } });
          assert.equal(paths[paths.length - 1], release === "zero" ? `GET /slots/time/${LOC.demoDynamic}` : endpoints[0], "over 3 days: computed from the prices on anode and busbar");
          assert.equal(long.minutes, 150);
          // One output shape whatever the release: the same prices and slots (only nextUpdate depends on it).
          const same = { prices: series.prices, cheap: cheap.slots, dear: dear.slots, long: long.slots, currency: series.currency, timezone: series.timezone };
          for (const other of results.values()) assert.deepEqual(same, other);
          results.set(`${version} ${pinned}`, same);
          assert.equal(series.nextUpdate === null, release === "busbar", "busbar's price answer has no next_update");
        } finally {
          client.close();
        }
      });
    }
  }
});
