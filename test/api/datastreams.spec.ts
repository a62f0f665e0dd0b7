import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import type { Simulator } from "../../src/simulator";
import { BlynkClient } from "../../src/api";
import { ExpiringCache, checkValue, parseDatastream, type TemplateDatastream } from "../../src/api/blynk-datastreams";
import { clientFor, findSecret, freshClientEach, rejects, secretStrings, simulatorForSuite } from "../support/sim";

type Dev = { id: number; templateId: number; connected: boolean; firstConnectTime: number; lastReceivedEventAt: number; dsValues: unknown[] };

describe("Blynk datastreams: client against the simulator", function () {
  let sim: Simulator;
  let client: BlynkClient;
  const sent: string[] = [];
  const ORG = "/api/v1/organization";

  simulatorForSuite((s) => (sim = s));
  freshClientEach(() => sim, "blynk", sent, (c) => (client = c as BlynkClient));

  const devices = () => sim.fleet.blynk.devices as unknown as Dev[];
  /** Thermostats that report (they have values and a week of history). */
  const thermostats = () => devices().filter((d) => d.templateId === 353 && d.firstConnectTime > 0);
  const silent = () => devices().find((d) => d.templateId === 353 && d.firstConnectTime === 0)!;
  const posts = () => sent.filter((s) => s.startsWith("POST /api/v1/organization/device/datastream"));

  it("writes V5 by pin, resolved from the template; reads and GET /device return the new value", async () => {
    const d = thermostats()[0];
    const out = await client.writeDatastream(d.id, parseDatastream("V5"), 21.5);
    assert.equal(out.datastream.id, 3);
    assert.equal(out.value, 21.5);
    assert.deepEqual(posts(), [`POST ${ORG}/device/datastream`]);
    const [one] = await client.readDatastreams(d.id, { pin: "V5" });
    assert.equal(one.value, 21.5);
    assert.equal(one.datastreamId, 3);
    assert.ok(Date.now() - Date.parse(one.updatedAt!) < 60_000, "updatedAt is the time of the write");
    const full = await client.getDevice(d.id);
    const entry = (full.dataStreamValues as Array<Record<string, unknown>>).find((v) => v.dataStreamId === 3);
    assert.equal(entry?.value, 21.5);
  });

  it("caches the template: ten writes cost one template read, one device read and ten POSTs", async () => {
    const d = thermostats()[1];
    for (let i = 0; i < 10; i++) await client.writeDatastream(d.id, { id: 1 }, 20 + i / 10);
    assert.equal(sent.filter((s) => s === `GET ${ORG}/template/datastreams`).length, 1);
    assert.equal(sent.filter((s) => s === `GET ${ORG}/device/baseInfo`).length, 1);
    assert.equal(posts().length, 10);
  });

  it("an unknown pin or id is NOT_FOUND and nothing is written", async () => {
    const d = thermostats()[2];
    const e1 = await rejects(client.writeDatastream(d.id, { pin: "V99" }, 1));
    assert.equal(e1.code, "NOT_FOUND");
    assert.match(e1.message, /V99.*V0, V1, V5/);
    const e2 = await rejects(client.readDatastreams(d.id, { id: 77 }));
    assert.equal(e2.code, "NOT_FOUND");
    const e3 = await rejects(client.datastreamHistory(d.id, { pin: "V42" }, {}));
    assert.equal(e3.code, "NOT_FOUND");
    assert.deepEqual(posts(), []);
    const e4 = await rejects(client.writeDatastream(999_999_999, { pin: "V5" }, 1));
    assert.equal(e4.code, "NOT_FOUND");
  });

  it("checks every value against the datastream's type before anything is written (INVALID_INPUT naming the field)", async () => {
    const d = thermostats()[3];
    const bad: Array<[string, unknown]> = [
      ["V1", 2 ** 31], // INT: 32 bits
      ["V1", 20.5], // INT: whole
      ["V0", "warm"], // DOUBLE
      ["V0", true], // DOUBLE takes no boolean
      ["V6", "€".repeat(342)], // STRING: 1026 bytes
      ["V6", { text: "x" }],
      ["V7", [200, 10]], // LOCATION: longitude out of range
      ["V7", "13.4,52.5"],
      ["V4", 4], // ENUM: the template has 4 labels
      ["V4", "Boost"],
      ["V5", null],
    ];
    for (const [pin, value] of bad) {
      const e = await rejects(client.writeDatastream(d.id, { pin }, value));
      assert.equal(e.code, "INVALID_INPUT", `${pin} ${JSON.stringify(value)}: ${e.message}`);
      assert.match(e.message, /^value: /);
    }
    assert.deepEqual(posts(), [], "nothing was sent");
  });

  it("sends the value each type takes: booleans as 1/0 (Q4), numeric text as numbers, ENUM labels as their index", async () => {
    const d = thermostats()[4];
    const heat = await client.writeDatastream(d.id, { pin: "V3" }, true);
    assert.equal(heat.value, 1);
    assert.equal((await client.writeDatastream(d.id, { pin: "V5" }, "19.5")).value, 19.5);
    assert.equal((await client.writeDatastream(d.id, { pin: "V4" }, "Eco")).value, 2);
    assert.deepEqual((await client.writeDatastream(d.id, { pin: "V7" }, [-2.5965, 51.4508])).value, [-2.5965, 51.4508]);
    assert.equal((await client.writeDatastream(d.id, { pin: "V6" }, "€".repeat(341))).value, "€".repeat(341));
    const all = await client.readDatastreams(d.id, undefined);
    const byPin = Object.fromEntries(all.map((r) => [r.pin, r.value]));
    assert.deepEqual([byPin.V3, byPin.V5, byPin.V4, byPin.V7], [1, 19.5, 2, [-2.5965, 51.4508]]);
    // The simulator refuses a JSON boolean (DataStreamRawValue has none): the plug's BOOLEAN relay takes 1/0.
    const plug = devices().find((x) => x.templateId === 357 && x.firstConnectTime > 0)!;
    assert.equal((await client.writeDatastream(plug.id, { pin: "V1" }, false)).value, 0);
  });

  it("writes several values in one POST /device/datastreams, keyed by id; a bad one sends nothing", async () => {
    const d = thermostats()[5];
    const written = await client.writeDatastreams(d.id, [
      [{ pin: "V5" }, 22, "value.V5"],
      [{ id: 6 }, "Away", "value.6"],
    ]);
    assert.deepEqual(written.map((w) => [w.datastream.id, w.value]), [[3, 22], [6, "Away"]]);
    assert.deepEqual(posts(), [`POST ${ORG}/device/datastreams`]);
    const all = await client.readDatastreams(d.id, undefined);
    assert.equal(all.find((r) => r.datastreamId === 3)?.value, 22);
    assert.equal(all.find((r) => r.datastreamId === 6)?.value, "Away");
    sent.length = 0;
    const e = await rejects(client.writeDatastreams(d.id, [[{ pin: "V5" }, 23, "value.V5"], [{ pin: "V1" }, "wet", "value.V1"]]));
    assert.equal(e.code, "INVALID_INPUT");
    assert.match(e.message, /^value\.V1: /);
    const twice = await rejects(client.writeDatastreams(d.id, [[{ pin: "V5" }, 23, "value.V5"], [{ id: 3 }, 24, "value.3"]]));
    assert.equal(twice.code, "INVALID_INPUT");
    assert.deepEqual(posts(), []);
  });

  it("reads every datastream of the template, value null where a device never reported", async () => {
    const all = await client.readDatastreams(silent().id, undefined);
    assert.deepEqual(all.map((r) => r.pin), ["V0", "V1", "V5", "V3", "V4", "V6", "V7"]);
    assert.ok(all.every((r) => r.value === null && r.updatedAt === null));
    assert.ok(sent.includes("GET /api/v2/organization/device/datastreams"), "read through the v2 values endpoint");
  });

  it("reads from the device's dataStreamValues where the v2 endpoint does not answer, and stops asking it", async () => {
    const d = thermostats()[6];
    sim.addFault({ provider: "blynk", path: "/api/v2/", status: 404 });
    const first = await client.readDatastreams(d.id, { pin: "V0" });
    assert.equal(first[0].value, d.dsValues[0]);
    sent.length = 0;
    await client.readDatastreams(d.id, undefined);
    assert.deepEqual(sent, [`GET ${ORG}/device`]);
  });

  it("reads from the device's dataStreamValues where the v2 endpoint answers something other than a list", async () => {
    const d = thermostats()[10];
    // hugeBytes answers 200 with a JSON object ({"padding": …}), not the list of values v2 is read to give.
    sim.addFault({ provider: "blynk", path: "/api/v2/", hugeBytes: 64 });
    const [one] = await client.readDatastreams(d.id, { pin: "V0" });
    assert.equal(one.value, d.dsValues[0]);
    assert.ok(sent.includes(`GET ${ORG}/device`), "read from GET /device");
  });

  it("finds the device's template through GET /device where the server knows no /device/baseInfo (a bare 404)", async () => {
    const d = thermostats()[11];
    sim.addFault({ provider: "blynk", path: `${ORG}/device/baseInfo`, status: 404 });
    await client.writeDatastream(d.id, { pin: "V5" }, 19.5);
    assert.ok(sent.includes(`GET ${ORG}/device`), "the template id read from GET /device");
    assert.equal((await client.readDatastreams(d.id, { pin: "V5" }))[0].value, 19.5);
    const e = await rejects(client.writeDatastream(2_000_000_000, { pin: "V5" }, 19.5));
    assert.equal(e.code, "NOT_FOUND", "an unknown device is still NOT_FOUND");
  });

  it("a 5xx, a dropped connection or a timeout after a write is one error, the POST never repeated", async () => {
    const d = thermostats()[7];
    await client.templateOf(d.id);
    await client.templateDatastreams(d.templateId);
    for (const [fault, code] of [[{ status: 503 }, "API_ERROR"], [{ drop: true }, "NETWORK"], [{ hang: true }, "TIMEOUT"]] as const) {
      client.close();
      client = clientFor(sim, "blynk", { timeoutMs: 1500, onRequest: (r) => sent.push(`${r.method} ${r.path}`) }) as BlynkClient;
      sim.clearFaults();
      sim.addFault({ provider: "blynk", method: "POST", path: `${ORG}/device/datastream`, ...fault });
      sent.length = 0;
      const e = await rejects(client.writeDatastream(d.id, { pin: "V5" }, 20));
      assert.equal(e.code, code, e.message);
      assert.equal(posts().length, 1, `${JSON.stringify(fault)}: one POST`);
    }
  });

  it("Q1: a write refused with 400 is sent once more with deviceId in the query, and later writes do so at once", async () => {
    const d = thermostats()[8];
    sim.addFault({ provider: "blynk", method: "POST", path: `${ORG}/device/datastream`, status: 400, times: 1 });
    await client.writeDatastream(d.id, { pin: "V5" }, 18);
    assert.equal(posts().length, 2);
    sent.length = 0;
    await client.writeDatastream(d.id, { pin: "V5" }, 18.5);
    assert.equal(posts().length, 1);
    assert.equal((await client.readDatastreams(d.id, { pin: "V5" }))[0].value, 18.5);
  });

  it("reads a day of history, every page, oldest first, and a written value is its newest point", async () => {
    const d = thermostats().find((x) => x.connected && Date.now() - x.lastReceivedEventAt < 3_600_000)!;
    await client.writeDatastream(d.id, { pin: "V0" }, 21.25);
    sent.length = 0;
    const h = await client.datastreamHistory(d.id, { pin: "V0" }, {});
    assert.ok(h.points.length > 140, `a point every ten minutes: ${h.points.length}`);
    assert.equal(sent.filter((s) => s.endsWith("/device/datastream/history")).length, Math.ceil(h.points.length / 100));
    const times = h.points.map((p) => Date.parse(p.time));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.ok(times[0] >= h.from && times[times.length - 1] <= h.to);
    assert.equal(h.points[h.points.length - 1].value, 21.25);
    const hour = await client.datastreamHistory(d.id, { pin: "V0" }, { from: new Date(Date.now() - 3_600_000).toISOString(), to: Date.now() });
    assert.ok(hour.points.length >= 1 && hour.points.length <= 7, `${hour.points.length} points in the last hour`);
  });

  it("reads every history point once when the cloud gives smaller pages than asked (points have no id)", async () => {
    const d = thermostats()[3];
    const whole = await client.datastreamHistory(d.id, { pin: "V1" }, {});
    assert.ok(whole.points.length > 100, `more than one page of points: ${whole.points.length}`);
    sim.addFault({ provider: "blynk", path: `${ORG}/device/datastream/history`, pageLimit: 20 });
    const capped = await client.datastreamHistory(d.id, { pin: "V1" }, { from: whole.from, to: whole.to });
    assert.deepEqual(capped.points, whole.points);
  });

  it("refuses a bad period before anything is sent", async () => {
    const d = thermostats()[0];
    for (const period of [{ from: "yesterday" }, { to: -5 }, { from: Date.now(), to: Date.now() - 1000 }, { from: "2026-08-01T10:00:00" }]) {
      const e = await rejects(client.datastreamHistory(d.id, { pin: "V0" }, period));
      assert.equal(e.code, "INVALID_INPUT", JSON.stringify(period));
    }
    assert.deepEqual(sent, []);
  });

  it("lists a template's events with an eventCode only", async () => {
    const events = await client.templateEvents(353);
    assert.deepEqual(events.map((e) => e.eventCode), ["high_temperature", "low_battery", "door_open", "sensor_fault"]);
    const e = await rejects(client.templateEvents(1));
    assert.equal(e.code, "NOT_FOUND");
    assert.match(e.message, /Template is not found/);
  });

  it("fuzzed values: each is either written and read back as sent, or INVALID_INPUT with nothing sent (never a refusal)", async () => {
    const d = thermostats()[9];
    await client.readDatastreams(d.id, undefined);
    const pins = ["V0", "V1", "V3", "V4", "V5", "V6", "V7"];
    const template = sim.fleet.blynk.templates.find((t) => t.id === 353)!;
    const value = fc.oneof(
      fc.anything(),
      fc.double(),
      fc.integer(),
      fc.constantFrom(2 ** 31, -(2 ** 31), 2 ** 31 - 1, true, false, "1", "0", "true", " 7 ", "1e3", "Eco", "", "€".repeat(342)),
      fc.tuple(fc.double({ min: -200, max: 200 }), fc.double({ min: -100, max: 100 })),
      fc.string({ maxLength: 1100 }),
    );
    let written = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...pins), value, async (pin, v) => {
        sent.length = 0;
        try {
          const out = await client.writeDatastream(d.id, { pin }, v);
          written++;
          assert.equal(posts().length, 1);
          const [back] = await client.readDatastreams(d.id, { pin });
          // The simulator crops numbers to the datastream's min..max, as Blynk does; JSON has no -0.
          const ds = template.dataStreams.find((x) => x.pin === pin.toLowerCase())!;
          const cropped = typeof out.value === "number" && (ds.type === "INT" || ds.type === "DOUBLE") ? Math.min(ds.max, Math.max(ds.min, out.value)) : out.value;
          assert.deepEqual(back.value, JSON.parse(JSON.stringify(cropped)));
        } catch (e) {
          const err = e as { code?: string; message?: string };
          assert.equal(err.code, "INVALID_INPUT", `${pin} ${JSON.stringify(v)?.slice(0, 80)}: ${err.message}`);
          assert.equal(posts().length, 0, "nothing sent");
          refused++;
        }
      }),
      { numRuns: 150, seed: 14 },
    );
    assert.ok(written > 10 && refused > 10, `both outcomes happened: ${written} written, ${refused} refused`);
  });

  it("no secret or device token reaches an error", async () => {
    const d = thermostats()[0];
    const errors = [await rejects(client.writeDatastream(d.id, { pin: "V9" }, 1)), await rejects(client.writeDatastream(d.id, { pin: "V5" }, "x"))];
    for (const e of errors) assert.equal(findSecret({ message: e.message, code: e.code }, secretStrings(sim)), undefined);
  });
});

