#!/usr/bin/env node
"use strict";
/**
 * The editor, tested the way users use it: in a browser.
 *
 * Builds the package from the working tree (in a temp copy), links it into a fresh Node-RED user directory,
 * starts Node-RED 4.1 (the project's devDependency) headless on a free loopback port, opens the editor in
 * Chromium (Debian's /usr/bin/chromium, or $CHROMIUM_PATH) through playwright-core, and then, as a user would:
 *
 * - filters the palette, checks that the seven node icons load (HTTP 200, the package's own SVG, decodable);
 * - imports a skeleton of inject and debug nodes (the Import dialog), drops each of the seven flow nodes from the
 *   palette onto the workspace, wires it between its inject and its debug node and configures it in its dialog:
 *   two simulated accounts created there (Blynk and Flatpeak: the dialog's rows follow the provider and simulate,
 *   Test connection shows "Connected: …", and an error line for an unreachable server), the device picker (search,
 *   pick), the metafield picker, the other fields;
 * - deploys, presses each inject button and reads the result in the debug sidebar;
 * - checks labels (`get device 42` typed by hand after a quick-add, `list sites`, `trigger high_temperature`) and
 *   that a node whose operation the account's provider lacks (list sites on Blynk) is marked invalid;
 * - checks that every node's account check and manage device's actions follow the runtime's setting
 *   devicecloudAccountOffers, and that ${ENV_VAR} in the account's Server, API version and Timeout passes the
 *   dialog's checks while Test connection resolves it in Node-RED (a simulator only the environment names);
 * - saves screenshots into docs/screenshots/.
 *
 *   npm run test:editor
 *   EDITOR_KEEP=1 npm run test:editor      keep the temp folder (package copy, user directory)
 *   EDITOR_SHOTS_DIR=e2e-out/shots npm run test:editor    screenshots there instead of docs/screenshots/
 *
 * Node-RED's log: e2e-out/node-red-editor.log; on a failure the page as it was: e2e-out/editor-failure.png.
 * Closing line: "N passed, N failed"; exit 1 on a failure.
 */
const assert = require("assert/strict");
const fs = require("fs");
const path = require("path");
const h = require("./harness");

const ROOT = h.ROOT;
const MODULE = h.MODULE;
// EDITOR_SHOTS_DIR=e2e-out/shots keeps the committed screenshots in docs/screenshots/ as they are
const SHOTS = process.env.EDITOR_SHOTS_DIR ? path.resolve(process.env.EDITOR_SHOTS_DIR) : path.join(ROOT, "docs", "screenshots");
const LOG = path.join(h.OUT, "node-red-editor.log");
const runner = h.createRunner();
let currentPage; // set once the browser is open: a failed check closes the dialogs it left open
async function test(name, fn) {
  const ok = await runner.test(name, fn);
  if (!ok && currentPage) await closeDialogs(currentPage);
  return ok;
}

/** Every flow node of the package (package.json). */
const { FLOW_TYPES: TYPES } = require("../../scripts/node-types");
/** The account the ${ENV_VAR} check reaches: its id and key exist only in Node-RED's environment. */
const ENV_ACCOUNT = { id: "acc_e2e0env00000000000000001", key: `sk_test_ENV${require("crypto").randomBytes(12).toString("hex")}` };

/** The operation each flow node needs of its account's cloud, as its editor file names it. */
const OPERATION = {
  "devicecloud-list-devices": "listDevices",
  "devicecloud-get-device": "getDevice",
  "devicecloud-device-status": "deviceStatus",
  "devicecloud-trigger-event": "triggerEvent",
  "devicecloud-update-metafield": "updateMetafield",
  "devicecloud-list-sites": "listSites",
  "devicecloud-manage-device": "manageDevice",
  "devicecloud-device-history": "deviceHistory",
  "devicecloud-watch": "watch",
  "devicecloud-prices": "prices",
  "devicecloud-price-slots": "priceSlots",
  "devicecloud-datastream": "datastream",
};
/** The nodes the bare-flow check imports with nothing but an account: the fleet nodes need an action or a kind. */
const BARE_TYPES = TYPES.filter((t) => !["devicecloud-manage-device", "devicecloud-device-history", "devicecloud-watch"].includes(t));

// ---------------------------------------------------------------------------------------------------------------
// The skeleton imported through the Import dialog: one row per flow node, an inject on the left and a debug node on
// the right; the node under test is dropped from the palette between them and wired by hand.

const ROW_Y0 = 80;
const ROW_DY = 70;
const X_INJECT = 130;
const X_NODE = 370;
const X_DEBUG = 700;
const ROWS = [
  { key: "listDevices", type: "devicecloud-list-devices", inject: {} },
  { key: "listSites", type: "devicecloud-list-sites", inject: {} },
  { key: "getDevice", type: "devicecloud-get-device", inject: {} },
  { key: "status", type: "devicecloud-device-status", inject: {} },
  { key: "trigger", type: "devicecloud-trigger-event", inject: { payload: "31.5", payloadType: "num" } },
  { key: "metafield", type: "devicecloud-update-metafield", inject: { payload: "24.5", payloadType: "num" } },
  { key: "datastream", type: "devicecloud-datastream", inject: { payload: "21.5", payloadType: "num" } },
];
ROWS.forEach((r, i) => {
  r.y = ROW_Y0 + i * ROW_DY;
  r.injectId = `e2e0inject0${i}000`;
  r.debugId = `e2e0debug00${i}000`;
});

function skeleton() {
  const nodes = [];
  for (const r of ROWS) {
    nodes.push({
      id: r.injectId,
      type: "inject",
      name: `go: ${r.type.replace("devicecloud-", "")}`,
      props: [{ p: "payload" }],
      repeat: "",
      crontab: "",
      once: false,
      onceDelay: 0.1,
      topic: "",
      payload: r.inject.payload ?? "",
      payloadType: r.inject.payloadType ?? "date",
      x: X_INJECT,
      y: r.y,
      wires: [[]],
    });
    nodes.push({
      id: r.debugId,
      type: "debug",
      name: `out: ${r.type.replace("devicecloud-", "")}`,
      active: true,
      tosidebar: true,
      console: false,
      tostatus: false,
      complete: "payload",
      targetType: "msg",
      statusVal: "",
      statusType: "auto",
      x: X_DEBUG,
      y: r.y,
      wires: [],
    });
  }
  return nodes;
}

// ---------------------------------------------------------------------------------------------------------------
// Editor helpers (playwright). Reading RED's model is fine for finding and checking things; everything the user
// configures goes through the dialogs.

/** Page coordinates of a workspace point. */
async function toPage(page, x, y) {
  const o = await page.evaluate(() => {
    const c = document.getElementById("red-ui-workspace-chart");
    const r = c.getBoundingClientRect();
    return { left: r.left - c.scrollLeft, top: r.top - c.scrollTop, scale: window.RED.view.scale() };
  });
  return { x: o.left + x * o.scale, y: o.top + y * o.scale };
}

async function center(locator) {
  await locator.scrollIntoViewIfNeeded();
  const b = await locator.boundingBox();
  assert.ok(b, "element has a box");
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

async function dragMouse(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 8, from.y + 4, { steps: 3 });
  await page.mouse.move(to.x, to.y, { steps: 15 });
  await page.mouse.up();
}

async function nodeIds(page, type) {
  return page.evaluate((t) => window.RED.nodes.filterNodes({ type: t }).map((n) => n.id), type);
}

/** Drags a node from the palette to a workspace point; returns the new node's id. */
async function dropFromPalette(page, type, x, y) {
  const before = new Set(await nodeIds(page, type));
  const item = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
  await dragMouse(page, await center(item), await toPage(page, x, y));
  const after = (await nodeIds(page, type)).filter((id) => !before.has(id));
  assert.equal(after.length, 1, `one new ${type} node on the workspace after the drop`);
  return after[0];
}

