#!/usr/bin/env node
"use strict";
/**
 * The editor's admin routes with adminAuth on and httpAdminRoot moved to /admin:
 *
 *   POST <admin>/devicecloud/test                        (needsPermission devicecloud-account.write)
 *   GET  <admin>/devicecloud/accounts/:id/devices        (needsPermission devicecloud-account.read)
 *   GET  <admin>/devicecloud/accounts/:id/metafields     (needsPermission devicecloud-account.read)
 *   GET  <admin>/devicecloud/accounts/:id/locations      (needsPermission devicecloud-account.read)
 *   GET  <admin>/devicecloud/accounts/:id/datastreams    (needsPermission devicecloud-account.read)
 *   GET  <admin>/devicecloud/accounts/:id/events         (needsPermission devicecloud-account.read)
 *
 * Node-RED 4.1 (the project's devDependency) runs with a settings file that sets adminAuth (two users with bcrypt
 * passwords: "admin" with every permission, "reader" with read only) and httpAdminRoot "/admin". A simulator of both
 * clouds runs in this process on loopback with accounts whose secrets the test knows; the deployed flow holds
 * accounts that use them (not `simulate`: the real login path, with the secrets in the credentials), one whose
 * server is down, one with a wrong secret.
 *
 * Checked: without a token (or with a bad one) each route answers 401; with a token from POST /admin/auth/token
 * they work, under /admin and not at the root; a read-only token lists but may not test (Node-RED refuses a
 * missing permission with 401 too); an account that is not
 * deployed answers 404 NOT_DEPLOYED, one that cannot be reached 502 NETWORK, one with a wrong secret 502
 * AUTH_FAILED; the stored secret ("__PWRD__") is used for the deployed account's own server only; no answer and no
 * log line holds a secret. Then Chromium logs in to the editor at /admin/ and uses the device picker and Test
 * connection (with the stored secret), which call the routes with relative URLs.
 *
 *   npm run test:admin
 *
 * Node-RED's log: e2e-out/node-red-admin.log. Closing line: "N passed, N failed"; exit 1 on a failure.
 */
const assert = require("assert/strict");
const { randomBytes } = require("crypto");
const fs = require("fs");
const http = require("http");
const path = require("path");
const kit = require("../../scripts/nodered-kit");
const h = require("./harness");

const ROOT = h.ROOT;
const LOG = path.join(h.OUT, "node-red-admin.log");
const runner = h.createRunner();
const test = runner.test;

const ADMIN = { username: "admin", password: `admin-${randomBytes(6).toString("hex")}`, scope: "*" };
const READER = { username: "reader", password: `reader-${randomBytes(6).toString("hex")}`, scope: "read" };
const SECRETS = {
  flatpeak: `sk_test_E2E${randomBytes(12).toString("hex")}`,
  blynk: `blynk-e2e-${randomBytes(12).toString("hex")}`,
  down: `sk_test_DOWN${randomBytes(12).toString("hex")}`,
  wrong: `sk_test_WRONG${randomBytes(12).toString("hex")}`,
  credential: `cred-${randomBytes(12).toString("hex")}`,
};
const IDS = {
  tab: "e2e0admin0tab000",
  flatpeak: "e2e0acc0flatpeak",
  blynk: "e2e0acc00blynk00",
  down: "e2e0acc000down00",
  wrong: "e2e0acc00wrong00",
  getDevice: "e2e0get0device00",
  priceSlots: "e2e0price0slots0",
  inject: "e2e0inject000000",
};
const FLATPEAK_CLIENT = "acc_e2e000000000000000000001";
const BLYNK_CLIENT = "oa2-client-id_e2e";

/** Every answer the test got, to check none holds a secret. */
const answers = [];
function record(what, r) {
  answers.push({ what, headers: JSON.stringify([...r.headers]), body: r.text });
  return r;
}