describe("datastream inputs without a cloud", () => {
  const ds = (type: string, extra: Partial<TemplateDatastream> = {}): TemplateDatastream => ({ id: 1, pin: "V1", label: "L", type, ...extra });

  it("parses pins and ids, and refuses the rest", () => {
    assert.deepEqual(parseDatastream("v5"), { pin: "V5" });
    assert.deepEqual(parseDatastream(" V05 "), { pin: "V5" });
    assert.deepEqual(parseDatastream(7), { id: 7 });
    assert.deepEqual(parseDatastream("7"), { id: 7 });
    for (const bad of ["X5", "V", 1.5, -1, "", null, {}]) assert.throws(() => parseDatastream(bad), /datastream: /);
  });

  it("INT holds 32 bits, ENUM takes labels only where the template lists them", () => {
    assert.equal(checkValue(ds("INT"), -2_147_483_648), -2_147_483_648);
    assert.throws(() => checkValue(ds("INT"), 2_147_483_648), /value: V1 \(L\) is INT/);
    assert.equal(checkValue(ds("ENUM"), 12), 12);
    assert.throws(() => checkValue(ds("ENUM"), "Auto"));
    assert.equal(checkValue(ds("ENUM", { options: ["Off", "Auto"] }), "Auto"), 1);
  });

  it("an expiring cache asks once for concurrent callers and again after its time", async () => {
    const cache = new ExpiringCache<number, number>(1000, 2);
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get(1, load, 0), cache.get(1, load, 10)]);
    assert.deepEqual([a.value, b.value, loads], [1, 1, 1]);
    assert.equal((await cache.get(1, load, 999)).value, 1);
    assert.equal((await cache.get(1, load, 1000)).value, 2);
    await cache.get(2, load, 1000);
    await cache.get(3, load, 1000);
    assert.equal((await cache.get(1, load, 1001)).value, 5, "the oldest entry went when a third came");
  });
});

