import assert from "node:assert/strict";
import type { BlynkDevice, Simulator } from "../../src/simulator";
import { checks, clientOf, offered, type BlynkClient, type CreateInput, type FlatpeakClient } from "../../src/api";
import { normalizeActivation } from "../../src/api/blynk";
import { ASSUMED_LIMIT, Watcher, minimumInterval, parseDeviceList, statusFromLastSeen } from "../../src/api/watch";
import { clientFor, collect, findSecret, rejects, secretStrings, simulatorForSuite } from "../support/sim";

const ORG = "/api/v1/organization";

describe("fleet administration: clients against the simulator", function () {
  let sim: Simulator;
  let blynk: BlynkClient;
  let flat: FlatpeakClient;
  const paths: string[] = [];
  const log = { onRequest: (r: { method: string; path: string }) => paths.push(`${r.method} ${r.path}`) };

  simulatorForSuite((s) => (sim = s), { blynkDevices: 400, flatpeakDevices: 60 });
  beforeEach(() => {
    paths.length = 0;
    sim.clearFaults();
    blynk = clientFor(sim, "blynk", log) as BlynkClient;
    flat = clientFor(sim, "flatpeak", log) as FlatpeakClient;
  });
  afterEach(() => {
    blynk.close();
    flat.close();
  });

  const bl = () => sim.fleet.blynk;
  const mainOrg = () => bl().orgs[0].id;
  const mainDevices = () => bl().devices.filter((d) => d.orgId === mainOrg());
  const template = () => bl().templates[0].templateId;
  const requests = () => paths.filter((p) => !p.includes("/oauth2/token") && p !== "GET /login");
  /** A device created for one test, so that tests that change devices do not depend on each other. */
  const fresh = async (name = "Fleet Test Device"): Promise<number> => (await blynk.createDevice({ templateId: template(), name })).id as number;

  describe("listing (Blynk)", () => {
    it("lists exactly as list devices did when no new option is set", async () => {
      const a = await collect(blynk.listDevices({}));
      const b = await collect(blynk.listDevices());
      assert.deepEqual(a, b);
      assert.deepEqual([...new Set(requests())], [`GET ${ORG}/devices`]);
    });

    it("includes sub-organizations on request, still without tokens", async () => {
      const own = await collect(blynk.listDevices({}));
      const all = await collect(blynk.listDevices({ includeSubOrgs: true, pageSize: 150 }));
      assert.equal(own.length, mainDevices().length);
      assert.equal(all.length, bl().devices.length);
      assert.ok(all.length > own.length, "the fleet has sub-organization devices");
      assert.ok(all.every((d) => !("token" in d)));
    });

    it("sorts search results by a field, descending, and checks sortOrder and sortBy before sending", async () => {
      const found = await collect(blynk.listDevices({ query: "Thermostat", sortBy: "Name", sortOrder: "DESC" }));
      assert.ok(found.length > 2);
      const names = found.map((d) => String(d.name).toLowerCase());
      assert.deepEqual(names, [...names].sort().reverse());
      assert.ok(requests().every((p) => p === `GET ${ORG}/search/devices`));
      paths.length = 0;
      assert.equal((await rejects(collect(blynk.listDevices({ query: "x", sortOrder: "sideways" })))).code, "INVALID_INPUT");
      const bad = await rejects(collect(blynk.listDevices({ query: "x", sortBy: "Name; DROP" })));
      assert.equal(bad.code, "INVALID_INPUT");
      assert.match(bad.message, /^sortBy:/);
      assert.deepEqual(requests(), []);
    });

    it("lists the devices of an owner by email, and of a user's organization", async () => {
      const owner = bl().users.find((u) => u.orgId === mainOrg() && bl().devices.filter((d) => d.ownerUserId === u.id).length >= 2)!;
      const owned = await collect(blynk.listDevices({ by: "owner", email: owner.email.toUpperCase() }));
      assert.deepEqual(owned.map((d) => d.id).sort(), bl().devices.filter((d) => d.ownerUserId === owner.id).map((d) => d.id).sort());
      assert.ok(owned.every((d) => !("token" in d)));
      assert.ok(requests().includes(`GET ${ORG}/device/by-owner`));
      const sub = bl().orgs[1];
      const subUser = bl().users.find((u) => u.orgId === sub.id)!;
      const inOrg = await collect(blynk.listDevices({ by: "userOrg", email: subUser.email, pageSize: 20 }));
      assert.equal(inOrg.length, bl().devices.filter((d) => d.orgId === sub.id).length);
      assert.ok(inOrg.every((d) => d.orgId === sub.id));
    });

    it("checks the email before sending", async () => {
      for (const bad of ["", "nobody", "a@b", "two words@example.com", 42, undefined]) {
        const err = await rejects(collect(blynk.listDevices({ by: "owner", email: bad as string })));
        assert.equal(err.code, "INVALID_INPUT", String(bad));
        assert.match(err.message, /^email:/);
      }
      assert.deepEqual(requests(), []);
    });

    it("lists the devices activated in the last N minutes (1 to 60), with the Device schema's field names", async () => {
      const since = Date.now() - 60 * 60_000;
      const recent = await collect(blynk.listDevices({ by: "activated", minutes: 60 }));
      const expected = mainDevices().filter((d) => d.activatedAt >= since);
      assert.ok(expected.length > 0, "the simulator activates some devices in the last hour");
      assert.deepEqual(recent.map((d) => d.id).sort(), expected.map((d) => d.id).sort());
      assert.ok(recent.every((d) => typeof d.activatedAt === "number" && !("token" in d)));
      assert.equal((await collect(blynk.listDevices({ by: "activated", minutes: 60, max: 1 }))).length, 1);
      paths.length = 0;
      for (const bad of [0, 61, 2.5, "ten", -1]) {
        const err = await rejects(collect(blynk.listDevices({ by: "activated", minutes: bad as number })));
        assert.equal(err.code, "INVALID_INPUT", String(bad));
        assert.match(err.message, /^minutes:/);
      }
      assert.deepEqual(requests(), []);
    });

    it("keeps an activation entry's own fields and adds the Device schema's spelling of the two that disagree", () => {
      const old = { id: 1, templateId: 353, orgId: 578, ownerUserId: 879, activationTime: 1702480430139 };
      assert.deepEqual(normalizeActivation(old), { ...old, activatedAt: 1702480430139 });
      assert.deepEqual(old, { id: 1, templateId: 353, orgId: 578, ownerUserId: 879, activationTime: 1702480430139 }, "the entry itself is left as it is");
      assert.deepEqual(normalizeActivation({ id: 2, ownerId: 5, activatedAt: 7, token: "secret" }), { id: 2, ownerId: 5, ownerUserId: 5, activatedAt: 7 });
    });

    it("answers the new listings with UNSUPPORTED on Flatpeak, before sending", async () => {
      for (const by of ["owner", "userOrg", "activated"] as const) {
        const err = await rejects(collect(flat.listDevices({ by, email: "a@example.com" })));
        assert.equal(err.code, "UNSUPPORTED", by);
        assert.match(err.message, /Flatpeak/);
      }
      assert.deepEqual(requests(), []);
      assert.equal((await collect(flat.listDevices({ includeSubOrgs: true, sortOrder: "DESC" }))).length, sim.fleet.flatpeak.devices.length);
    });
  });

  describe("changing a device (Blynk)", () => {
    it("creates a device from a template id and a name, owner and organization optional, token only when asked", async () => {
      const owner = bl().users[0];
      const created = await blynk.createDevice({ templateId: template(), name: "Loft Thermostat 1", ownerId: String(owner.id), orgId: mainOrg() });
      assert.equal(created.name, "Loft Thermostat 1");
      assert.equal(created.ownerUserId, owner.id);
      assert.ok(!("token" in created));
      const withToken = await blynk.createDevice({ templateId: template(), name: "Loft Thermostat 2" }, { includeToken: true });
      assert.equal(typeof withToken.token, "string");
      assert.deepEqual(requests(), [`POST ${ORG}/device/create`, `POST ${ORG}/device/create`]);
      const got = await blynk.getDevice(created.id as number);
      assert.equal(got.name, "Loft Thermostat 1");
    });

    it("checks the template id, name, owner and organization before sending", async () => {
      const cases: Array<[CreateInput, RegExp]> = [
        [{ templateId: 353, name: "x" }, /^templateId: .*not a number/],
        [{ templateId: "", name: "x" }, /^templateId:/],
        [{ templateId: "tmpl-lower", name: "x" }, /^templateId:/],
        [{ templateId: template(), name: "" }, /^name:/],
        [{ templateId: template(), name: "Bad/Name" }, /^name: only letters/],
        [{ templateId: template(), name: "x".repeat(51) }, /^name: has 51/],
        [{ templateId: template(), name: "ok", ownerId: "abc" }, /^ownerId:/],
        [{ templateId: template(), name: "ok", orgId: -4 }, /^orgId:/],
      ];
      for (const [input, re] of cases) {
        const err = await rejects(blynk.createDevice(input));
        assert.equal(err.code, "INVALID_INPUT", JSON.stringify(input));
        assert.match(err.message, re);
      }
      assert.deepEqual(requests(), []);
      assert.ok(checks.checkDeviceName("Ünïcode's Gerät_2-b") === "Ünïcode's Gerät_2-b");
    });

    it("reports an unknown template as NOT_FOUND and never retries a create after a 5xx", async () => {
      assert.equal((await rejects(blynk.createDevice({ templateId: "TMPLnoSuchOne", name: "x" }))).code, "NOT_FOUND");
      paths.length = 0;
      sim.addFault({ provider: "blynk", path: `${ORG}/device/create`, status: 500, times: 1 });
      const err = await rejects(blynk.createDevice({ templateId: template(), name: "Once Only" }));
      assert.equal(err.code, "API_ERROR");
      assert.deepEqual(requests(), [`POST ${ORG}/device/create`]);
    });

    it("renames a device (name checked before sending)", async () => {
      const id = await fresh();
      paths.length = 0;
      const renamed = await blynk.renameDevice(String(id), "Kitchen Plug's 2nd");
      assert.equal(renamed.name, "Kitchen Plug's 2nd");
      assert.ok(!("token" in renamed));
      assert.deepEqual(requests(), [`PUT ${ORG}/device`]);
      assert.equal((await rejects(blynk.renameDevice(id, "a<b"))).code, "INVALID_INPUT");
      assert.equal((await rejects(blynk.renameDevice("abc", "fine"))).code, "INVALID_INPUT");
      assert.equal((await rejects(blynk.renameDevice(2_000_000_000, "fine"))).code, "NOT_FOUND");
      assert.equal(requests().length, 2);
    });

    it("transfers a device to a user and to an organization", async () => {
      const id = await fresh();
      const sub = bl().orgs[1];
      const subUser = bl().users.find((u) => u.orgId === sub.id)!;
      paths.length = 0;
      await blynk.transferDevice(id, { userId: subUser.id });
      assert.deepEqual(requests(), [`POST ${ORG}/device/transfer/to-owner`]);
      let d = bl().devices.find((x) => x.id === id) as BlynkDevice;
      assert.equal(d.ownerUserId, subUser.id);
      await blynk.transferDevice(id, { orgId: String(mainOrg()) });
      d = bl().devices.find((x) => x.id === id) as BlynkDevice;
      assert.equal(d.orgId, mainOrg());
      assert.equal(requests()[1], `POST ${ORG}/device/transfer/to-organization`);
      const same = await rejects(blynk.transferDevice(id, { orgId: mainOrg() }));
      assert.equal(same.code, "API_ERROR");
      assert.match(same.message, /400/);
      assert.equal((await rejects(blynk.transferDevice(id, { userId: 987654321 }))).code, "NOT_FOUND");
      paths.length = 0;
      assert.equal((await rejects(blynk.transferDevice(id, { userId: "me" }))).code, "INVALID_INPUT");
      assert.equal((await rejects(blynk.transferDevice(id, { orgId: 0 }))).code, "INVALID_INPUT");
      assert.deepEqual(requests(), []);
    });

    it("falls back to the old transfer endpoint only when the new path is unknown to the server", async () => {
      const id = await fresh();
      const user = bl().users.find((u) => u.orgId === mainOrg())!;
      sim.addFault({ provider: "blynk", path: `${ORG}/device/transfer/to-owner`, status: 404, times: 1 });
      paths.length = 0;
      await blynk.transferDevice(id, { userId: user.id });
      assert.deepEqual(requests(), [`POST ${ORG}/device/transfer/to-owner`, `POST ${ORG}/device/transfer`]);
      assert.equal((bl().devices.find((x) => x.id === id) as BlynkDevice).ownerUserId, user.id);
      paths.length = 0;
      // A 404 that names the device is a real answer: no second try.
      assert.equal((await rejects(blynk.transferDevice(2_000_000_000, { userId: user.id }))).code, "NOT_FOUND");
      assert.deepEqual(requests(), [`POST ${ORG}/device/transfer/to-owner`]);
    });

    it("removes the owner, clears the data and deletes the device", async () => {
      const owner = bl().users[1];
      const thermostat = bl().templates.find((t) => t.events.length > 0)!;
      const id = (await blynk.createDevice({ templateId: thermostat.templateId, name: "Doomed", ownerId: owner.id })).id as number;
      await blynk.triggerEvent(id, thermostat.events[0].code, "before clearing");
      assert.equal((await collect(blynk.deviceTimeline(id))).length, 1);
      paths.length = 0;
      await blynk.removeOwner(id);
      assert.equal((bl().devices.find((x) => x.id === id) as BlynkDevice).ownerUserId, undefined);
      await blynk.clearData(id);
      assert.equal((await collect(blynk.deviceTimeline(id))).length, 0);
      await blynk.deleteDevice(String(id));
      assert.equal((await rejects(blynk.getDevice(id))).code, "NOT_FOUND");
      assert.deepEqual(requests().slice(0, 4), [`DELETE ${ORG}/device/owner`, `DELETE ${ORG}/device/clear`, `GET ${ORG}/device/timeline`, `DELETE ${ORG}/device`]);
      assert.equal((await rejects(blynk.deleteDevice(id))).code, "NOT_FOUND");
    });

    it("never puts a device token into an error or a result it did not ask for", async () => {
      const id = await fresh("Secret Keeper");
      const results = [await blynk.getDevice(id), await blynk.renameDevice(id, "Secret Keeper 2"), ...(await collect(blynk.listDevices({ includeSubOrgs: true })))];
      const err = await rejects(blynk.renameDevice(2_000_000_000, "x"));
      assert.equal(findSecret({ results, m: err.message }, secretStrings(sim)), undefined);
    });
  });

  describe("history (Blynk)", () => {
    it("reads the timeline in pages, with an event-type filter checked before sending", async () => {
      const d = mainDevices().find((x) => sim.fleet.blynk.templates.find((t) => t.id === x.templateId)!.events.length > 1)!;
      const t = bl().templates.find((x) => x.id === d.templateId)!;
      for (const ev of t.events.slice(0, 3)) await blynk.triggerEvent(d.id, ev.code, "from the fleet test");
      const all = await collect(blynk.deviceTimeline(d.id, { pageSize: 2 }));
      assert.ok(all.length >= 3);
      const paged = await collect(blynk.deviceTimeline(d.id));
      assert.deepEqual(all, paged);
      const type = t.events[0].type;
      const filtered = await collect(blynk.deviceTimeline(d.id, { eventType: type.toLowerCase() }));
      assert.ok(filtered.length >= 1 && filtered.every((e) => e.eventType === type));
      paths.length = 0;
      assert.equal((await rejects(collect(blynk.deviceTimeline(d.id, { eventType: "no such!" })))).code, "INVALID_INPUT");
      assert.equal((await rejects(collect(blynk.deviceTimeline("x1")))).code, "INVALID_INPUT");
      assert.deepEqual(requests(), []);
    });

    it("reads the actions log, the tags and the metafields with their typed values", async () => {
      const d = mainDevices().find((x) => x.tags.length > 0 && x.ownerUserId !== undefined && x.firstConnectTime > 0)!;
      const logs = await collect(blynk.deviceLogs(d.id, { pageSize: 3 }));
      assert.ok(logs.every((l) => typeof l.createdAt === "number"));
      const tags = await blynk.deviceTags(d.id);
      assert.deepEqual(tags.map((x) => x.id), [...d.tags]);
      const fields = await blynk.listMetafields(d.id);
      assert.ok(fields.length > 0);
      assert.ok(fields.every((f) => typeof (f.value as { type?: unknown }).type === "string" && "isRequired" in f));
      assert.equal((await rejects(blynk.deviceTags(2_000_000_000))).code, "NOT_FOUND");
    });

    it("reads the whole actions log, each entry once, when the cloud gives smaller pages than asked (its entries have no id)", async () => {
      const d = mainDevices().filter((x) => x.ownerUserId !== undefined && x.firstConnectTime > 0).slice(0, 40);
      let whole: Record<string, unknown>[] = [];
      let id = 0;
      for (const x of d) {
        const logs = await collect(blynk.deviceLogs(x.id));
        if (logs.length > whole.length) [whole, id] = [logs, x.id];
      }
      assert.ok(whole.length >= 4, `a device with a few log entries: ${whole.length}`);
      sim.addFault({ provider: "blynk", path: `${ORG}/device/logs`, pageLimit: 2 });
      assert.deepEqual(await collect(blynk.deviceLogs(id)), whole);
    });

    it("offers history and the Blynk-only changes on Blynk only (update on Flatpeak only): UNSUPPORTED on the other cloud, before sending", async () => {
      const unsupported = (e: Error & { code?: string }) => e.code === "UNSUPPORTED";
      assert.throws(() => clientOf(flat, "blynk", "deviceHistory"), unsupported);
      assert.throws(() => clientOf(blynk, "flatpeak", "manageDevice"), unsupported);
      for (const action of ["rename", "transferToUser", "transferToOrg", "removeOwner", "clearData"] as const) assert.equal(offered("flatpeak", "manageActions", action), false, action);
      assert.equal(offered("blynk", "manageActions", "update"), false);
      assert.equal((await rejects(collect(flat.listDevices({ by: "activated", minutes: 5 })))).code, "UNSUPPORTED");
      // The declaration and the methods agree: the other cloud's client has no such method to call by mistake.
      for (const method of ["deviceTimeline", "deviceLogs", "deviceTags", "renameDevice", "transferDevice", "removeOwner", "clearData", "lastActivated"]) {
        assert.equal(method in flat, false, method);
      }
      assert.equal("updateDevice" in blynk, false);
      assert.deepEqual(requests(), []);
    });
  });

  describe("Flatpeak devices", () => {
    const location = () => sim.fleet.flatpeak.devices[0].locations[0];

    it("creates, updates and deletes a device", async () => {
      const created = await flat.createDevice({
        referenceId: "FLEET-TEST-1",
        deviceType: "battery_system",
        locations: `${location()}, ${location()}`,
        extra: { manufacturer: "Tesla", model_name: "Powerwall 3", properties: { capacity_kwh: 13.5 } },
      });
      assert.match(String(created.id), /^dev_/);
      assert.equal(created.reference_id, "FLEET-TEST-1");
      assert.deepEqual(created.locations, [location()]);
      assert.equal(created.manufacturer, "Tesla");
      const updated = await flat.updateDevice(created.id, { referenceId: "FLEET-TEST-1b" });
      assert.equal(updated.reference_id, "FLEET-TEST-1b");
      assert.equal((await flat.getDevice(created.id as string)).reference_id, "FLEET-TEST-1b");
      await flat.deleteDevice(created.id);
      assert.equal((await rejects(flat.getDevice(created.id as string))).code, "NOT_FOUND");
      assert.deepEqual(requests(), [
        "POST /devices",
        `PATCH /devices/${created.id}`,
        `GET /devices/${created.id}`,
        `DELETE /devices/${created.id}`,
        `GET /devices/${created.id}`,
      ]);
    });

    it("checks reference id, type, locations and the optional fields before sending", async () => {
      const ok = { referenceId: "R1", deviceType: "OTHER", locations: [location()] };
      const cases: Array<[CreateInput, RegExp]> = [
        [{ ...ok, referenceId: " " }, /^referenceId:/],
        [{ ...ok, referenceId: "x".repeat(256) }, /^referenceId: has 256/],
        [{ ...ok, deviceType: "TOASTER" }, /^deviceType:/],
        [{ ...ok, locations: [] }, /^locations:/],
        [{ ...ok, locations: "ste_123" }, /^locations:/],
        [{ ...ok, locations: 5 }, /^locations:/],
        [{ ...ok, extra: { colour: "red" } }, /^device:/],
        [{ ...ok, extra: { manufacturer: 7 } }, /^device\.manufacturer:/],
        [{ ...ok, extra: { properties: [] } }, /^device\.properties:/],
        [{ ...ok, extra: "text" }, /^device:/],
      ];
      for (const [input, re] of cases) {
        const err = await rejects(flat.createDevice(input));
        assert.equal(err.code, "INVALID_INPUT", JSON.stringify(input).slice(0, 80));
        assert.match(err.message, re);
      }
      assert.equal((await rejects(flat.updateDevice(sim.fleet.flatpeak.devices[1].id, {}))).code, "INVALID_INPUT");
      assert.equal((await rejects(flat.updateDevice("dev_../x", { referenceId: "x" }))).code, "INVALID_INPUT");
      assert.equal((await rejects(flat.deleteDevice(42))).code, "INVALID_INPUT");
      assert.deepEqual(requests(), []);
    });

    it("passes the cloud's 400 on as API_ERROR and an unknown device as NOT_FOUND", async () => {
      const err = await rejects(flat.createDevice({ referenceId: "R", deviceType: "OTHER", locations: [location()], extra: { properties: { pv_tilt: 500 } } }));
      assert.equal(err.code, "API_ERROR");
      assert.match(err.message, /400/);
      assert.equal((await rejects(flat.updateDevice("dev_000000000000000000000000", { referenceId: "x" }))).code, "NOT_FOUND");
    });
  });

  describe("the watcher", () => {
    it("sends the current state first, then only changes and newly watched devices (Blynk, chosen devices)", async () => {
      const [a, b] = mainDevices().slice(0, 2);
      const w = new Watcher(blynk as never, "status");
      const first = await w.poll({}, [a.id, String(b.id)]);
      assert.equal(first.first, true);
      assert.equal(first.requests, 2);
      assert.deepEqual(first.events.map((e) => [e.deviceId, e.event]), [a, b].map((d) => [d.id, d.connected ? "online" : "offline"]));
      assert.equal((await w.poll({}, [a.id, b.id])).events.length, 0);
      const was = a.connected;
      a.connected = !was;
      try {
        const next = await w.poll({}, [a.id, b.id]);
        assert.equal(next.first, false);
        assert.deepEqual(next.events.map((e) => [e.deviceId, e.event, e.payload.online]), [[a.id, was ? "offline" : "online", !was]]);
        assert.deepEqual(Object.keys(next.events[0].payload).sort(), ["deviceId", "lastSeen", "online", "source"]);
      } finally {
        a.connected = was;
      }
      assert.deepEqual((await w.poll({}, [a.id, b.id])).events.map((e) => [e.deviceId, e.event]), [[a.id, was ? "online" : "offline"]]);
      const c = mainDevices()[2];
      const grown = await w.poll({}, [a.id, b.id, c.id]);
      assert.deepEqual(grown.events.map((e) => [e.deviceId, e.event]), [[c.id, c.connected ? "online" : "offline"]], "a device newly watched is sent with its state");
      assert.equal((await rejects(w.poll({}, ["abc"]))).code, "INVALID_INPUT");
    });

    it("watches every device: one listing plus one status request per device (Blynk)", async () => {
      const w = new Watcher(blynk as never, "status");
      const r = await w.poll();
      assert.equal(r.watched, mainDevices().length);
      assert.equal(r.requests, 1 + mainDevices().length);
      assert.equal(r.online, mainDevices().filter((d) => d.connected).length);
      assert.ok(r.events.every((e) => e.device && !("token" in e.device)));
    });

    it("derives Flatpeak's state from last_seen, and a device seen again comes online", async () => {
      const devs = sim.fleet.flatpeak.devices;
      const stale = devs.find((d) => !d.last_seen || Date.now() - Date.parse(d.last_seen) > 3_600_000)!;
      const w = new Watcher(flat as never, "status", { offlineAfter: 900 });
      const first = await w.poll();
      assert.equal(first.requests, 1);
      assert.equal(first.watched, devs.length);
      const old = stale.last_seen;
      stale.last_seen = new Date().toISOString();
      try {
        const r = await w.poll();
        assert.deepEqual(r.events.map((e) => [e.deviceId, e.event]), [[stale.id, "online"]]);
        assert.equal(r.events[0].payload.source, "last_seen");
      } finally {
        if (old === undefined) delete stale.last_seen;
        else stale.last_seen = old;
      }
      const one = new Watcher(flat as never, "status");
      assert.equal((await one.poll({}, [stale.id])).requests, 1);
    });

    it("reports each new activation once (Blynk), and is not offered on Flatpeak", async () => {
      const w = new Watcher(blynk as never, "activated", { minutes: 2 });
      const first = await w.poll();
      assert.equal(first.first, true);
      assert.equal(first.requests, 1);
      const id = await fresh("Just Activated");
      const r = await w.poll();
      assert.deepEqual(r.events.map((e) => [e.deviceId, e.event]), [[id, "activated"]]);
      assert.equal(typeof r.events[0].payload.activatedAt, "number");
      assert.equal((await w.poll()).events.length, 0);
      assert.throws(() => new Watcher(flat as never, "activated"), (e: Error & { code?: string }) => e.code === "UNSUPPORTED");
    });

    it("gives its state as plain JSON, and a new watcher restored from it goes on with changes only", async () => {
      const [a, b] = mainDevices().slice(0, 2);
      const w = new Watcher(blynk as never, "status");
      assert.equal(w.state(), undefined, "no state before the first poll");
      await w.poll({}, [a.id, b.id]);
      const kept = JSON.parse(JSON.stringify(w.state()));
      assert.deepEqual(kept, { kind: "status", provider: "blynk", known: { [a.id]: a.connected, [b.id]: b.connected } });
      const was = a.connected;
      a.connected = !was;
      try {
        const again = new Watcher(blynk as never, "status");
        assert.equal(again.restore(kept), true);
        const r = await again.poll({}, [a.id, b.id]);
        assert.equal(r.first, false);
        assert.deepEqual(r.events.map((e) => [e.deviceId, e.event]), [[a.id, was ? "offline" : "online"]]);
      } finally {
        a.connected = was;
      }
      // A state of another kind or cloud, or of another shape, is not taken up: the next poll is a first poll.
      for (const other of [{ ...kept, kind: "activated" }, { ...kept, provider: "flatpeak" }, { ...kept, known: { [a.id]: "yes" } }, { ...kept, known: [] }, "x", null]) {
        const fresh = new Watcher(blynk as never, "status");
        assert.equal(fresh.restore(other), false, JSON.stringify(other));
        assert.equal((await fresh.poll({}, [a.id])).first, true);
      }
      const act = new Watcher(blynk as never, "activated", { minutes: 2 });
      await act.poll();
      const seen = act.state()!;
      assert.ok(Array.isArray(seen.seen) && seen.seen.every((id) => typeof id === "string"));
      const actAgain = new Watcher(blynk as never, "activated", { minutes: 2 });
      assert.equal(actAgain.restore(JSON.parse(JSON.stringify(seen))), true);
      const none = await actAgain.poll();
      assert.deepEqual([none.first, none.events.length], [false, 0], "the activations seen before are not sent again");
    });

    it("computes the interval that keeps a watch within its share of the rate limit", () => {
      // 2,401 requests per poll, 20 % of 10,000 per minute: one poll every 72.03 s at the most.
      assert.ok(Math.abs(minimumInterval(2401, ASSUMED_LIMIT.blynk, 60_000) - 72.03) < 1e-9);
      assert.equal(minimumInterval(1, 10_000, 60_000), 0.03);
      assert.equal(minimumInterval(0, 10_000, 60_000), 0);
      assert.equal(minimumInterval(5, Infinity, 60_000), 0);
      assert.deepEqual(parseDeviceList("12, 15;20 21"), ["12", "15", "20", "21"]);
      assert.throws(() => parseDeviceList(undefined), /devices:/);
      const s = statusFromLastSeen({ id: "dev_1", last_seen: "2026-01-01T00:00:00Z" }, 60, Date.parse("2026-01-01T00:00:30Z"));
      assert.deepEqual(s, { deviceId: "dev_1", online: true, lastSeen: "2026-01-01T00:00:00Z", source: "last_seen" });
    });
  });
});