async function main() {
  const tmp = h.tempDir("devicecloud-admin-");
  fs.mkdirSync(h.OUT, { recursive: true });
  h.out(`admin e2e: work folder ${tmp}`);
  let nr;
  let sim;
  let capture;
  let browser;
  try {
    let pkgDir;
    if (!(await test("the package builds from the working tree (temp copy)", async () => {
      pkgDir = h.buildPackage(tmp);
    }))) return;

    // A simulator of both clouds with accounts whose secrets only this test knows.
    const { startSimulator } = require(path.join(pkgDir, "nodes", "simulator"));
    sim = await startSimulator({ host: "127.0.0.1", port: 0 });
    sim.addAccount("flatpeak", FLATPEAK_CLIENT, SECRETS.flatpeak);
    sim.addAccount("blynk", BLYNK_CLIENT, SECRETS.blynk);
    // A server that records what reaches it: the stored secret must never be sent here.
    const captured = [];
    capture = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        captured.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
        res.writeHead(401, { "Content-Type": "application/json" }).end("{}");
      });
    });
    await new Promise((r) => capture.listen(0, "127.0.0.1", r));
    const captureUrl = `http://127.0.0.1:${capture.address().port}`;
    const closedPort = await h.freePort();

    const bcrypt = require(require.resolve("bcryptjs", { paths: [path.dirname(require.resolve("node-red/package.json", { paths: [ROOT] }))] }));
    const userDir = h.makeUserDir(path.join(tmp, "user"), pkgDir, {
      uiHost: "127.0.0.1",
      httpAdminRoot: "/admin",
      flowFile: "flows.json",
      credentialSecret: SECRETS.credential,
      editorTheme: { tours: false, projects: { enabled: false } },
      adminAuth: {
        type: "credentials",
        users: [
          { username: ADMIN.username, password: bcrypt.hashSync(ADMIN.password, 8), permissions: "*" },
          { username: READER.username, password: bcrypt.hashSync(READER.password, 8), permissions: "read" },
        ],
      },
    });
    const port = await h.freePort();
    if (!(await test("Node-RED 4.1 starts with adminAuth and httpAdminRoot /admin", async () => {
      nr = await h.startNodeRed({ userDir, port, logFile: LOG, adminRoot: "/admin" });
      const login = await nr.api("GET", "/auth/login");
      assert.equal(login.json.type, "credentials", "the login scheme is credentials");
      const settings = await nr.api("GET", "/settings");
      assert.equal(settings.status, 401, "GET /admin/settings needs a token");
      return nr.base;
    }))) return;

    const token = async (user) => {
      const r = await nr.api("POST", "/auth/token", {
        body: { client_id: "node-red-admin", grant_type: "password", scope: user.scope, username: user.username, password: user.password },
      });
      assert.equal(r.status, 200, `POST /admin/auth/token for ${user.username}: ${r.status} ${r.text}`);
      assert.ok(r.json.access_token, "a token");
      return r.json.access_token;
    };
    let adminToken;
    let readerToken;
    await test("POST /admin/auth/token gives tokens to both users", async () => {
      adminToken = await token(ADMIN);
      readerToken = await token(READER);
    });
    const as = (tok) => ({ Authorization: `Bearer ${tok}` });
    const call = async (what, method, route, { tok, body, timeoutMs } = {}) =>
      record(what, await nr.api(method, route, { body, headers: tok ? as(tok) : {}, timeoutMs }));

    const account = (id, name, provider, server, clientId, clientSecret, extra = {}) => ({
      id,
      type: "devicecloud-account",
      name,
      provider,
      server,
      apiVersion: "",
      simulate: false,
      timeout: 10,
      credentials: { clientId, clientSecret },
      ...extra,
    });
    const flow = [
      { id: IDS.tab, type: "tab", label: "admin e2e", disabled: false, info: "" },
      account(IDS.flatpeak, "Flatpeak (simulator, own secret)", "flatpeak", sim.url, FLATPEAK_CLIENT, SECRETS.flatpeak),
      account(IDS.blynk, "Blynk (simulator, own secret)", "blynk", sim.url, BLYNK_CLIENT, SECRETS.blynk),
      account(IDS.down, "Flatpeak (server down)", "flatpeak", `http://127.0.0.1:${closedPort}`, FLATPEAK_CLIENT, SECRETS.down, { timeout: 3 }),
      account(IDS.wrong, "Flatpeak (wrong secret)", "flatpeak", sim.url, FLATPEAK_CLIENT, SECRETS.wrong),
      {
        id: IDS.inject, type: "inject", z: IDS.tab, name: "", props: [{ p: "payload" }], repeat: "", crontab: "", once: false,
        onceDelay: 0.1, topic: "", payload: "", payloadType: "date", x: 120, y: 80, wires: [[IDS.getDevice]],
      },
      {
        id: IDS.getDevice, type: "devicecloud-get-device", z: IDS.tab, name: "", account: IDS.flatpeak, deviceId: "deviceId",
        deviceIdType: "msg", detail: "full", includeToken: false, x: 320, y: 80, wires: [[]],
      },
      {
        id: IDS.priceSlots, type: "devicecloud-price-slots", z: IDS.tab, name: "", account: IDS.flatpeak, locationId: "locationId",
        locationIdType: "msg", x: 320, y: 160, wires: [[]],
      },
    ];

    const routes = [
      ["POST", "/devicecloud/test", { id: IDS.flatpeak, provider: "flatpeak", server: sim.url, simulate: false, timeout: 10, clientId: FLATPEAK_CLIENT, clientSecret: "__PWRD__" }],
      ["GET", `/devicecloud/accounts/${IDS.flatpeak}/devices`],
      ["GET", `/devicecloud/accounts/${IDS.blynk}/metafields?deviceId=1`],
      ["GET", `/devicecloud/accounts/${IDS.flatpeak}/locations`],
      ["GET", `/devicecloud/accounts/${IDS.blynk}/datastreams?deviceId=1`],
      ["GET", `/devicecloud/accounts/${IDS.blynk}/events?deviceId=1`],
    ];

    await test(`without a token, and with a bad one, each of the ${routes.length} routes answers 401`, async () => {
      for (const [method, route, body] of routes) {
        const none = await call(`${method} ${route} no token`, method, route, { body });
        assert.equal(none.status, 401, `${method} /admin${route} without a token: ${none.status} ${none.text}`);
        const bad = await call(`${method} ${route} bad token`, method, route, { body, tok: "not-a-token" });
        assert.equal(bad.status, 401, `${method} /admin${route} with a bad token: ${bad.status}`);
      }
      return `${routes.length * 2} × 401`;
    });

    if (!(await test("deploy (POST /admin/flows with the admin token): accounts with their secrets", async () => {
      record("deploy", await h.deploy(nr, flow, as(adminToken)));
      const back = await call("GET /flows", "GET", "/flows", { tok: adminToken });
      for (const n of back.json.flows || back.json) assert.ok(!n.credentials, `no credentials in GET /flows (${n.id})`);
    }))) return;

    let blynkDevice;
    await test("with the admin token the routes work under /admin", async () => {
      const fp = await call("devices flatpeak", "GET", `/devicecloud/accounts/${IDS.flatpeak}/devices`, { tok: adminToken });
      assert.equal(fp.status, 200, fp.text);
      assert.ok(fp.json.items.length > 0 && fp.json.items.every((d) => /^dev_/.test(d.id) && typeof d.name === "string"), fp.text.slice(0, 300));
      const bl = await call("devices blynk", "GET", `/devicecloud/accounts/${IDS.blynk}/devices?q=Thermostat`, { tok: adminToken });
      assert.equal(bl.status, 200, bl.text);
      assert.ok(bl.json.items.length > 0 && bl.json.items.every((d) => /Thermostat/.test(d.name)), "the search reached the cloud");
      assert.equal(typeof bl.json.total, "number");
      blynkDevice = bl.json.items[0].id;
      if (bl.json.next) {
        const more = await call("devices blynk page 2", "GET", `/devicecloud/accounts/${IDS.blynk}/devices?q=Thermostat&cursor=${encodeURIComponent(bl.json.next)}`, { tok: adminToken });
        assert.equal(more.status, 200);
        assert.ok(!more.json.items.some((d) => d.id === blynkDevice), "the next page holds other devices");
      }
      const mf = await call("metafields", "GET", `/devicecloud/accounts/${IDS.blynk}/metafields?deviceId=${blynkDevice}`, { tok: adminToken });
      assert.equal(mf.status, 200, mf.text);
      assert.ok(mf.json.items.some((m) => m.id === 5 && m.name === "Max Temperature"), mf.text.slice(0, 300));
      const ds = await call("datastreams", "GET", `/devicecloud/accounts/${IDS.blynk}/datastreams?deviceId=${blynkDevice}`, { tok: adminToken });
      assert.equal(ds.status, 200, ds.text);
      assert.ok(ds.json.items.some((d) => d.pin === "V5" && d.id === 3 && d.type === "DOUBLE" && d.name === "Setpoint"), ds.text.slice(0, 300));
      const ev = await call("events", "GET", `/devicecloud/accounts/${IDS.blynk}/events?deviceId=${blynkDevice}`, { tok: adminToken });
      assert.equal(ev.status, 200, ev.text);
      assert.ok(ev.json.items.length > 0 && ev.json.items.every((e) => typeof e.id === "string" && e.id !== ""), `only events with a code: ${ev.text.slice(0, 300)}`);
      assert.ok(ev.json.items.some((e) => e.id === "high_temperature"), ev.text.slice(0, 300));
      const t = await call("test stored", "POST", "/devicecloud/test", { tok: adminToken, body: routes[0][2] });
      assert.equal(t.status, 200);
      assert.equal(t.json.ok, true, `Test connection with the stored secret: ${t.text}`);
      const typed = await call("test typed, not deployed", "POST", "/devicecloud/test", {
        tok: adminToken,
        body: { id: "e2e0not0deployed", provider: "blynk", server: sim.url, simulate: false, timeout: 10, clientId: BLYNK_CLIENT, clientSecret: SECRETS.blynk },
      });
      assert.equal(typed.json.ok, true, `Test connection of an account not deployed yet, secret typed: ${typed.text}`);
      const locs = await call("locations flatpeak", "GET", `/devicecloud/accounts/${IDS.flatpeak}/locations`, { tok: adminToken });
      assert.equal(locs.status, 200, locs.text);
      assert.ok(locs.json.items.length > 0 && locs.json.items.every((l) => /^loc_/.test(l.id) && typeof l.name === "string"), locs.text.slice(0, 300));
      assert.ok(locs.json.items.some((l) => / · device /.test(l.name)), "the locations the devices name are marked");
      const noLocs = await call("locations blynk", "GET", `/devicecloud/accounts/${IDS.blynk}/locations`, { tok: adminToken });
      assert.equal(noLocs.status, 400, noLocs.text);
      assert.equal(noLocs.json.code, "UNSUPPORTED");
      const simulated = await call("test simulate", "POST", "/devicecloud/test", { tok: adminToken, body: { id: "x", provider: "flatpeak", simulate: true } });
      assert.equal(simulated.json.ok, true, simulated.text);
      return `${fp.json.items.length} Flatpeak, ${bl.json.items.length} of ${bl.json.total} Blynk thermostats, ${mf.json.items.length} metafields, ${ds.json.items.length} datastreams, ${ev.json.items.length} event codes; test: ${t.text}`;
    });

    await test("the routes live under httpAdminRoot only: /devicecloud/… at the root is not them", async () => {
      for (const [method, route, body] of routes) {
        const r = record("root", await kit.api(nr.origin, method, route, { body, headers: as(adminToken) }));
        assert.equal(r.status, 404, `${method} ${route} at the root: ${r.status}`);
      }
    });

    await test("a read-only token lists devices and metafields but may not run Test connection (401)", async () => {
      const list = await call("reader devices", "GET", `/devicecloud/accounts/${IDS.blynk}/devices`, { tok: readerToken });
      assert.equal(list.status, 200);
      const mf = await call("reader metafields", "GET", `/devicecloud/accounts/${IDS.blynk}/metafields?deviceId=${blynkDevice}`, { tok: readerToken });
      assert.equal(mf.status, 200);
      const t = await call("reader test", "POST", "/devicecloud/test", { tok: readerToken, body: routes[0][2] });
      // Node-RED's needsPermission answers a token without the permission with 401, as it answers no token
      assert.equal(t.status, 401, `POST test as reader: ${t.status} ${t.text}`);
    });

    await test("not deployed: 404 NOT_DEPLOYED; not reachable: 502 NETWORK; wrong secret: 502 AUTH_FAILED", async () => {
      for (const route of [`/devicecloud/accounts/e2e0nope/devices`, `/devicecloud/accounts/${IDS.inject}/devices`, `/devicecloud/accounts/e2e0nope/metafields?deviceId=1`]) {
        const r = await call("not deployed", "GET", route, { tok: adminToken });
        assert.equal(r.status, 404, `${route}: ${r.status}`);
        assert.equal(r.json.code, "NOT_DEPLOYED");
        assert.ok(r.json.message, "with a message");
      }
      const down = await call("down", "GET", `/devicecloud/accounts/${IDS.down}/devices`, { tok: adminToken, timeoutMs: 60000 });
      assert.equal(down.status, 502, down.text);
      assert.equal(down.json.code, "NETWORK", down.text);
      const wrong = await call("wrong", "GET", `/devicecloud/accounts/${IDS.wrong}/devices`, { tok: adminToken });
      assert.equal(wrong.status, 502, wrong.text);
      assert.equal(wrong.json.code, "AUTH_FAILED", wrong.text);
      for (const what of ["datastreams", "events"]) {
        const flat = await call(`flatpeak ${what}`, "GET", `/devicecloud/accounts/${IDS.flatpeak}/${what}?deviceId=dev_x`, { tok: adminToken });
        assert.equal(flat.status, 400, flat.text);
        assert.equal(flat.json.code, "UNSUPPORTED");
        const unknown = await call(`blynk ${what} of an unknown device`, "GET", `/devicecloud/accounts/${IDS.blynk}/${what}?deviceId=2000000000`, { tok: adminToken });
        assert.equal(unknown.status, 404, unknown.text);
        assert.equal(unknown.json.code, "NOT_FOUND");
      }
      const flatMeta = await call("flatpeak metafields", "GET", `/devicecloud/accounts/${IDS.flatpeak}/metafields?deviceId=dev_x`, { tok: adminToken });
      assert.equal(flatMeta.status, 400);
      assert.equal(flatMeta.json.code, "UNSUPPORTED");
      const noId = await call("blynk metafields without id", "GET", `/devicecloud/accounts/${IDS.blynk}/metafields`, { tok: adminToken });
      assert.equal(noId.status, 400);
      assert.equal(noId.json.code, "INVALID_INPUT");
      return `${down.json.message} | ${wrong.json.message}`;
    });

    await test("the device list and Test connection stop their cloud request when the browser goes away", async () => {
      // The cloud hangs on /devices; the browser leaves once the route's request is there. Every wait is bounded:
      // the request reaches the cloud within 10 s and is closed within 5 s (the account's timeout is 10 s, the
      // test's deadline 30 s, so only the route's abort closes it in time); nothing is sent in the second after.
      const atDevices = () => Object.entries(sim.stats().byRoute).some(([k, n]) => k.endsWith(" /devices") && n > 0);
      const notes = [];
      for (const [method, route, body] of [routes[1], routes[0]]) {
        sim.resetStats();
        const fault = sim.addFault({ path: "/devices", hang: true });
        const payload = body && JSON.stringify(body);
        const req = http.request(`${nr.base}${route}`, {
          method,
          headers: { ...as(adminToken), ...(payload ? { "Content-Type": "application/json" } : {}) },
        });
        const answered = [];
        req.on("response", (res) => answered.push(res.statusCode));
        req.on("error", () => undefined); // the socket this test destroys
        req.end(payload);
        try {
          assert.ok(await h.waitFor(() => atDevices() && sim.stats().inFlight === 1, 10000), `${method} ${route}: no request reached the cloud`);
          const sent = sim.stats().requests;
          const left = Date.now();
          req.destroy();
          assert.ok(await h.waitFor(() => sim.stats().inFlight === 0, 5000), `${method} ${route}: the cloud request was still open 5 s after the browser went away`);
          notes.push(`${method} ${route.split("/").pop()} closed in ${Date.now() - left} ms`);
          await h.sleep(1000);
          assert.equal(sim.stats().inFlight, 0, `${method} ${route}: nothing opened again`);
          assert.equal(sim.stats().requests, sent, `${method} ${route}: nothing was sent after the browser went away`);
          assert.deepEqual(answered, [], `${method} ${route}: the browser was gone before any answer`);
        } finally {
          req.destroy();
          sim.removeFault(fault);
        }
      }
      return notes.join("; ");
    });

    await test("the stored secret goes only to the deployed account's own server", async () => {
      const base = routes[0][2];
      const cases = [
        ["another server", { ...base, server: captureUrl }],
        ["another node's id", { ...base, id: IDS.inject, server: captureUrl }],
        ["an id nobody deployed", { ...base, id: "e2e0nope", server: captureUrl }],
        ["empty secret, another server", { ...base, server: captureUrl, clientSecret: "" }],
        ["the other cloud", { ...base, provider: "blynk", server: captureUrl }],
      ];
      for (const [what, body] of cases) {
        const r = await call(`stored ${what}`, "POST", "/devicecloud/test", { tok: adminToken, body });
        assert.equal(r.status, 200);
        assert.equal(r.json.ok, false, `${what}: ${r.text}`);
        assert.equal(r.json.code, "INVALID_INPUT", `${what}: ${r.text}`);
      }
      assert.deepEqual(captured, [], "nothing reached the other server");
      const typed = await call("typed secret, other server", "POST", "/devicecloud/test", {
        tok: adminToken,
        body: { ...base, server: captureUrl, clientSecret: "typed-by-hand" },
      });
      assert.equal(typed.json.ok, false);
      assert.ok(captured.length > 0, "a secret typed in the dialog is tried against the server the dialog names");
      return cases.map((c) => c[0]).join(", ");
    });

    // ----- the editor at /admin/: login, then the picker and Test connection call the routes with relative URLs
    await test("Chromium: login at /admin/, the device and location pickers and Test connection (stored secret) work", async () => {
      browser = await h.launchBrowser(tmp);
      const page = browser.pages()[0] || (await browser.newPage());
      page.setDefaultTimeout(20000);
      const adminCalls = [];
      page.on("response", (res) => {
        const u = new URL(res.url());
        if (u.pathname.includes("/devicecloud/")) adminCalls.push(`${res.request().method()} ${u.pathname} ${res.status()}`);
      });
      await page.goto(`${nr.base}/`);
      await page.locator("#node-dialog-login-username").fill(ADMIN.username);
      await page.locator("#node-dialog-login-password").fill(ADMIN.password);
      await page.locator("#node-dialog-login-submit").click();
      /** Opens a node's edit dialog from the workspace. */
      const edit = async (id) => {
        const node = page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"] rect.red-ui-flow-node`);
        await node.waitFor({ state: "visible", timeout: 30000 });
        await node.dblclick();
        await page.locator("#node-dialog-ok").waitFor({ state: "visible" });
      };
      await edit(IDS.getDevice);
      /** Opens the list button beside a field, picks its first entry; resolves with the entry's text. */
      const pickFirst = async (field, idPattern) => {
        const row = page.locator(`#node-input-${field}`).locator("xpath=ancestor::div[contains(@class,'form-row')][1]");
        await row.locator("button.devicecloud-picker-button").click();
        const first = row.locator(".devicecloud-picker-list li a").first();
        await first.waitFor({ state: "visible" });
        const text = (await first.textContent()).trim();
        await first.click();
        assert.match(await page.locator(`#node-input-${field}`).inputValue(), idPattern);
        return text;
      };
      const picked = await pickFirst("deviceId", /^dev_/);
      // the account's dialog: its secret field shows the placeholder; Test connection uses the stored secret
      await page.locator("#node-input-btn-account-edit").click();
      await page.locator("#node-config-dialog-ok").waitFor({ state: "visible" });
      assert.equal(await page.locator("#node-config-input-clientSecret").inputValue(), "__PWRD__", "the secret field shows the placeholder");
      await page.locator("#devicecloud-account-test").click();
      const result = page.locator("#devicecloud-account-test-result");
      await page.waitForFunction(() => {
        const el = document.getElementById("devicecloud-account-test-result");
        return el && el.offsetParent !== null && !el.querySelector(".fa-spinner") && el.textContent.trim() !== "";
      });
      const text = (await result.textContent()).trim();
      assert.match(text, /^Connected: /, text);
      await page.locator("#node-config-dialog-cancel").click();
      await page.locator("#node-dialog-cancel").click();
      // price slots: the location picker lists the account's locations
      await page.locator("#node-dialog-ok").waitFor({ state: "hidden" });
      await edit(IDS.priceSlots);
      const pickedLoc = await pickFirst("locationId", /^loc_/);
      await page.locator("#node-dialog-cancel").click();
      const expected = [
        `GET /admin/devicecloud/accounts/${IDS.flatpeak}/devices 200`,
        "POST /admin/devicecloud/test 200",
        `GET /admin/devicecloud/accounts/${IDS.flatpeak}/locations 200`,
      ];
      for (const e of expected) assert.ok(adminCalls.includes(e), `the editor called ${e} (it called: ${adminCalls.join(", ")})`);
      return `picked ${picked} and location ${pickedLoc}; ${text}; ${adminCalls.join(", ")}`;
    });

    await test("no answer holds a secret", async () => {
      assert.ok(answers.length > 20, `${answers.length} answers recorded`);
      for (const a of answers) {
        for (const [name, s] of Object.entries(SECRETS)) {
          assert.ok(!a.body.includes(s) && !a.headers.includes(s), `the answer to "${a.what}" holds the ${name} secret`);
        }
        assert.ok(!/Bearer\s+[A-Za-z0-9]/.test(a.body), `"${a.what}": a bearer token in the body`);
        assert.ok(!/access_token|refresh_token/.test(a.body) || a.what === "token", `"${a.what}": a cloud token in the body`);
      }
      return `${answers.length} answers`;
    });
  } catch (e) {
    runner.failed++;
    h.out(`  FAIL admin e2e: ${e && e.stack ? e.stack : e}`);
  } finally {
    if (browser) await browser.close().catch(() => undefined);
    if (nr) {
      await test("Node-RED stops; its log has no [error] and no secret", async () => {
        const r = await nr.stop();
        h.assertCleanLog(nr.log, [...Object.values(SECRETS), ADMIN.password, READER.password]);
        return `exit ${r.code ?? r.signal}; log ${path.relative(ROOT, LOG)}`;
      });
    }
    if (sim) await sim.close().catch(() => undefined);
    if (capture) capture.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main()
  .catch((e) => {
    runner.failed++;
    h.out(`  FAIL admin e2e: ${e && e.stack ? e.stack : e}`);
  })
  .finally(() => runner.finish("admin e2e"));
