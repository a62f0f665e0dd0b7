/**
 * The Flatpeak client against the other readings of the documents: a loopback proxy in front of the simulator
 * changes one documented point at a time (where the notes record two versions of a page, or say nothing), so the
 * client is shown to work with both readings, not only with the one the simulator chose.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Simulator } from "../../src/simulator";
import { createClient, type FlatpeakClient } from "../../src/api";
import { FLATPEAK_PRICE_LOCATIONS as LOC } from "../../src/simulator/flatpeak/pricing";
import { simulatorForSuite } from "../support/sim";

const H = 3_600_000;

interface Seen {
  method: string;
  url: string;
  body: string;
}

/** What the proxy does with a request: answer it itself, or pass it on (to another path) and maybe drop headers of the answer. */
type Reading = (req: Seen) => { answer: { status: number; body: unknown } } | { path?: string; body?: string; dropHeaders?: string[] } | undefined;

/** A loopback proxy to `target` that applies `reading` to each request; `seen` lists what reached it. */
async function proxy(target: string, reading: Reading, seen: Seen[]): Promise<{ url: string; close: () => Promise<void> }> {
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const asked: Seen = { method: req.method ?? "", url: req.url ?? "", body: body.toString("utf8") };
      seen.push(asked);
      const r = reading(asked);
      if (r && "answer" in r) {
        res.writeHead(r.answer.status, { "Content-Type": "application/json" }).end(JSON.stringify(r.answer.body));
        return;
      }
      const sent = r?.body !== undefined ? Buffer.from(r.body) : body;
      const headers = { ...req.headers, "content-length": String(sent.length) };
      const fwd = http.request({ host: to.hostname, port: to.port, method: req.method, path: r?.path ?? req.url, headers }, (up) => {
        const headers = { ...up.headers };
        for (const h of r?.dropHeaders ?? []) delete headers[h];
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      });
      fwd.on("error", () => res.writeHead(502).end());
      fwd.end(sent);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("Flatpeak client: the other readings of the documents", function () {
  let sim: Simulator;
  const seen: Seen[] = [];
  const closers: (() => unknown)[] = [];
  const now = Math.floor(Date.now() / 60_000) * 60_000;

  simulatorForSuite((s) => (sim = s));
  beforeEach(() => (seen.length = 0));
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  async function clientVia(reading: Reading, release: "zero" | "anode" | "busbar", apiVersion = ""): Promise<FlatpeakClient> {
    const p = await proxy(sim.url, reading, seen);
    const account = sim.accounts.flatpeak.find((a) => a.release.endsWith(`.${release}`));
    assert.ok(account);
    const c = createClient({ provider: "flatpeak", baseUrl: p.url, clientId: account.clientId, clientSecret: account.clientSecret, apiVersion, baseBackoffMs: 20, maxBackoffMs: 200 }) as FlatpeakClient;
    closers.push(p.close, () => c.close());
    return c;
  }

  const routes = () => seen.map((s) => `${s.method} ${s.url.split("?")[0]}`);

  it("a cloud that names its release only on data answers (as the versioning guide shows it) and has no GET /locations: one GET /devices?limit=1 learns it, once", async () => {
    const c = await clientVia((req) => {
      if (req.url.startsWith("/locations")) return { answer: { status: 404, body: { message: "Not Found" } } };
      if (req.url.startsWith("/login") || req.url.startsWith("/auth/tokens")) return { dropHeaders: ["flatpeak-version"] };
      return undefined;
    }, "anode");
    const period = { locationId: LOC.demoDynamic, start: now, end: now + 24 * H };
    const series = await c.prices(period);
    assert.ok(series.prices.length >= 48);
    await c.prices(period);
    assert.deepEqual(routes(), ["GET /login", "GET /devices", `POST /prices/${LOC.demoDynamic}`, `POST /prices/${LOC.demoDynamic}`]);
    assert.match(seen[1].url, /[?&]limit=1(&|$)/);
  });

  it("manage device on such a cloud creates in the release the probe learns: zero takes the reference id alone", async () => {
    const c = await clientVia((req) => (req.url.startsWith("/login") ? { dropHeaders: ["flatpeak-version"] } : undefined), "zero");
    const created = await c.createDevice({ referenceId: "READING-1" });
    assert.equal(created.reference_id, "READING-1");
    await c.deleteDevice(created.id);
    assert.deepEqual(routes(), ["GET /login", "GET /devices", "POST /devices", `DELETE /devices/${String(created.id)}`]);
    assert.deepEqual(JSON.parse(seen[2].body), { reference_id: "READING-1" });
  });

  it("a cloud that names no release anywhere and fails the probe is taken to speak busbar: the message still gets its prices", async () => {
    const c = await clientVia((req) => {
      if (req.method === "GET" && /^\/(devices|locations)\b/.test(req.url)) return { answer: { status: 500, body: { message: "Internal Server Error" } } };
      return { dropHeaders: ["flatpeak-version"] };
    }, "busbar");
    const series = await c.prices({ locationId: LOC.demoDynamic, start: now, end: now + 24 * H });
    assert.ok(series.prices.length >= 48);
    assert.equal(routes().filter((r) => r === "POST /prices").length, 1);
  });

  it("busbar's older pages (POST /prices/{id}, /schedules/duration/{id}, /schedules/limit/{id}): the body path answers 404, the location's path is asked with the older body (no location_id), and kept", async () => {
    const bodyPaths = /^\/(prices|schedules\/duration|schedules\/limit)$/;
    const atLocation = /^\/(prices|schedules\/duration|schedules\/limit)\/(loc_[A-Za-z0-9]+)$/;
    const c = await clientVia((req) => {
      if (req.method === "POST" && bodyPaths.test(req.url)) return { answer: { status: 404, body: { message: "Not Found" } } };
      const m = atLocation.exec(req.url);
      // The simulator answers busbar in its newer form: the proxy hands it the location through the body.
      if (m) {
        const older = JSON.parse(req.body) as Record<string, unknown>;
        if ("location_id" in older) return { answer: { status: 400, body: { message: "location_id is not a parameter of this page" } } };
        return { path: `/${m[1]}`, body: JSON.stringify({ location_id: m[2], ...older }) };
      }
      return undefined;
    }, "busbar", "2026-08-01.busbar");
    const period = { locationId: LOC.demoDynamic, start: now, end: now + 24 * H };
    const series = await c.prices(period);
    assert.ok(series.prices.length >= 48);
    const cheap = await c.priceSlots({ ...period, segment: "LOW", rule: { mode: "duration", minutes: 120 } });
    assert.equal(cheap.minutes, 120);
    const dear = await c.priceSlots({ ...period, segment: "HIGH", rule: { mode: "threshold", kind: "relative", value: 0.8 } });
    assert.ok(dear.minutes > 0);
    const loc = LOC.demoDynamic;
    assert.deepEqual(routes().filter((r) => r.startsWith("POST /p") || r.startsWith("POST /s")), [
      "POST /prices",
      `POST /prices/${loc}`,
      `POST /schedules/duration/${loc}`,
      `POST /schedules/limit/${loc}`,
    ]);
  });

  it("an unknown location is still NOT_FOUND on busbar, after the location's path was asked too", async () => {
    const c = await clientVia(() => undefined, "busbar", "2026-08-01.busbar");
    const err = await c.prices({ locationId: "loc_ffffffffffffffffffffffff", start: now, end: now + H }).then(
      () => assert.fail("resolved"),
      (e: { code: string }) => e,
    );
    assert.equal(err.code, "NOT_FOUND");
    assert.deepEqual(routes().filter((r) => r.startsWith("POST /prices")), ["POST /prices", "POST /prices/loc_ffffffffffffffffffffffff"]);
  });

  it("sends start_time and end_time in whole seconds, as every example has them: a cloud that takes no fractions answers", async () => {
    const whole = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
    const c = await clientVia((req) => {
      if (req.method !== "POST" || !req.url.startsWith("/prices")) return undefined;
      const b = JSON.parse(req.body) as { start_time: string; end_time: string };
      if (whole.test(b.start_time) && whole.test(b.end_time)) return undefined;
      return { answer: { status: 400, body: { message: "start_time and end_time must be RFC 3339 date-times like 2023-06-15T09:00:00Z" } } };
    }, "busbar", "2026-08-01.busbar");
    const start = now + 1_234;
    const series = await c.prices({ locationId: LOC.demoDynamic, start, end: start + 24 * H + 567 });
    assert.ok(series.prices.length >= 48);
    const sent = JSON.parse(seen.find((s) => s.url === "/prices")!.body) as { start_time: string; end_time: string };
    assert.deepEqual([sent.start_time, sent.end_time], [new Date(now + 1_000).toISOString().replace(".000Z", "Z"), new Date(now + 24 * H + 1_000).toISOString().replace(".000Z", "Z")]);
  });
});