const nodeSel = (id) => `#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`;

/** Clicks the notifications away (they lie over the workspace for a while). */
async function closeNotifications(page) {
  const notes = page.locator(".red-ui-notification");
  for (let i = (await notes.count()) - 1; i >= 0; i--) await notes.nth(i).click().catch(() => undefined);
  await notes.first().waitFor({ state: "detached", timeout: 5000 }).catch(() => undefined);
}

/** Removes nodes a check imported (selected, then the editor's own delete action), so later shots show the flow. */
async function removeNodes(page, list) {
  await page.evaluate((l) => {
    window.RED.view.select({ nodes: l.map((id) => window.RED.nodes.node(id)) });
    window.RED.actions.invoke("core:delete-selection");
  }, list);
  const left = await page.evaluate((l) => l.filter((id) => window.RED.nodes.node(id)), list);
  assert.deepEqual(left, [], "the imported nodes are removed again");
}

/** Drops a row's node from the palette between its inject and debug nodes, wires both, opens its dialog; its id. */
async function placeAndOpen(page, row) {
  const id = await dropFromPalette(page, row.type, row.xNode, row.y);
  await wire(page, row.injectId, id);
  await wire(page, id, row.debugId);
  await openDialog(page, id);
  return id;
}

/** Drags a wire from a node's output port to another node's input port and checks the link exists. */
async function wire(page, fromId, toId) {
  const outPort = page.locator(`${nodeSel(fromId)} .red-ui-flow-port-output .red-ui-flow-port`).first();
  const inPort = page.locator(`${nodeSel(toId)} .red-ui-flow-port-input .red-ui-flow-port`).first();
  await dragMouse(page, await center(outPort), await center(inPort));
  const linked = await page.evaluate(
    ([a, b]) => window.RED.nodes.filterLinks({ source: { id: a }, target: { id: b } }).length,
    [fromId, toId],
  );
  assert.equal(linked, 1, `a wire ${fromId} -> ${toId}`);
}

async function openDialog(page, id) {
  await page.locator(`${nodeSel(id)} rect.red-ui-flow-node`).dblclick();
  await page.locator("#node-dialog-ok").waitFor({ state: "visible" });
  await page.waitForTimeout(300); // the tray slides in
}

async function closeDialog(page) {
  await page.locator("#node-dialog-ok").click();
  await page.locator("#node-dialog-ok").waitFor({ state: "detached" });
}

/** The label the workspace shows for a node (its lines joined by a space). */
async function label(page, id) {
  const lines = await page.locator(`${nodeSel(id)} .red-ui-flow-node-label .red-ui-flow-node-label-text`).allTextContents();
  return lines.join(" ").replace(/\s+/g, " ").trim();
}

async function shot(page, name, opts = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name);
  await page.screenshot({ path: file, ...opts });
  return path.relative(ROOT, file);
}

/** Fills a text field the way typing does (change events included). */
async function type(page, selector, text) {
  const f = page.locator(selector);
  await f.fill("");
  await f.pressSequentially(String(text), { delay: 5 });
}

/** The visible text box of a TypedInput (the original input is hidden and follows it). */
function typedBox(page, selector) {
  return page.locator(selector).locator("xpath=ancestor::div[contains(@class,'form-row')][1]").locator("input.red-ui-typedInput-input");
}

async function typeTyped(page, selector, text) {
  const f = typedBox(page, selector);
  await f.fill("");
  await f.pressSequentially(String(text), { delay: 5 });
  await f.press("Tab");
}

/** Closes whatever dialog a failed check left open (config dialog first, then the node's). */
async function closeDialogs(page) {
  for (const sel of ["#node-config-dialog-cancel", "#node-dialog-cancel", "#red-ui-clipboard-dialog-cancel"]) {
    const b = page.locator(sel);
    if (await b.isVisible().catch(() => false)) {
      await b.click().catch(() => undefined);
      await page.waitForTimeout(400);
    }
  }
  await page.keyboard.press("Escape").catch(() => undefined);
}

async function visible(page, selector) {
  return page.locator(selector).first().isVisible();
}

/** Creates an account from a flow node's dialog (the + button beside Account) and checks the dialog on the way. */
async function addAccount(page, { name, provider }, checks) {
  await page.locator("#node-input-btn-account-add").click();
  await page.locator("#node-config-dialog-ok").waitFor({ state: "visible" });
  await page.waitForTimeout(300);
  await type(page, "#node-config-input-name", name);
  await page.locator("#node-config-input-provider").selectOption(provider);
  // the checks start from a real cloud's rows; the account is then made a simulated one
  const simulate = page.locator("#node-config-input-simulate");
  if (await simulate.isChecked()) await simulate.uncheck();
  if (checks) await checks(simulate);
  if (!(await simulate.isChecked())) await simulate.check();
  return {
    async add() {
      await page.locator("#node-config-dialog-ok").click();
      await page.locator("#node-config-dialog-ok").waitFor({ state: "detached" });
      await page.waitForTimeout(200);
      const id = await page.locator("#node-input-account").inputValue();
      assert.ok(id && id !== "_ADD_", "the new account is selected in the node's dialog");
      return id;
    },
  };
}

async function testConnection(page) {
  const result = page.locator("#devicecloud-account-test-result");
  await page.locator("#devicecloud-account-test").click();
  await page.waitForFunction(() => {
    const el = document.getElementById("devicecloud-account-test-result");
    return el && el.offsetParent !== null && !el.querySelector(".fa-spinner") && el.textContent.trim() !== "";
  }, undefined, { timeout: 30000 });
  return {
    text: (await result.textContent()).trim(),
    ok: await result.locator(".fa-check").count() > 0,
  };
}

/** Opens the device picker beside the device field, optionally searches, and picks an entry; returns its id. */
async function pickDevice(page, { search, match, screenshot } = {}) {
  const row = page.locator("#node-input-deviceId").locator("xpath=ancestor::div[contains(@class,'form-row')][1]");
  await row.locator("button.devicecloud-picker-button").click();
  const panel = row.locator(".devicecloud-picker");
  await panel.waitFor({ state: "visible" });
  const entries = panel.locator(".devicecloud-picker-list li a");
  await entries.first().waitFor({ state: "visible", timeout: 20000 });
  const unfiltered = await entries.count();
  const total = (await panel.locator(".devicecloud-picker-count").textContent()).trim();
  if (search) {
    const box = panel.locator('input[type="text"]').first();
    await box.pressSequentially(search, { delay: 20 });
    await page.waitForFunction(
      ([sel, s]) => {
        const links = [...document.querySelectorAll(sel)];
        return links.length > 0 && links.every((a) => a.textContent.toLowerCase().includes(s.toLowerCase()));
      },
      [".devicecloud-picker-list li a", search],
      { timeout: 20000 },
    );
  }
  let target = entries.first();
  if (match) target = entries.filter({ hasText: match }).first();
  const text = (await target.textContent()).trim();
  const idText = ((await target.locator(".devicecloud-picker-id").count()) ? await target.locator(".devicecloud-picker-id").textContent() : text).trim();
  const id = idText.replace(/^\(|\)$/g, "");
  let shotFile;
  if (screenshot) {
    await target.hover();
    shotFile = await shot(page, screenshot);
  }
  await target.click();
  await panel.waitFor({ state: "hidden" });
  assert.equal(await page.locator("#node-input-deviceId").inputValue(), id, "the picked id is in the field");
  assert.equal(await page.locator("#node-input-deviceIdType").inputValue(), "str", "the field's type is now string");
  return { id, text, unfiltered, total, shot: shotFile };
}

