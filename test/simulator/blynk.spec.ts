import assert from "node:assert/strict";
import { startSimulator, type BlynkDevice, type Simulator } from "../../src/simulator";
import { ORG, basic, blynkTokens, call, sleep } from "./helpers";

const INVALID_TOKEN = { error: { message: "Invalid or expired token." } };

describe("simulator: Blynk", function () {
  let sim: Simulator;
  let token: string;
  let mainOrg: number;
  let devices: BlynkDevice[];
  const get = (path: string) => call(sim, "GET", ORG + path, { token });
  const post = (path: string, body: unknown) => call(sim, "POST", ORG + path, { token, body });
  const del = (path: string) => call(sim, "DELETE", ORG + path, { token });
  const mainDevices = () => devices.filter((d) => d.orgId === mainOrg);
  const thermostat = () => mainDevices().find((d) => d.templateId === 353 && d.ownerUserId !== undefined) as BlynkDevice;

  before(async () => {
    sim = await startSimulator({ seed: 3, blynkDevices: 1500 });
    token = (await blynkTokens(sim)).access;
    devices = sim.fleet.blynk.devices;
    mainOrg = sim.fleet.blynk.orgs[0].id;
  });
  after(() => sim.close());

  describe("OAuth2 token endpoint", () => {
    const { clientId, clientSecret } = { clientId: "oa2-client-id_simulator-demo", clientSecret: "simulator-demo-secret-0000000000000000000" };

    it("client_credentials with Basic gives {access_token, token_type, expires_in, refresh_token}", async () => {
      const a = await call(sim, "POST", "/oauth2/token?grant_type=client_credentials", { headers: { authorization: basic(clientId, clientSecret) } });
      assert.equal(a.status, 200);
      assert.deepEqual(Object.keys(a.json), ["access_token", "token_type", "expires_in", "refresh_token"]);
      assert.equal(a.json.token_type, "Bearer");
      assert.equal(a.json.expires_in, 86400);
      assert.match(a.json.access_token, /^[A-Za-z0-9_-]{40}$/);
      assert.notEqual(a.json.access_token, a.json.refresh_token);
      assert.equal(sim.credentials.blynk.clientId, clientId);
      assert.equal(sim.credentials.blynk.clientSecret, clientSecret);
    });

    it("accepts the credentials in the query string (documented, discouraged)", async () => {
      const a = await call(sim, "POST", `/oauth2/token?grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`);
      assert.equal(a.status, 200);
    });

    it("a wrong client is 400 invalid_client; a missing or other grant is 400 unsupported_grant_type", async () => {
      const wrong = await call(sim, "POST", "/oauth2/token?grant_type=client_credentials", { headers: { authorization: basic(clientId, "nope") } });
      assert.equal(wrong.status, 400);
      assert.deepEqual(wrong.json, { error: "invalid_client", error_description: "Client ID is not found or password is wrong." });
      assert.equal((await call(sim, "POST", "/oauth2/token?grant_type=client_credentials")).json.error, "invalid_client");
      for (const q of ["", "?grant_type=password", "?grant_type=user_credentials"]) {
        const a = await call(sim, "POST", `/oauth2/token${q}`, { headers: { authorization: basic(clientId, clientSecret) } });
        assert.equal(a.status, 400);
        assert.equal(a.json.error, "unsupported_grant_type");
        assert.equal(typeof a.json.error_description, "string");
      }
      assert.equal((await call(sim, "GET", "/oauth2/token?grant_type=client_credentials")).status, 405);
    });

    it("a refresh token works once", async () => {
      const { refresh } = await blynkTokens(sim);
      const auth = { authorization: basic(clientId, clientSecret) };
      const first = await call(sim, "POST", `/oauth2/token?grant_type=refresh_token&refresh_token=${refresh}`, { headers: auth });
      assert.equal(first.status, 200);
      assert.notEqual(first.json.refresh_token, refresh);
      assert.equal((await call(sim, "GET", `${ORG}/devices?size=1`, { token: first.json.access_token })).status, 200);
      const again = await call(sim, "POST", `/oauth2/token?grant_type=refresh_token&refresh_token=${refresh}`, { headers: auth });
      assert.equal(again.status, 400);
      assert.equal(again.json.error, "invalid_grant");
      const next = await call(sim, "POST", `/oauth2/token?grant_type=refresh_token&refresh_token=${first.json.refresh_token}`, { headers: auth });
      assert.equal(next.status, 200);
      assert.equal((await call(sim, "POST", "/oauth2/token?grant_type=refresh_token", { headers: auth })).json.error, "invalid_request");
    });

    it("a refresh token of another client is refused", async () => {
      sim.addAccount("blynk", "oa2-client-id_other", "other-secret");
      const { refresh } = await blynkTokens(sim);
      const a = await call(sim, "POST", `/oauth2/token?grant_type=refresh_token&refresh_token=${refresh}`, { headers: { authorization: basic("oa2-client-id_other", "other-secret") } });
      assert.equal(a.json.error, "invalid_grant");
    });

    it("a missing, unknown, revoked or expired bearer is 401 Invalid or expired token", async () => {
      const none = await call(sim, "GET", `${ORG}/devices`);
      assert.equal(none.status, 401);
      assert.deepEqual(none.json, INVALID_TOKEN);
      assert.deepEqual((await call(sim, "GET", `${ORG}/device?deviceId=1`, { token: "x".repeat(40) })).json, INVALID_TOKEN);
      const t1 = (await blynkTokens(sim)).access;
      sim.revokeTokens("blynk");
      assert.equal((await call(sim, "GET", `${ORG}/devices`, { token: t1 })).status, 401);
      const t2 = await blynkTokens(sim);
      sim.expireTokens();
      assert.equal((await call(sim, "GET", `${ORG}/devices`, { token: t2.access })).status, 401);
      const refresh = await call(sim, "POST", `/oauth2/token?grant_type=refresh_token&refresh_token=${t2.refresh}`, { headers: { authorization: basic(clientId, clientSecret) } });
      assert.equal(refresh.json.error, "invalid_grant");
      token = (await blynkTokens(sim)).access;
    });

    it("an access token stops working when expires_in runs out", async () => {
      const s = await startSimulator({ flatpeakDevices: 0, flatpeakSites: 0, blynkDevices: 5, tokenLifetimeSec: { blynk: 0.25 } });
      try {
        const t = await blynkTokens(s);
        assert.equal((await call(s, "GET", `${ORG}/devices`, { token: t.access })).status, 200);
        await sleep(300);
        assert.deepEqual((await call(s, "GET", `${ORG}/devices`, { token: t.access })).json, INVALID_TOKEN);
      } finally {
        await s.close();
      }
    });
  });

  describe("list and search", () => {
    it("GET /devices pages the main org's devices: page from 0, size default 50, totalElements", async () => {
      const a = await get("/devices");
      assert.equal(a.status, 200);
      assert.deepEqual(Object.keys(a.json), ["content", "totalElements"]);
      assert.equal(a.json.content.length, 50);
      assert.equal(a.json.totalElements, mainDevices().length);
      const item = a.json.content[0];
      for (const k of ["id", "name", "templateId", "originalTemplateId", "orgId", "token", "activatedAt"]) assert.ok(k in item, k);
      assert.equal(item.lifecycleStatus, undefined);
      assert.equal(item.dataStreamValues, undefined);
      const ids: number[] = [];
      for (let page = 0; ; page++) {
        const p = await get(`/devices?page=${page}&size=333`);
        ids.push(...p.json.content.map((d: any) => d.id));
        if (p.json.content.length < 333) break;
      }
      assert.deepEqual(ids, mainDevices().map((d) => d.id));
      const past = await get("/devices?page=999&size=1000");
      assert.deepEqual(past.json, { content: [], totalElements: mainDevices().length });
    });

    it("includeSubOrgDevices and orgId choose the organizations", async () => {
      assert.ok(sim.fleet.blynk.orgs.length >= 2 && sim.fleet.blynk.orgs.length <= 3);
      const sub = sim.fleet.blynk.orgs[1];
      assert.equal(sub.parentOrganizationId, mainOrg);
      assert.equal((await get("/devices?includeSubOrgDevices=true&size=1")).json.totalElements, devices.length);
      assert.equal((await get("/devices?includeSubOrgDevices=false&size=1")).json.totalElements, mainDevices().length);
      const s = await get(`/devices?orgId=${sub.id}&size=1000`);
      assert.equal(s.json.totalElements, devices.filter((d) => d.orgId === sub.id).length);
      assert.ok(s.json.content.every((d: any) => d.orgId === sub.id));
      assert.deepEqual((await get("/devices?orgId=1")).json, { error: { message: "Organization is not found or you don't have access to it." } });
      assert.equal((await get("/devices?orgId=x")).status, 400);
      assert.equal((await get("/devices?includeSubOrgDevices=maybe")).status, 400);
    });

    it("rejects sizes over 1000 and malformed numbers with 400", async () => {
      assert.equal((await get("/devices?size=1000")).json.content.length, 1000);
      const big = await get("/devices?size=1001");
      assert.equal(big.status, 400);
      assert.deepEqual(big.json, { error: { message: "requested page size is too big" } });
      for (const q of ["size=0", "size=-5", "size=ten", "page=-1", "page=1.5", "page=abc", "size=99999999999"]) {
        const a = await get(`/devices?${q}`);
        assert.equal(a.status, 400, q);
        assert.equal(typeof a.json.error.message, "string");
      }
    });

    it("search matches the name case-insensitively or the id, sorts and pages", async () => {
      const kitchen = mainDevices().filter((d) => d.name.toLowerCase().includes("kitchen"));
      assert.ok(kitchen.length > 10);
      const a = await get("/search/devices?query=KiTcHeN&size=1000");
      assert.equal(a.status, 200);
      assert.equal(a.json.totalElements, kitchen.length);
      assert.deepEqual(a.json.content.map((d: any) => d.id), kitchen.map((d) => d.id));
      const d = mainDevices()[10];
      assert.ok((await get(`/search/devices?query=${d.id}`)).json.content.some((x: any) => x.id === d.id));
      for (const sortBy of ["Name", "name"]) {
        const s = await get(`/search/devices?query=kitchen&sortBy=${sortBy}&sortOrder=DESC&size=1000`);
        const names = s.json.content.map((x: any) => x.name.toLowerCase());
        assert.deepEqual(names, [...names].sort().reverse());
      }
      const act = await get(`/search/devices?query=kitchen&sortBy=${encodeURIComponent("Activated At")}&size=1000`);
      const times = act.json.content.map((x: any) => x.activatedAt);
      assert.deepEqual(times, [...times].sort((x: number, y: number) => x - y));
      const p1 = await get("/search/devices?query=kitchen&sortBy=activatedAt&page=1&size=5");
      assert.deepEqual(p1.json.content.map((x: any) => x.id), act.json.content.slice(5, 10).map((x: any) => x.id));
      assert.deepEqual((await get("/search/devices?query=zzzz-none")).json, { content: [], totalElements: 0 });
    });

    it("search requires a query of at most 255 characters and a known sort field", async () => {
      assert.equal((await get("/search/devices")).status, 400);
      assert.equal((await get("/search/devices?query=")).status, 400);
      assert.equal((await get(`/search/devices?query=${"a".repeat(256)}`)).status, 400);
      assert.equal((await get(`/search/devices?query=${"a".repeat(255)}`)).status, 200);
      assert.equal((await get("/search/devices?query=a&sortBy=Colour")).status, 400);
      assert.equal((await get("/search/devices?query=a&sortOrder=UP")).status, 400);
      assert.equal((await get("/search/devices?query=a&size=1001")).status, 400);
    });
  });

  describe("one device", () => {
    it("GET /device answers the full device; /device/baseInfo the same without values", async () => {
      const d = thermostat();
      const a = await get(`/device?deviceId=${d.id}`);
      assert.equal(a.status, 200);
      for (const k of ["id", "name", "templateId", "originalTemplateId", "orgId", "token", "lifecycleStatus", "activatedAt", "firstConnectTime", "firmwareUpdatedAt", "connectTime", "disconnectTime", "ownerUserId", "isLocked", "lastReceivedEventAt", "dataStreamValues", "metaFieldValues"]) {
        assert.ok(k in a.json, k);
      }
      assert.match(a.json.token, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(a.json.token, d.token);
      assert.deepEqual(Object.keys(a.json.lifecycleStatus), ["eventId", "name", "icon", "color"]);
      for (const m of a.json.metaFieldValues) assert.equal(typeof m.value.type, "string");
      const types = new Set(a.json.metaFieldValues.map((m: any) => m.value.type));
      for (const t of ["Text", "Number", "Switch", "List", "Contact", "Location", "DeviceName", "DeviceOwner"]) assert.ok(types.has(t), t);
      const base = await get(`/device/baseInfo?deviceId=${d.id}`);
      assert.equal(base.json.dataStreamValues, undefined);
      assert.equal(base.json.metaFieldValues, undefined);
      const { dataStreamValues: _ds, metaFieldValues: _mf, ...rest } = a.json;
      assert.deepEqual(base.json, rest);
    });

    it("a deviceId that is not an integer is 400; an unknown one is 404", async () => {
      for (const q of ["deviceId=abc", "deviceId=1.5", "", "deviceId=99999999999"]) {
        const a = await get(`/device?${q}`);
        assert.equal(a.status, 400);
        assert.deepEqual(a.json, { error: { message: "Device identifier. Should be a valid integer" } });
      }
      const nf = await get("/device?deviceId=1");
      assert.equal(nf.status, 404);
      assert.deepEqual(nf.json, { error: { message: "Device with identifier 1 is not found or belong to another organization." } });
      assert.equal((await get("/device/online?deviceId=1")).status, 404);
      assert.equal((await get("/device/metafield?deviceId=x")).status, 400);
    });

    it("GET /device/online answers {connected}; a seeded share is online", async () => {
      const on = devices.find((d) => d.connected) as BlynkDevice;
      const off = devices.find((d) => !d.connected) as BlynkDevice;
      assert.deepEqual((await get(`/device/online?deviceId=${on.id}`)).json, { connected: true });
      assert.deepEqual((await get(`/device/online?deviceId=${off.id}`)).json, { connected: false });
      const share = devices.filter((d) => d.connected).length / devices.length;
      assert.ok(share > 0.35 && share < 0.75, String(share));
    });

    it("tags, logs and timeline", async () => {
      const tagged = devices.find((d) => d.tags.length > 0) as BlynkDevice;
      const tags = await get(`/device/tags?deviceId=${tagged.id}`);
      assert.equal(tags.json.length, tagged.tags.length);
      assert.deepEqual(Object.keys(tags.json[0]), ["id", "tagOwnerOrgId", "name"]);
      const withLogs = await (async () => {
        for (const d of devices.slice(0, 200)) {
          const l = await get(`/device/logs?deviceId=${d.id}&size=2`);
          if (l.json.totalElements > 2) return l;
        }
        throw new Error("no device with logs");
      })();
      assert.equal(withLogs.json.content.length, 2);
      assert.deepEqual(Object.keys(withLogs.json.content[0]).sort(), ["createdAt", "isOnline", "pin", "pinType", "triggerUserEmail", "value"]);
      const d = thermostat();
      const tl = await get(`/device/timeline?deviceId=${d.id}`);
      assert.deepEqual(Object.keys(tl.json), ["content", "totalElements"]);
      assert.equal((await get(`/device/timeline?deviceId=${d.id}&eventType=BOGUS`)).status, 400);
      assert.equal((await get(`/device/timeline?deviceId=${d.id}&size=1001`)).status, 400);
    });
  });

  describe("trigger-event", () => {
    it("204 with no body; the event lands first in the timeline; eventType filters it", async () => {
      const d = thermostat();
      const before = (await get(`/device/timeline?deviceId=${d.id}`)).json.totalElements;
      const a = await post("/device/trigger-event", { deviceId: d.id, eventCode: "high_temperature", eventDescription: "Temperature exceeded 22.0C threshold" });
      assert.equal(a.status, 204);
      assert.equal(a.text, "");
      assert.equal(a.headers.get("content-type"), null);
      const tl = await get(`/device/timeline?deviceId=${d.id}`);
      assert.equal(tl.json.totalElements, before + 1);
      const ev = tl.json.content[0];
      assert.equal(ev.description, "Temperature exceeded 22.0C threshold");
      assert.equal(ev.eventType, "WARNING");
      assert.equal(ev.isResolved, false);
      assert.ok(Date.now() - ev.ts < 5000);
      assert.equal((await post("/device/trigger-event", { deviceId: String(d.id), eventCode: "door_open" })).status, 204);
      assert.equal((await post("/device/trigger-event", { deviceId: d.id, eventCode: "low_battery" })).status, 204);
      const info = await get(`/device/timeline?deviceId=${d.id}&eventType=information`);
      assert.ok(info.json.content.every((e: any) => e.eventType === "INFORMATION"));
      assert.equal(info.json.content[0].description, "A door or window was opened while heating");
    });

    it("an unknown code is 404; a code over 50 or a description over 300 characters is 400", async () => {
      const d = thermostat();
      const nf = await post("/device/trigger-event", { deviceId: d.id, eventCode: "leak_detected" });
      assert.equal(nf.status, 404);
      assert.deepEqual(nf.json, { error: { message: "Event with provided code is not found." } });
      assert.equal((await post("/device/trigger-event", { deviceId: d.id, eventCode: "x".repeat(51) })).status, 400);
      assert.equal((await post("/device/trigger-event", { deviceId: d.id, eventCode: "door_open", eventDescription: "y".repeat(301) })).status, 400);
      assert.equal((await post("/device/trigger-event", { deviceId: d.id, eventCode: "door_open", eventDescription: "y".repeat(300) })).status, 204);
      assert.equal((await post("/device/trigger-event", { deviceId: d.id })).status, 400);
      assert.equal((await post("/device/trigger-event", { deviceId: "abc", eventCode: "door_open" })).status, 400);
      assert.equal((await post("/device/trigger-event", { deviceId: 1, eventCode: "door_open" })).status, 404);
      assert.equal((await call(sim, "POST", ORG + "/device/trigger-event", { token, raw: "nope" })).status, 400);
    });
  });

  describe("metafields", () => {
    it("GET /device/metafield lists typed values", async () => {
      const d = thermostat();
      const a = await get(`/device/metafield?deviceId=${d.id}`);
      assert.equal(a.status, 200);
      assert.ok(Array.isArray(a.json) && a.json.length >= 8);
      for (const m of a.json) assert.deepEqual(Object.keys(m), ["id", "name", "isRequired", "includeInProvisioning", "value"]);
      const owner = a.json.find((m: any) => m.value.type === "DeviceOwner");
      assert.equal(owner.value.value, sim.fleet.blynk.users.find((u) => u.id === d.ownerUserId)?.email);
    });

    it("POST /device/metafield validates by type and the new value shows in GET device and GET metafield", async () => {
      const d = thermostat();
      const set = (metaFieldId: number, newValue: unknown) => post("/device/metafield", { deviceId: d.id, metaFieldId, newValue });
      const meta = async () => (await get(`/device/metafield?deviceId=${d.id}`)).json as any[];
      const byName = async (n: string) => (await meta()).find((m) => m.name === n);

      assert.equal((await set(5, "21.5")).status, 204);
      assert.equal((await byName("Max Temperature")).value.value, 21.5);
      assert.equal((await set(5, 30)).status, 204);
      const full = await get(`/device?deviceId=${d.id}`);
      assert.equal(full.json.metaFieldValues.find((m: any) => m.id === 5).value.value, 30);
      const invalid = await set(5, "warm");
      assert.equal(invalid.status, 400);
      assert.deepEqual(invalid.json, { error: { message: "The provided value for metafield is invalid." } });
      assert.equal((await set(5, 99)).status, 400);
      assert.equal((await set(3, 12345)).status, 400);
      assert.equal((await set(3, "SN-NEW")).status, 204);
      assert.equal((await byName("Serial Number")).value.value, "SN-NEW");
      assert.equal((await set(6, true)).status, 204);
      assert.equal((await byName("Eco Mode")).value.value, "On");
      assert.equal((await set(4, "Kitchen")).status, 204);
      assert.equal((await byName("Room")).value.selectedOption, "Kitchen");
      assert.equal((await set(4, "Cellar")).status, 400);
      assert.equal((await set(8, { city: "York", lat: 53.96, lon: -1.08 })).status, 204);
      assert.equal((await byName("Installation Address")).value.city, "York");
      assert.equal((await set(8, { lat: 200 })).status, 400);
      assert.equal((await set(9, { firstName: "Ada", phone: "+44 1" })).status, 204);
      assert.equal((await set(9, "Ada")).status, 400);
      assert.equal((await set(7, { from: 3600, to: 7200 })).status, 204);
      assert.equal((await set(10, "not-an-email")).status, 400);
      assert.equal((await set(1, "Renamed Thermostat")).status, 204);
      assert.equal((await get(`/device?deviceId=${d.id}`)).json.name, "Renamed Thermostat");
      assert.equal((await set(1, "bad/name")).status, 400);
      const nf = await set(77, "x");
      assert.equal(nf.status, 404);
      assert.deepEqual(nf.json, { error: { message: "Meta field is not found." } });
      assert.equal((await post("/device/metafield", { deviceId: 1, metaFieldId: 5, newValue: 1 })).status, 404);
      assert.equal((await post("/device/metafield", { deviceId: d.id, metaFieldId: "five", newValue: 1 })).status, 400);
    });
  });

  describe("the rest of the Devices page", () => {
    it("PUT /device renames (200) under the name rules", async () => {
      const d = mainDevices()[3];
      const put = (name: unknown) => call(sim, "PUT", `${ORG}/device?deviceId=${d.id}`, { token, body: { name } });
      const ok = await put("Anna's hall_sensor-2");
      assert.equal(ok.status, 200);
      assert.equal(ok.json.name, "Anna's hall_sensor-2");
      assert.equal(ok.json.id, d.id);
      assert.equal(d.name, "Anna's hall_sensor-2");
      for (const bad of ["", "   ", "a".repeat(51), "semi;colon", "slash/name", 42]) assert.equal((await put(bad)).status, 400, String(bad));
      assert.equal((await put("b".repeat(50))).status, 200);
      assert.equal((await call(sim, "PUT", `${ORG}/device?deviceId=1`, { token, body: { name: "X" } })).status, 404);
    });

    it("POST /device/create (201 with token), DELETE /device (204)", async () => {
      const c = await post("/device/create", { templateId: "TMPL4cT7hQmR2", name: "API Test Device", ownerId: sim.fleet.blynk.users[0].id });
      assert.equal(c.status, 201);
      assert.equal(c.json.templateId, 353);
      assert.equal(c.json.orgId, mainOrg);
      assert.match(c.json.token, /^[A-Za-z0-9_-]{32}$/);
      assert.ok(c.json.id > Math.max(...devices.filter((d) => d.id !== c.json.id).map((d) => d.id)));
      assert.deepEqual(c.json.dataStreamValues, []);
      assert.equal((await get(`/device/online?deviceId=${c.json.id}`)).json.connected, false);
      const recent = await get("/device/last-activated?minutes=1");
      assert.equal(recent.json[0].id, c.json.id);
      assert.equal((await post("/device/create", { templateId: "TMPLnope", name: "X" })).status, 404);
      assert.equal((await post("/device/create", { templateId: "TMPL4cT7hQmR2", name: "X", orgId: 1 })).status, 404);
      assert.equal((await post("/device/create", { templateId: "TMPL4cT7hQmR2", name: "X", ownerId: 1 })).status, 404);
      assert.equal((await post("/device/create", { templateId: "TMPL4cT7hQmR2", name: "bad|name" })).status, 400);
      assert.equal((await post("/device/create", { name: "X" })).status, 400);
      const base = await call(sim, "POST", `${ORG}/device/create?baseInfoOnly=true`, { token, body: { templateId: "TMPLsPlug9x2K", name: "Plug" } });
      assert.equal(base.json.metaFieldValues, undefined);
      const gone = await del(`/device?deviceId=${c.json.id}`);
      assert.equal(gone.status, 204);
      assert.equal(gone.text, "");
      assert.equal((await get(`/device?deviceId=${c.json.id}`)).status, 404);
      assert.equal((await del(`/device?deviceId=${c.json.id}`)).status, 404);
      assert.equal((await del(`/device?deviceId=${base.json.id}`)).status, 204);
    });

    it("transfer to owner and to organization (204), remove owner, clear data", async () => {
      const d = mainDevices().find((x) => x.ownerUserId !== undefined && x.firstConnectTime > 0) as BlynkDevice;
      const sub = sim.fleet.blynk.orgs[1];
      const subUser = sim.fleet.blynk.users.find((u) => u.orgId === sub.id)!;
      assert.equal((await post("/device/transfer/to-owner", { deviceId: d.id, newUserId: subUser.id })).status, 204);
      assert.equal(d.ownerUserId, subUser.id);
      assert.equal(d.orgId, sub.id);
      assert.equal((await post("/device/transfer/to-owner", { deviceId: d.id, newUserId: subUser.id })).status, 400);
      assert.deepEqual((await post("/device/transfer/to-owner", { deviceId: d.id, newUserId: 1 })).json, { error: { message: "User is not found or you don't have access to him." } });
      assert.equal((await post("/device/transfer/to-owner", { deviceId: d.id })).status, 400);
      assert.equal((await post("/device/transfer/to-organization", { deviceId: d.id, newOrgId: mainOrg })).status, 204);
      assert.equal(d.orgId, mainOrg);
      assert.equal((await post("/device/transfer/to-organization", { deviceId: d.id, newOrgId: mainOrg })).status, 400);
      assert.equal((await post("/device/transfer/to-organization", { deviceId: d.id, newOrgId: 1 })).status, 404);
      assert.equal((await post("/device/transfer/to-organization", { deviceId: 1, newOrgId: mainOrg })).status, 404);
      assert.equal((await post("/device/transfer", { deviceId: d.id, newOrgId: sub.id })).status, 204);
      assert.equal(d.orgId, sub.id);

      assert.equal((await del(`/device/owner?deviceId=${d.id}`)).status, 204);
      assert.equal((await get(`/device?deviceId=${d.id}`)).json.ownerUserId, undefined);
      assert.equal((await del("/device/owner?deviceId=1")).status, 404);

      assert.equal((await post("/device/trigger-event", { deviceId: d.id, eventCode: (sim.fleet.blynk.templates.find((t) => t.id === d.templateId)!).events[0].code })).status, 204);
      assert.equal((await del(`/device/clear?deviceId=${d.id}`)).status, 204);
      assert.deepEqual((await get(`/device/timeline?deviceId=${d.id}`)).json, { content: [], totalElements: 0 });
      assert.deepEqual((await get(`/device/logs?deviceId=${d.id}`)).json, { content: [], totalElements: 0 });
      assert.deepEqual((await get(`/device?deviceId=${d.id}`)).json.dataStreamValues, []);
    });

    it("by-owner, by-user-org", async () => {
      const owner = sim.fleet.blynk.users.find((u) => u.orgId === mainOrg && devices.filter((d) => d.ownerUserId === u.id).length >= 2)!;
      const owned = devices.filter((d) => d.ownerUserId === owner.id);
      const a = await get(`/device/by-owner?ownerEmail=${encodeURIComponent(owner.email.toUpperCase())}`);
      assert.equal(a.status, 200);
      assert.deepEqual(a.json.content.map((d: any) => d.id), owned.map((d) => d.id));
      assert.equal(a.json.totalElements, owned.length);
      assert.equal((await get(`/device/by-owner?ownerEmail=${encodeURIComponent(owner.email)}&size=1`)).json.content.length, 1);
      assert.equal((await get("/device/by-owner?ownerEmail=nobody%40example.com")).status, 404);
      assert.equal((await get("/device/by-owner")).status, 400);
      assert.equal((await get("/device/by-owner?ownerEmail=not-an-email")).status, 400);
      const u = await get(`/device/by-user-org?userEmail=${encodeURIComponent(owner.email)}&size=1000`);
      assert.equal(u.json.totalElements, mainDevices().length);
      assert.deepEqual((await get("/device/by-user-org?userEmail=nobody%40example.com")).json, { content: [], totalElements: 0 });
      assert.equal((await get("/device/by-user-org")).status, 400);
    });

    it("last-activated lists recent activations of the org (not sub-orgs), minutes 1..60", async () => {
      const a = await get("/device/last-activated?minutes=60");
      assert.equal(a.status, 200);
      assert.ok(Array.isArray(a.json) && a.json.length >= 3, JSON.stringify(a.json));
      for (const x of a.json) {
        assert.equal(x.orgId, mainOrg);
        assert.ok(Date.now() - x.activatedAt <= 3600000);
        assert.deepEqual(Object.keys(x).filter((k) => k !== "ownerUserId"), ["id", "orgId", "templateId", "activatedAt"]);
      }
      assert.ok(a.json.some((x: any) => typeof x.ownerUserId === "number"));
      const times = a.json.map((x: any) => x.activatedAt);
      assert.deepEqual(times, [...times].sort((x: number, y: number) => y - x));
      assert.ok((await get("/device/last-activated")).json.length < a.json.length);
      for (const m of ["0", "61", "abc"]) assert.equal((await get(`/device/last-activated?minutes=${m}`)).status, 400);
      const sub = sim.fleet.blynk.orgs[1];
      assert.ok((await get(`/device/last-activated?orgId=${sub.id}&minutes=60`)).json.every((x: any) => x.orgId === sub.id));
    });

    it("a wrong method is 405 with the Blynk body; an unknown path is 404", async () => {
      const a = await call(sim, "POST", `${ORG}/devices`, { token, body: {} });
      assert.equal(a.status, 405);
      assert.deepEqual(a.json, { error: { message: "Method Not Allowed" } });
      assert.equal(a.headers.get("allow"), "GET");
      assert.equal((await call(sim, "PATCH", `${ORG}/device?deviceId=1`, { token })).headers.get("allow"), "GET, PUT, DELETE");
      const nf = await get("/widgets");
      assert.equal(nf.status, 404);
      assert.deepEqual(nf.json, { error: { message: "Not Found" } });
    });

    it("GET /profile answers the organization of the client", async () => {
      const a = await get("/profile");
      assert.equal(a.json.id, mainOrg);
      assert.equal(a.json.parentOrganizationId, null);
    });
  });
});