/**
 * Where Blynk's docs leave a choice open (blynk-datastreams.md Q1, Q5), another server may take the other reading:
 * this loopback server takes history's datastream only as `dataStreamId` (the current spec's parameter), a
 * write's identifiers only from the query (the 2026 README: "All resource identifiers … are passed as query
 * parameters"), has no v2 read and a device without dataStreamValues (the current Device schema), only the
 * 2024 reference's read by pin. The client reaches the datastream either way.
 */
describe("Blynk datastreams: a server with the other reading of the open questions", function () {
  const ORG = "/api/v1/organization";
  let server: http.Server;
  let client: BlynkClient;
  const writes: Array<{ query: string; body: unknown }> = [];
  const json = (res: http.ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { "Content-Type": "application/json" });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  before(async () => {
    server = http.createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString("utf8")));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const q = url.searchParams;
        switch (`${req.method} ${url.pathname}`) {
          case "POST /oauth2/token":
            return json(res, 200, { access_token: "other-reading-token", token_type: "Bearer", expires_in: 86400, refresh_token: null });
          case `GET ${ORG}/device/baseInfo`:
          case `GET ${ORG}/device`:
            // The Device schema of the current spec, which names no dataStreamValues.
            return json(res, 200, { id: Number(q.get("deviceId")), name: "Boiler", templateId: 7, originalTemplateId: 7, orgId: 1 });
          case `GET ${ORG}/device/datastreams`:
            return json(res, 200, q.get("pins")?.split(",").includes("v4") ? { v4: 41.5 } : {});
          case `GET ${ORG}/template/datastreams`:
            return json(res, 200, [{ id: 31, label: "Flow", alias: "Flow", type: "DOUBLE", pin: 4, pinType: "VIRTUAL" }]);
          case `GET ${ORG}/device/datastream/history`:
            if (q.get("dataStreamId") !== "31") return json(res, 400, { error: { message: "DataStream ID is required." } });
            return json(res, 200, { content: [{ createdAt: 1_700_000_000_000, value: 41.5 }], totalElements: 1 });
          case `POST ${ORG}/device/datastream`:
            writes.push({ query: url.search, body: JSON.parse(text) });
            if (q.get("deviceId") !== "12" || q.get("dataStreamId") !== "31") return json(res, 400, { error: { message: "Device and datastream identifiers are query parameters." } });
            return json(res, 204);
          default:
            return json(res, 404, { error: { message: "Not Found" } });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  beforeEach(() => {
    writes.length = 0;
    client = new BlynkClient({ provider: "blynk", baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, clientId: "id", clientSecret: "secret" });
  });
  afterEach(() => client.close());
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("reads the history of V4 from a server that takes only dataStreamId", async () => {
    const h = await client.datastreamHistory(12, { pin: "V4" }, { from: 0, to: 1_800_000_000_000 });
    assert.deepEqual(h.points, [{ time: new Date(1_700_000_000_000).toISOString(), value: 41.5 }]);
  });

  it("reads V4 by pin from a server without the v2 read and without the device's dataStreamValues", async () => {
    const [one] = await client.readDatastreams(12, { pin: "V4" });
    assert.deepEqual(one, { datastreamId: 31, pin: "V4", label: "Flow", value: 41.5, updatedAt: null });
    const all = await client.readDatastreams(12, undefined);
    assert.deepEqual(all.map((r) => r.value), [41.5]);
  });

  it("writes V4 to a server that takes the identifiers only from the query: once refused, once written", async () => {
    await client.writeDatastream(12, { pin: "V4" }, 40);
    assert.equal(writes.length, 2);
    assert.deepEqual(writes[1].body, { deviceId: 12, dataStreamId: 31, value: 40 });
    assert.match(writes[1].query, /deviceId=12/);
  });
});