/** Opens the list button beside a field (metafields, datastreams, events), and picks the entry with this text. */
async function pickFromList(page, selector, match) {
  const row = page.locator(selector).locator("xpath=ancestor::div[contains(@class,'form-row')][1]");
  await row.locator("button.devicecloud-picker-button").click();
  const entries = row.locator(".devicecloud-picker-list li a");
  await entries.first().waitFor({ state: "visible", timeout: 20000 });
  const all = (await entries.allTextContents()).map((t) => t.trim());
  await entries.filter({ hasText: match }).first().click();
  return { all };
}

/** Ctrl-I, paste, Import; the nodes then hang on the mouse until a click places the first one at (x, y). */
async function importFlow(page, nodes, x, y) {
  await page.locator("#red-ui-workspace-chart").click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("Control+i");
  const text = page.locator("#red-ui-clipboard-dialog-import-text");
  await text.waitFor({ state: "visible" });
  await text.fill(JSON.stringify(nodes));
  // the dialog checks the text on keyup only (fill types nothing)
  await text.press("End");
  await page.locator("#red-ui-clipboard-dialog-ok").click();
  await text.waitFor({ state: "hidden" });
  const at = await toPage(page, x, y);
  await page.mouse.move(at.x + 5, at.y + 5, { steps: 4 });
  await page.mouse.move(at.x, at.y, { steps: 2 });
  await page.mouse.click(at.x, at.y);
  await page.waitForTimeout(200);
}

async function deploy(page) {
  const button = page.locator("#red-ui-header-button-deploy");
  await button.click();
  const note = page.locator(".red-ui-notification", { hasText: "Successfully deployed" }).first();
  await note.waitFor({ state: "visible", timeout: 20000 });
  await page.waitForFunction(() => document.getElementById("red-ui-header-button-deploy").classList.contains("disabled"));
  // the notification lies over the workspace for a while: a drop onto it would miss the workspace
  await note.click().catch(() => undefined);
  await note.waitFor({ state: "detached", timeout: 10000 }).catch(() => undefined);
}

/** Presses an inject node's button and waits for the debug node's message; returns the message's text. */
async function injectAndRead(page, row, { expand = false } = {}) {
  const sel = `#red-ui-sidebar-content .red-ui-debug-msg-node-${row.debugId}`;
  const before = await page.locator(sel).count();
  await page.locator(`${nodeSel(row.injectId)} .red-ui-flow-node-button`).click();
  const errorSel = `#red-ui-sidebar-content .red-ui-debug-msg-level-20`;
  const errorsBefore = await page.locator(errorSel).count();
  await page.waitForFunction(
    ([s, n, e, m]) => document.querySelectorAll(s).length > n || document.querySelectorAll(e).length > m,
    [sel, before, errorSel, errorsBefore],
    { timeout: 30000 },
  );
  const errors = page.locator(errorSel);
  if ((await errors.count()) > errorsBefore) {
    throw new Error(`the debug sidebar shows an error: ${(await errors.last().textContent()).trim()}`);
  }
  const msg = page.locator(sel).last();
  if (expand) {
    // an array: open it, then its first element, as a user does to see a device
    await msg.locator(".red-ui-debug-msg-payload .red-ui-debug-msg-row").first().click();
    const key0 = page.locator(".red-ui-debug-msg-object-key").filter({ hasText: /^0$/ });
    await msg.locator(".red-ui-debug-msg-payload .red-ui-debug-msg-row", { has: key0 }).first().click();
    await page.waitForTimeout(100);
  }
  const text = (await msg.locator(".red-ui-debug-msg-payload").textContent()).replace(/\s+/g, " ").trim();
  if (expand) {
    // fold it again, so the sidebar shows every result at once
    await msg.locator(".red-ui-debug-msg-payload .red-ui-debug-msg-row").first().click();
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const tmp = h.tempDir("devicecloud-editor-");
  fs.mkdirSync(h.OUT, { recursive: true });
  h.out(`editor e2e: work folder ${tmp}`);
  let nr;
  let sim;
  let browser;
  let page;
  try {
    let pkgDir;
    const built = await test("the package builds from the working tree (temp copy)", async () => {
      pkgDir = h.buildPackage(tmp);
      for (const t of TYPES) assert.ok(fs.existsSync(path.join(pkgDir, "nodes", `${t}.html`)), `${t}.html built`);
      return path.relative(tmp, pkgDir);
    });
    if (!built) return;

    await test("en-US and de catalogs have the same keys, and both have help for every node", async () => {
      const keys = (obj, prefix = "") =>
        Object.entries(obj).flatMap(([k, v]) => (v && typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
      const dir = path.join(pkgDir, "nodes", "locales");
      let count = 0;
      for (const f of fs.readdirSync(path.join(dir, "en-US"))) {
        const de = path.join(dir, "de", f);
        assert.ok(fs.existsSync(de), `de/${f} exists`);
        if (!f.endsWith(".json")) continue;
        const en = keys(JSON.parse(fs.readFileSync(path.join(dir, "en-US", f), "utf8"))).sort();
        const deKeys = keys(JSON.parse(fs.readFileSync(de, "utf8"))).sort();
        assert.deepEqual(deKeys.filter((k) => !en.includes(k)), [], `de/${f}: keys en-US lacks`);
        assert.deepEqual(en.filter((k) => !deKeys.includes(k)), [], `de/${f}: keys de lacks`);
        count += en.length;
      }
      for (const t of ["devicecloud-account", ...TYPES]) {
        for (const lang of ["en-US", "de"]) assert.ok(fs.existsSync(path.join(dir, lang, `${t}.html`)), `${lang}/${t}.html`);
      }
      return `${count} keys`;
    });

    // A simulator outside Node-RED that only an account reading ${DC_E2E_*} reaches: Node-RED inherits these.
    const { startSimulator } = require(path.join(pkgDir, "nodes", "simulator"));
    sim = await startSimulator({ host: "127.0.0.1", port: 0 });
    sim.addAccount("flatpeak", ENV_ACCOUNT.id, ENV_ACCOUNT.key);
    Object.assign(process.env, {
      DC_E2E_SERVER: sim.url,
      DC_E2E_VERSION: "2026-08-01.busbar",
      DC_E2E_TIMEOUT: "20",
      DC_E2E_ID: ENV_ACCOUNT.id,
      DC_E2E_KEY: ENV_ACCOUNT.key,
    });

    const userDir = h.makeUserDir(path.join(tmp, "user"), pkgDir, {
      uiHost: "127.0.0.1",
      flowFile: "flows.json",
      credentialSecret: "editor-e2e-credential-secret",
      editorTheme: { tours: false, projects: { enabled: false } },
      logging: { console: { level: "info", metrics: false, audit: false } },
    });
    const port = await h.freePort();
    const up = await test("Node-RED 4.1 starts headless with the package linked into a fresh user directory", async () => {
      nr = await h.startNodeRed({ userDir, port, logFile: LOG });
      const settings = (await nr.api("GET", "/settings")).json;
      assert.match(settings.version, /^4\.1\./);
      const nodes = await nr.api("GET", "/nodes");
      const sets = nodes.json.filter((s) => s.module === MODULE);
      const types = sets.flatMap((s) => s.types);
      for (const t of ["devicecloud-account", ...TYPES]) assert.ok(types.includes(t), `${t} registered`);
      for (const s of sets) assert.ok(s.enabled && !s.err, `${s.id}: ${s.err || "disabled"}`);
      return `Node-RED ${settings.version} at ${nr.base}`;
    });
    if (!up) return;

    browser = await h.launchBrowser(tmp, { width: 1400, height: 900 });
    page = browser.pages()[0] || (await browser.newPage());
    page.setDefaultTimeout(15000);
    currentPage = page;
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e && e.stack ? e.stack : e)));
    const iconResponses = new Map();
    page.on("response", (res) => {
      if (res.url().includes(`/icons/${MODULE}/`)) iconResponses.set(res.url(), res.status());
    });

    const opened = await test("the editor opens in Chromium and the palette shows every node", async () => {
      await page.goto(`${nr.base}/`);
      for (const t of TYPES) await page.locator(`.red-ui-palette-node[data-palette-type="${t}"]`).waitFor({ state: "attached", timeout: 30000 });
      await page.locator(".red-ui-tourGuide-shade").waitFor({ state: "detached", timeout: 5000 }).catch(() => undefined);
      const filter = page.locator("#red-ui-palette-search input");
      await filter.click();
      await filter.pressSequentially("devicecloud", { delay: 10 });
      await page.waitForFunction(() => {
        const shown = [...document.querySelectorAll(".red-ui-palette-node")].filter((e) => e.offsetParent !== null);
        return shown.length > 0 && shown.every((e) => (e.getAttribute("data-palette-type") || "").startsWith("devicecloud-"));
      });
      const labels = {};
      for (const t of TYPES) {
        const el = page.locator(`.red-ui-palette-node[data-palette-type="${t}"]`);
        assert.ok(await el.isVisible(), `${t} visible in the filtered palette`);
        labels[t] = await el.getAttribute("data-palette-label");
      }
      const catalogueLabel = (t) => JSON.parse(fs.readFileSync(path.join(ROOT, "nodes", "locales", "en-US", `${t}.json`), "utf8"))[t].paletteLabel;
      assert.deepEqual(labels, Object.fromEntries(TYPES.map((t) => [t, catalogueLabel(t)])), "each palette label is the one of its catalogue");
      const category = (await page.locator(`.red-ui-palette-node[data-palette-type="${TYPES[0]}"]`).locator("xpath=ancestor::div[contains(@class,'red-ui-palette-category')][1]").getAttribute("id")) || "";
      assert.match(category, /device/, "palette category");
      return Object.values(labels).join(", ");
    });
    if (!opened) return;

    await test("the palette icons load: HTTP 200, the package's own SVG, and they decode", async () => {
      const results = await page.evaluate(async (types) => {
        const out = [];
        for (const t of types) {
          const el = document.querySelector(`.red-ui-palette-node[data-palette-type="${t}"] .red-ui-palette-icon`);
          const m = /url\("?([^")]+)"?\)/.exec(el ? getComputedStyle(el).backgroundImage : "");
          if (!m) {
            out.push({ t, url: null });
            continue;
          }
          const res = await fetch(m[1], { cache: "no-store" });
          const text = await res.text();
          const img = new Image();
          const decoded = await new Promise((resolve) => {
            img.onload = () => resolve(img.naturalWidth > 0);
            img.onerror = () => resolve(false);
            img.src = m[1];
          });
          out.push({ t, url: m[1], status: res.status, type: res.headers.get("content-type"), text, decoded });
        }
        return out;
      }, TYPES);
      const names = new Set();
      for (const r of results) {
        assert.ok(r.url, `${r.t}: the palette shows an icon`);
        assert.ok(r.url.includes(`icons/${MODULE}/`), `${r.t}: the package's icon (${r.url})`);
        assert.equal(r.status, 200, `${r.t}: ${r.url}`);
        assert.match(r.type || "", /svg/);
        const file = path.basename(decodeURIComponent(r.url));
        assert.equal(r.text, fs.readFileSync(path.join(ROOT, "icons", file), "utf8"), `${file} is the package's file, not Node-RED's fallback`);
        assert.ok(r.decoded, `${file} decodes as an image`);
        names.add(file);
      }
      assert.equal(names.size, TYPES.length, "every node has its own icon");
      for (const r of results) {
        // white on transparent: every colour the SVG names is white (or none), and nothing paints a background
        const colours = [...r.text.matchAll(/(?:fill|stroke|stop-color|color)\s*[=:]\s*"?([^";>\s]+)/g)].map((m) => m[1].toLowerCase());
        const others = colours.filter((c) => !["#fff", "#ffffff", "white", "none", "currentcolor"].includes(c));
        assert.deepEqual(others, [], `${path.basename(r.url)}: colours other than white`);
        assert.ok(!/<rect[^>]*width="(100%|40)"[^>]*height="(100%|60)"/.test(r.text), `${path.basename(r.url)}: no background rectangle`);
      }
      const failedLoads = [...iconResponses].filter(([, s]) => s !== 200);
      assert.deepEqual(failedLoads, [], "icon requests the page made");
      return [...names].join(", ");
    });

    const imported = await test("a skeleton of inject and debug nodes comes in through the Import dialog", async () => {
      await importFlow(page, skeleton(), X_INJECT, ROWS[0].y);
      const placed = await page.evaluate((ids) => ids.map((id) => {
        const n = window.RED.nodes.node(id);
        return n ? { id, x: n.x, y: n.y } : null;
      }), ROWS.flatMap((r) => [r.injectId, r.debugId]));
      assert.ok(placed.every(Boolean), "every skeleton node is on the workspace");
      // the click placed the first inject at the mouse; keep the rows where the test expects them
      const dx = placed[0].x - X_INJECT;
      const dy = placed[0].y - ROWS[0].y;
      for (const r of ROWS) {
        r.y += dy;
        r.xNode = X_NODE + dx;
      }
      await page.keyboard.press("Escape");
      return `${placed.length} nodes`;
    });
    if (!imported) return;

    const accounts = {};
    const ids = {};

    // ----- 1. list devices, with a new simulated Blynk account (the account dialog's Blynk rows)
    const r1 = ROWS[0];
    await test("list devices: from the palette, wired, a new simulated Blynk account made in its dialog", async () => {
      ids.listDevices = await placeAndOpen(page, r1);
      const acc = await addAccount(page, { name: "Simulated Blynk", provider: "blynk" }, async (simulate) => {
        assert.ok(await visible(page, "#devicecloud-account-region"), "Blynk: region select shown");
        const regions = await page.locator("#devicecloud-account-region option").evaluateAll((os) => os.map((o) => o.value));
        for (const r of ["fra1.blynk.cloud", "lon1.blynk.cloud", "ny3.blynk.cloud", "sgp1.blynk.cloud", "blr1.blynk.cloud", "__other__"]) {
          assert.ok(regions.includes(r), `region ${r} offered`);
        }
        assert.ok(!(await visible(page, "#node-config-input-apiVersion")), "Blynk: no API version row");
        assert.ok(!(await visible(page, "#node-config-input-server")), "Blynk, default region: no free host field");
        await page.locator("#devicecloud-account-region").selectOption("__other__");
        assert.ok(await visible(page, "#node-config-input-server"), "Blynk, other host: the host field is shown");
        await page.locator("#devicecloud-account-region").selectOption("fra1.blynk.cloud");
        assert.ok(!(await visible(page, "#node-config-input-server")), "Blynk, a region: the host field is hidden again");
        assert.ok(await visible(page, "#node-config-input-clientId"), "credentials shown without simulate");
        const idLabel = (await page.locator('label[for="node-config-input-clientId"]').innerText()).trim();
        const secretLabel = (await page.locator('label[for="node-config-input-clientSecret"]').innerText()).trim();
        assert.equal(idLabel, "Client id");
        assert.equal(secretLabel, "Client secret");
        await simulate.check();
        assert.ok(!(await visible(page, "#node-config-input-clientId")), "simulate hides the client id");
        assert.ok(!(await visible(page, "#node-config-input-clientSecret")), "simulate hides the client secret");
        assert.ok(!(await visible(page, "#devicecloud-account-region")), "simulate hides the region");
        assert.ok(await visible(page, ".devicecloud-account-simulate-tip"), "simulate explains itself");
        const t = await testConnection(page);
        assert.ok(t.ok, `Test connection: ${t.text}`);
        assert.match(t.text, /^Connected: \d+ devices?$/);
        accounts.blynkTest = t.text;
      });
      accounts.blynk = await acc.add();
      await type(page, "#node-input-max", "3");
      await closeDialog(page);
      assert.equal(await label(page, ids.listDevices), "list devices");
      return `account ${accounts.blynk}; ${accounts.blynkTest}`;
    });

    // ----- 2. list sites, with a new simulated Flatpeak account (Flatpeak rows, Test connection ok and failing)
    const r2 = ROWS[1];
    let accountShot;
    await test("list sites: a new Flatpeak account; Test connection fails on a bad server and connects when simulated", async () => {
      ids.listSites = await placeAndOpen(page, r2);
      const acc = await addAccount(page, { name: "Simulated Flatpeak", provider: "flatpeak" }, async (simulate) => {
        assert.ok(await visible(page, "#node-config-input-apiVersion"), "Flatpeak: API version row");
        assert.ok(!(await visible(page, "#devicecloud-account-region")), "Flatpeak: no region select");
        assert.ok(await visible(page, "#node-config-input-server"), "Flatpeak: server field");
        assert.equal((await page.locator('label[for="node-config-input-clientId"]').innerText()).trim(), "Account id");
        assert.equal((await page.locator('label[for="node-config-input-clientSecret"]').innerText()).trim(), "API key");
        // a server nobody listens on: the error's code and message
        const closed = await h.freePort();
        await type(page, "#node-config-input-server", `http://127.0.0.1:${closed}`);
        await type(page, "#node-config-input-clientId", "acc_e2e0000000000000000000");
        await type(page, "#node-config-input-clientSecret", "sk_test_e2e_not_a_real_key");
        await type(page, "#node-config-input-timeout", "5");
        const bad = await testConnection(page);
        assert.ok(!bad.ok, `a bad server fails: ${bad.text}`);
        assert.match(bad.text, /^NETWORK: /, "the error line has the code and the message");
        assert.ok(!bad.text.includes("sk_test_e2e_not_a_real_key"), "no secret in the error line");
        accounts.badServer = bad.text;
        await type(page, "#node-config-input-server", "");
        await type(page, "#node-config-input-clientId", "");
        await type(page, "#node-config-input-clientSecret", "");
        await simulate.check();
        assert.ok(!(await visible(page, "#node-config-input-server")), "simulate hides the server");
        assert.ok(await visible(page, "#node-config-input-apiVersion"), "simulate keeps the API version (the simulator honours it)");
        await type(page, "#node-config-input-apiVersion", "2026-08-01.busbar");
        await type(page, "#node-config-input-timeout", "30");
        const ok = await testConnection(page);
        assert.ok(ok.ok, `Test connection: ${ok.text}`);
        assert.match(ok.text, /^Connected: \d+ (or more )?devices?$/);
        accounts.flatpeakTest = ok.text;
        accountShot = await shot(page, "account-test-connection.png");
      });
      accounts.flatpeak = await acc.add();
      assert.ok(!(await visible(page, ".devicecloud-provider-warning")), "no provider warning on a Flatpeak account");
      await closeDialog(page);
      assert.equal(await label(page, ids.listSites), "list sites", "label of list sites");
      return `${accounts.badServer} | ${accounts.flatpeakTest} (${accountShot})`;
    });

    if (!accounts.blynk || !accounts.flatpeak) return;
    await test("deploy: the accounts are running (the pickers need them)", async () => {
      await deploy(page);
      return "Successfully deployed";
    });

    // ----- 3. get device (Blynk): the device picker
    const r3 = ROWS[2];
    await test("get device: the device picker lists the Blynk account's devices and fills the field", async () => {
      ids.getDevice = await placeAndOpen(page, r3);
      await page.locator("#node-input-account").selectOption(accounts.blynk);
      const picked = await pickDevice(page, { screenshot: "device-picker.png" });
      assert.match(picked.id, /^\d+$/, "a Blynk device id");
      assert.match(picked.total, /^\d+ of \d+ shown$/, "the picker counts what it shows");
      r3.deviceId = picked.id;
      await closeDialog(page);
      assert.equal(await label(page, ids.getDevice), `get device ${picked.id}`, "label: get device <id>");
      return `${picked.text}; ${picked.total}; ${picked.shot}`;
    });

    // ----- 4. device status (Flatpeak): picker
    const r4 = ROWS[3];
    await test("device status: picks a Flatpeak device", async () => {
      ids.status = await placeAndOpen(page, r4);
      await page.locator("#node-input-account").selectOption(accounts.blynk);
      assert.ok(!(await visible(page, "#node-input-offlineAfter")), "Blynk: no offline threshold (the cloud knows the state)");
      await page.locator("#node-input-account").selectOption(accounts.flatpeak);
      assert.ok(await visible(page, "#node-input-offlineAfter"), "Flatpeak: the offline threshold is shown");
      const picked = await pickDevice(page);
      assert.match(picked.id, /^dev_[0-9a-f]+$/, "a Flatpeak device id");
      r4.deviceId = picked.id;
      await type(page, "#node-input-offlineAfter", "3600");
      await closeDialog(page);
      assert.equal(await label(page, ids.status), `device status ${picked.id}`);
      return picked.text;
    });

    // ----- 5. trigger event (Blynk): picker with a search
    const r5 = ROWS[4];
    await test("trigger event: searches the picker for a thermostat, sets the event code and description", async () => {
      ids.trigger = await placeAndOpen(page, r5);
      await page.locator("#node-input-account").selectOption(accounts.blynk);
      assert.ok(!(await visible(page, ".devicecloud-provider-warning")), "no provider warning on a Blynk account");
      const picked = await pickDevice(page, { search: "Thermostat" });
      r5.deviceId = picked.id;
      const events = await pickFromList(page, "#node-input-eventCode", "High temperature");
      assert.ok(!events.all.some((t) => /Online|Offline/.test(t)), `only events with a code: ${events.all.join(" | ")}`);
      assert.equal(await page.locator("#node-input-eventCode").inputValue(), "high_temperature");
      assert.equal(await page.locator("#node-input-eventCodeType").inputValue(), "str");
      await type(page, "#node-input-description", "Temperature {{payload}} °C");
      await closeDialog(page);
      assert.equal(await label(page, ids.trigger), "trigger high_temperature");
      return `${picked.text} (of ${picked.unfiltered} before the search)`;
    });

    // ----- 6. update metafield (Blynk): device picker, then the metafield picker
    const r6 = ROWS[5];
    await test("update metafield: device picker, then the metafield picker offers the device's metafields", async () => {
      ids.metafield = await placeAndOpen(page, r6);
      await page.locator("#node-input-account").selectOption(accounts.blynk);
      const picked = await pickDevice(page, { search: "Thermostat" });
      r6.deviceId = picked.id;
      const { all } = await pickFromList(page, "#node-input-metafieldId", "Max Temperature");
      assert.ok(all.some((t) => /Max Temperature/.test(t)), `the thermostat's metafields: ${all.join(" | ")}`);
      assert.equal(await page.locator("#node-input-metafieldId").inputValue(), "5");
      assert.equal(await page.locator("#node-input-metafieldIdType").inputValue(), "num");
      assert.equal(await page.locator("#node-input-valueType").inputValue(), "msg", "value from msg.payload");
      await closeDialog(page);
      assert.equal(await label(page, ids.metafield), "update metafield 5");
      return `${picked.text}; ${all.length} metafields`;
    });

    // ----- 7. datastream (Blynk): device picker, then the datastream picker offers the template's datastreams
    const r7 = ROWS[6];
    await test("datastream: device picker, then the datastream picker offers the template's datastreams (pin, label, type)", async () => {
      ids.datastream = await placeAndOpen(page, r7);
      await page.locator("#node-input-account").selectOption(accounts.blynk);
      assert.equal(await page.locator("#node-input-action").inputValue(), "write", "write by default");
      // The value is a TypedInput (its own input is hidden inside the widget): its form row is what shows.
      assert.ok(await visible(page, ".form-row.devicecloud-datastream-write"), "write: the value field is shown");
      const picked = await pickDevice(page, { search: "Thermostat" });
      r7.deviceId = picked.id;
      const streams = await pickFromList(page, "#node-input-datastream", "Setpoint");
      assert.ok(streams.all.some((t) => /Temperature · DOUBLE \(V0\)/.test(t)), `pin, label and type: ${streams.all.join(" | ")}`);
      assert.equal(await page.locator("#node-input-datastream").inputValue(), "V5");
      assert.equal(await page.locator("#node-input-datastreamType").inputValue(), "str");
      await page.locator("#node-input-action").selectOption("history");
      assert.ok(!(await visible(page, ".form-row.devicecloud-datastream-write")), "history: no value field");
      await page.locator("#node-input-action").selectOption("write");
      await closeDialog(page);
      assert.equal(await label(page, ids.datastream), "write datastream V5");
      return `${picked.text}; ${streams.all.length} datastreams`;
    });

    const wired = Object.keys(ids).length === ROWS.length;
    const deployed = wired && (await test("deploy the seven configured nodes", async () => {
      const invalid = await page.evaluate((list) => list.filter((id) => !window.RED.nodes.node(id).valid), Object.values(ids));
      assert.deepEqual(invalid, [], "no node is marked invalid");
      await deploy(page);
      await page.locator("#red-ui-tab-debug-link-button").click();
      await page.locator("#red-ui-sidebar-content .red-ui-debug-content").first().waitFor({ state: "visible" });
      return "Successfully deployed";
    }));

    if (deployed) {
      // What each row's debug message must show; a string is a part of its text, a RegExp a match, and a
      // function of the text an extra check with its own message.
      const results = [
        [r1, "list devices (Blynk): the debug sidebar shows three devices", [/array\[3\]/, /id: \d+/, (t) => assert.ok(!/token/i.test(t), "no device token")]],
        [r2, "list sites (Flatpeak): the debug sidebar shows sites", [/array\[\d+\]/, /id: "ste_/]],
        [r3, "get device (Blynk): the debug sidebar shows the picked device", [`id: ${r3.deviceId}`]],
        [r4, "device status (Flatpeak): the debug sidebar shows online and the device id", [`deviceId: "${r4.deviceId}"`, /online: (true|false)/, /source: "last_seen"/]],
        [r5, "trigger event (Blynk): the debug sidebar shows triggered: true", [/triggered: true/, `deviceId: ${r5.deviceId}`, '"Temperature 31.5 °C"']],
        [r6, "update metafield (Blynk): the debug sidebar shows updated: true", [/updated: true/, /metafieldId: 5/, /value: 24\.5/]],
        [r7, "datastream (Blynk): the debug sidebar shows written: true and V5's id", [/written: true/, /datastreamId: 3/, /value: 21\.5/]],
      ];
      for (const [row, title, expected] of results) {
        await test(title, async () => {
          // the listings send an array: the test opens its first element, as a user does
          const text = await injectAndRead(page, row, { expand: row === r1 || row === r2 });
          for (const e of expected) {
            if (typeof e === "string") assert.ok(text.includes(e), `${e} in ${text}`);
            else if (e instanceof RegExp) assert.match(text, e, text);
            else e(text);
          }
          return text.slice(0, 160);
        });
      }
      await test("screenshot of the flow and the debug sidebar with the results", async () => {
        await closeNotifications(page);
        await page.locator("#red-ui-workspace-chart").click({ position: { x: 60, y: 700 } });
        await page.mouse.move(5, 5);
        await page.waitForTimeout(300);
        return shot(page, "debug-sidebar.png");
      });
    }

    // ----- labels and TypedInput by hand, through the quick-add dialog
    await test("quick-add a get device, type 42 by hand (string type): label `get device 42`", async () => {
      const before = new Set(await nodeIds(page, "devicecloud-get-device"));
      const at = await toPage(page, X_NODE, ROWS[ROWS.length - 1].y + ROW_DY * 1.5);
      const chart = await page.locator("#red-ui-workspace-chart").boundingBox();
      await page.locator("#red-ui-workspace-chart").click({ position: { x: at.x - chart.x, y: at.y - chart.y }, modifiers: ["Control"] });
      const search = page.locator("#red-ui-type-search-input");
      await search.waitFor({ state: "visible" });
      await search.pressSequentially("get device", { delay: 10 });
      const hit = page.locator(".red-ui-search-result", { hasText: "get device" }).filter({ visible: true }).first();
      await hit.waitFor({ state: "visible" });
      await hit.click();
      await search.waitFor({ state: "hidden" });
      const added = (await nodeIds(page, "devicecloud-get-device")).filter((id) => !before.has(id));
      assert.equal(added.length, 1, "quick-add placed one get device node");
      ids.label42 = added[0];
      assert.equal(await label(page, ids.label42), "get device", "label without a fixed id");
      const fresh = await page.evaluate((id) => {
        const x = window.RED.nodes.node(id);
        return { account: x.account, valid: x.valid };
      }, ids.label42);
      if (!fresh.account) assert.equal(fresh.valid, false, "a node without an account is invalid (required field)");
      const freshNote = fresh.account ? "account preset by the editor" : "invalid until an account is chosen";
      await openDialog(page, ids.label42);
      await page.locator("#node-input-account").selectOption(accounts.blynk);
      const row = page.locator("#node-input-deviceId").locator("xpath=ancestor::div[contains(@class,'form-row')][1]");
      await row.locator(".red-ui-typedInput-type-select").click();
      await page.locator('.red-ui-typedInput-options a[value="str"]').filter({ visible: true }).first().click();
      await typeTyped(page, "#node-input-deviceId", "42");
      await closeDialog(page);
      assert.equal(await label(page, ids.label42), "get device 42");
      const n = await page.evaluate((id) => {
        const x = window.RED.nodes.node(id);
        return { deviceId: x.deviceId, deviceIdType: x.deviceIdType, valid: x.valid };
      }, ids.label42);
      assert.deepEqual(n, { deviceId: "42", deviceIdType: "str", valid: true });
      return `get device 42 (${freshNote})`;
    });

    await test("list sites on a Blynk account: warning in the dialog, the node is marked invalid", async () => {
      const id = await dropFromPalette(page, "devicecloud-list-sites", X_NODE + 260, ROWS[ROWS.length - 1].y + ROW_DY * 1.5);
      ids.mismatch = id;
      await openDialog(page, id);
      await page.locator("#node-input-account").selectOption(accounts.blynk);
      const warning = page.locator(".devicecloud-provider-warning");
      await warning.waitFor({ state: "visible" });
      const text = (await warning.innerText()).replace(/\s+/g, " ").trim();
      assert.match(text, /list sites is not offered by Blynk accounts/, text);
      await shot(page, "provider-warning.png");
      await closeDialog(page);
      const state = await page.evaluate((nid) => {
        const n = window.RED.nodes.node(nid);
        return { valid: n.valid, errors: n.validationErrors || [] };
      }, id);
      assert.equal(state.valid, false, "the node is invalid");
      assert.ok(state.errors.some((e) => /account/.test(e)), `validation errors: ${state.errors.join("; ")}`);
      const badge = page.locator(`${nodeSel(id)} .red-ui-flow-node-error`);
      assert.ok(await badge.isVisible(), "the workspace shows the invalid triangle");
      // switching it to the Flatpeak account makes it valid again
      await openDialog(page, id);
      await page.locator("#node-input-account").selectOption(accounts.flatpeak);
      assert.ok(!(await warning.isVisible()), "the warning goes with a Flatpeak account");
      await closeDialog(page);
      assert.equal(await page.evaluate((nid) => window.RED.nodes.node(nid).valid, id), true, "valid on Flatpeak");
      return `${text}; errors: ${state.errors.join("; ")}`;
    });

    await test("nodes of an older or hand-written flow (properties missing) are not marked invalid", async () => {
      const bareAccount = "e2e0bare0account";
      const bare = [{ id: bareAccount, type: "devicecloud-account", name: "bare account" }];
      BARE_TYPES.forEach((t, i) => {
        const blynkOnly = t === "devicecloud-trigger-event" || t === "devicecloud-update-metafield" || t === "devicecloud-datastream";
        bare.push({ id: `e2e0bare0node00${i}`, type: t, account: blynkOnly ? accounts.blynk : bareAccount, x: 150 + 170 * (i % 3), y: 40 + 60 * Math.floor(i / 3), wires: [[]] });
      });
      await importFlow(page, bare, X_INJECT + 20, ROWS[ROWS.length - 1].y + ROW_DY * 3);
      const stateOf = (list) => page.evaluate((ids) => ids.map((id) => {
        const n = window.RED.nodes.node(id);
        return n ? { id, type: n.type, valid: n.valid, errors: n.validationErrors || [] } : { id, missing: true };
      }), list);
      const states = await stateOf(bare.map((n) => n.id));
      const invalid = states.filter((x) => x.missing || !x.valid);
      // Opened and closed with Done, as a user looks at a node of an older flow: each field the node lacks shows
      // its default and is saved with it, so the node stays valid (an empty number field would not be).
      const flowNodes = bare.filter((n) => n.type !== "devicecloud-account");
      const list = flowNodes.find((n) => n.type === "devicecloud-list-devices");
      await openDialog(page, list.id);
      const shown = { minutes: await page.locator("#node-input-minutes").inputValue() };
      await page.locator("#node-input-btn-account-edit").click();
      await page.locator("#node-config-dialog-ok").waitFor({ state: "visible" });
      await page.waitForTimeout(300);
      shown.timeout = await page.locator("#node-config-input-timeout").inputValue();
      await page.locator("#node-config-dialog-ok").click();
      await page.locator("#node-config-dialog-ok").waitFor({ state: "detached" });
      await closeDialog(page);
      for (const n of flowNodes.filter((n) => n !== list)) {
        await openDialog(page, n.id);
        await closeDialog(page);
      }
      const afterDone = await stateOf(bare.map((n) => n.id));
      const saved = await page.evaluate(([a, l]) => ({ timeout: window.RED.nodes.node(a).timeout, minutes: window.RED.nodes.node(l).minutes }), [bareAccount, list.id]);
      await removeNodes(page, flowNodes.map((n) => n.id));
      assert.deepEqual(invalid, [], "every bare node is valid");
      assert.deepEqual(shown, { minutes: "5", timeout: "30" }, "the dialogs show the defaults of what the nodes lack");
      assert.deepEqual(afterDone.filter((x) => x.missing || !x.valid), [], "every bare node is still valid after its dialog's Done");
      assert.equal(Number(saved.timeout), 30);
      assert.equal(Number(saved.minutes), 5);
      return `${states.length} bare nodes valid, and after Done (timeout ${saved.timeout}, minutes ${saved.minutes})`;
    });

    await test("price slots checks only its mode's properties, the threshold against the kind chosen in the dialog", async () => {
      const id = "e2e0slots0mode";
      await importFlow(page, [{ id, type: "devicecloud-price-slots", account: accounts.flatpeak, mode: "duration", duration: 60, threshold: 25, thresholdKind: "relative", x: 150, y: 40, wires: [[]] }], X_INJECT + 20, ROWS[ROWS.length - 1].y + ROW_DY * 3);
      await page.keyboard.press("Escape");
      const valid = () => page.evaluate((nid) => window.RED.nodes.node(nid).valid, id);
      assert.equal(await valid(), true, "a threshold of 25 (relative) is not read in duration mode");
      await openDialog(page, id);
      const marked = () => page.locator("#node-input-threshold").evaluate((el) => el.classList.contains("input-error"));
      await page.locator("#node-input-mode").selectOption("threshold");
      await type(page, "#node-input-threshold", "25");
      assert.equal(await marked(), true, "25 is no relative threshold");
      await page.locator("#node-input-thresholdKind").selectOption("absolute");
      await type(page, "#node-input-threshold", "25");
      assert.equal(await marked(), false, "25 is an absolute price");
      await closeDialog(page);
      const saved = await page.evaluate((nid) => { const n = window.RED.nodes.node(nid); return { valid: n.valid, kind: n.thresholdKind, threshold: n.threshold }; }, id);
      await removeNodes(page, [id]);
      assert.deepEqual(saved, { valid: true, kind: "absolute", threshold: 25 });
      return JSON.stringify(saved);
    });

    await test("screenshot of the palette with the seven nodes and the flow", async () => {
      await closeNotifications(page);
      await page.locator("#red-ui-tab-info-link-button").click().catch(() => undefined);
      await page.mouse.move(5, 5);
      await page.waitForTimeout(200);
      return shot(page, "palette.png");
    });

    await test("${ENV_VAR} in the account's Server, API version and Timeout passes the editor's checks; Test connection resolves them in the runtime", async () => {
      await openDialog(page, ids.listSites);
      let t;
      const fields = { server: "${DC_E2E_SERVER}", apiVersion: "${DC_E2E_VERSION}", timeout: "${DC_E2E_TIMEOUT}" };
      await addAccount(page, { name: "Flatpeak from the environment", provider: "flatpeak" }, async () => {
        const marked = async (f) => page.locator(`#node-config-input-${f}`).evaluate((el) => el.classList.contains("input-error"));
        // the checks can fail: a wrong literal in each field is marked
        const wrongs = { server: "not a server!", apiVersion: "yesterday", timeout: "0" };
        for (const [f, v] of Object.entries(wrongs)) {
          await type(page, `#node-config-input-${f}`, v);
          assert.equal(await marked(f), true, `${f} "${v}" is marked invalid`);
        }
        for (const [f, v] of Object.entries(fields)) {
          await type(page, `#node-config-input-${f}`, v);
          assert.equal(await marked(f), false, `${f} ${v} passes the editor's check`);
        }
        await type(page, "#node-config-input-clientId", "${DC_E2E_ID}");
        await type(page, "#node-config-input-clientSecret", "${DC_E2E_KEY}");
        const loginsBefore = sim.stats().logins.flatpeak;
        t = await testConnection(page);
        assert.ok(t.ok, `Test connection: ${t.text}`);
        assert.match(t.text, /^Connected: \d+ (or more )?devices?$/);
        assert.ok(!t.text.includes(ENV_ACCOUNT.key), "no secret in the result");
        assert.equal(sim.stats().logins.flatpeak, loginsBefore + 1, "the login reached the server named by DC_E2E_SERVER with the id and key of the environment");
      });
      // the account is not kept: the other tests know two
      await page.locator("#node-config-dialog-cancel").click();
      await page.locator("#node-config-dialog-cancel").waitFor({ state: "detached" });
      await page.locator("#node-dialog-cancel").click();
      await page.locator("#node-dialog-cancel").waitFor({ state: "detached" });
      return `${Object.values(fields).join(", ")}: ${t.text}`;
    });

    await test("each node's account check follows the runtime's offers (RED.settings.devicecloudAccountOffers)", async () => {
      const offers = await page.evaluate(() => window.RED.settings.devicecloudAccountOffers);
      for (const p of ["flatpeak", "blynk"]) {
        assert.ok(Array.isArray(offers?.[p]?.operations) && offers[p].operations.length > 0, `the setting lists ${p}'s operations`);
        assert.ok(Array.isArray(offers[p].manageActions) && offers[p].manageActions.length > 0, `the setting lists ${p}'s manage actions`);
      }
      assert.deepEqual(TYPES.filter((t) => !OPERATION[t]), [], "every flow node has its operation in this test");
      const flow = [];
      TYPES.forEach((t, i) => {
        for (const [j, provider] of ["flatpeak", "blynk"].entries()) {
          flow.push({ id: `e2e0offer${i}0${j}`, type: t, account: accounts[provider], x: 150 + 170 * (i % 4), y: 40 + 60 * (2 * Math.floor(i / 4) + j), wires: [[]] });
        }
      });
      await importFlow(page, flow, X_INJECT + 20, ROWS[ROWS.length - 1].y + ROW_DY * 3);
      const states = await page.evaluate((list) => list.map((n) => {
        const x = window.RED.nodes.node(n.id);
        return { type: n.type, account: n.account, valid: x.valid, errors: x.validationErrors || [] };
      }), flow);
      await removeNodes(page, flow.map((n) => n.id));
      const wrong = [];
      for (const st of states) {
        const provider = st.account === accounts.flatpeak ? "flatpeak" : "blynk";
        const offered = offers[provider].operations.includes(OPERATION[st.type]);
        if (st.valid !== offered) wrong.push(`${st.type} on ${provider}: valid ${st.valid}, offered ${offered}`);
        if (!offered && !st.errors.some((e) => /is not offered by/.test(e))) wrong.push(`${st.type} on ${provider}: ${st.errors.join("; ")}`);
      }
      assert.deepEqual(wrong, [], "a node is valid exactly on the clouds that offer its operation");
      const refused = states.filter((st) => !st.valid).map((st) => `${st.type.replace("devicecloud-", "")}/${st.account === accounts.flatpeak ? "F" : "B"}`);
      assert.ok(refused.includes("prices/B") && refused.includes("datastream/F"), `a Flatpeak-only node refuses Blynk and the reverse: ${refused.join(", ")}`);
      return `refused: ${refused.join(", ")}`;
    });

    await test("a manage-device action or a watch the account's cloud does not offer marks the node invalid, as the runtime refuses it", async () => {
      const flow = [
        { id: "e2e0unoffered0rename", type: "devicecloud-manage-device", account: accounts.flatpeak, action: "rename", x: 150, y: 40, wires: [[]] },
        { id: "e2e0unoffered0update", type: "devicecloud-manage-device", account: accounts.blynk, action: "update", x: 320, y: 40, wires: [[]] },
        { id: "e2e0unoffered0watch", type: "devicecloud-watch", account: accounts.flatpeak, watch: "activated", x: 490, y: 40, wires: [[]] },
        { id: "e2e0offered0rename", type: "devicecloud-manage-device", account: accounts.blynk, action: "rename", x: 150, y: 100, wires: [[]] },
        { id: "e2e0offered0watch", type: "devicecloud-watch", account: accounts.blynk, watch: "activated", x: 320, y: 100, wires: [[]] },
      ];
      await importFlow(page, flow, X_INJECT + 20, ROWS[ROWS.length - 1].y + ROW_DY * 3);
      await page.keyboard.press("Escape");
      const states = await page.evaluate((list) => list.map((n) => {
        const x = window.RED.nodes.node(n.id);
        return { id: n.id, valid: x.valid, errors: (x.validationErrors || []).join("; ") };
      }), flow);
      // Their dialogs say so as they open, before anything is changed.
      const warned = {};
      for (const [id, sel] of [["e2e0unoffered0rename", ".devicecloud-manage-device-unsupported"], ["e2e0unoffered0watch", ".devicecloud-watch-unsupported"]]) {
        await openDialog(page, id);
        warned[id] = await page.locator(sel).isVisible();
        await page.locator("#node-dialog-cancel").click();
        await page.locator("#node-dialog-cancel").waitFor({ state: "detached" });
      }
      await removeNodes(page, flow.map((n) => n.id));
      const byId = Object.fromEntries(states.map((st) => [st.id, st]));
      for (const id of ["e2e0unoffered0rename", "e2e0unoffered0update", "e2e0unoffered0watch"]) {
        assert.equal(byId[id].valid, false, `${id} is invalid`);
        assert.match(byId[id].errors, /is not offered by (Flatpeak|Blynk) accounts/, byId[id].errors);
      }
      assert.deepEqual(warned, { e2e0unoffered0rename: true, e2e0unoffered0watch: true }, "each dialog shows its warning row");
      assert.equal(byId.e2e0offered0rename.valid, true, "rename on Blynk is valid");
      assert.equal(byId.e2e0offered0watch.valid, true, "watching activations on Blynk is valid");
      return states.filter((st) => !st.valid).map((st) => st.errors).join(" | ");
    });

    await test("manage device offers the actions the runtime's setting gives the account's cloud", async () => {
      const offers = await page.evaluate(() => window.RED.settings.devicecloudAccountOffers);
      const id = "e2e0manage0offers";
      await importFlow(page, [{ id, type: "devicecloud-manage-device", account: accounts.flatpeak, action: "create", x: 150, y: 40, wires: [[]] }], X_INJECT + 20, ROWS[ROWS.length - 1].y + ROW_DY * 3);
      await page.keyboard.press("Escape");
      await openDialog(page, id);
      const shownActions = () => page.locator("#node-input-action option").evaluateAll((os) => os.filter((o) => !o.hidden).map((o) => o.value).sort());
      const seen = {};
      for (const provider of ["flatpeak", "blynk"]) {
        await page.locator("#node-input-account").selectOption(accounts[provider]);
        seen[provider] = await shownActions();
        assert.deepEqual(seen[provider], [...offers[provider].manageActions].sort(), `${provider}: the actions of the setting`);
      }
      await page.locator("#node-dialog-cancel").click();
      await page.locator("#node-dialog-cancel").waitFor({ state: "detached" });
      await removeNodes(page, [id]);
      return `flatpeak: ${seen.flatpeak.join(", ")} | blynk: ${seen.blynk.join(", ")}`;
    });

    await test("no script error in the page", async () => {
      assert.deepEqual(pageErrors, []);
    });
  } catch (e) {
    runner.failed++;
    h.out(`  FAIL editor e2e: ${e && e.stack ? e.stack : e}`);
  } finally {
    if (page && runner.failed) {
      await page.screenshot({ path: path.join(h.OUT, "editor-failure.png") }).catch(() => undefined);
      h.out(`  (page at the failure: ${path.relative(ROOT, path.join(h.OUT, "editor-failure.png"))})`);
    }
    if (browser) await browser.close().catch(() => undefined);
    if (sim) await sim.close().catch(() => undefined);
    if (nr) {
      await test("Node-RED stops; its log has no [error]", async () => {
        const r = await nr.stop();
        const errors = nr.log.split("\n").filter((l) => /\[error\]/.test(l));
        assert.deepEqual(errors, []);
        return `exit ${r.code ?? r.signal}; log ${path.relative(ROOT, LOG)}`;
      });
    }
    if (process.env.EDITOR_KEEP) h.out(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main()
  .catch((e) => {
    runner.failed++;
    h.out(`  FAIL editor e2e: ${e && e.stack ? e.stack : e}`);
  })
  .finally(() => runner.finish("editor e2e"));
