/**
 * What each cloud offers reaches the editor from the runtime: the account node exports the clients' declaration as
 * the setting devicecloudAccountOffers, which Node-RED sends to the editor with its settings (GET /settings).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { MANAGE_ACTION_NAMES, OFFERS, OPERATION_NAMES, WATCH_KIND_NAMES, type Operation, type Provider } from "../../src/api";
import { BLYNK_OFFERS } from "../../src/api/blynk";
import { FLATPEAK_OFFERS } from "../../src/api/flatpeak";
import { FLOW_TYPES, freshRuntimeEach, helper, loadFlow } from "../support/nodes";

/** Node-RED's runtime settings, as the test helper holds them (exportNodeSettings builds what GET /settings sends). */
type RuntimeSettings = { exportNodeSettings(safe: Record<string, unknown>): Record<string, unknown> };

describe("the offers in the editor's settings", function () {
  freshRuntimeEach();

  it("the account node exports devicecloudAccountOffers: each cloud's operations, manage actions and watch kinds, as its client declares them", async () => {
    await loadFlow([{ id: "acc", type: "devicecloud-account", provider: "blynk", simulate: true }]);
    const exported = (helper.settings(undefined as never) as unknown as RuntimeSettings).exportNodeSettings({});
    // As the editor receives it: JSON.
    const offers = JSON.parse(JSON.stringify(exported.devicecloudAccountOffers));
    assert.deepEqual(offers, {
      flatpeak: { operations: [...FLATPEAK_OFFERS.operations], manageActions: [...FLATPEAK_OFFERS.manageActions], watchKinds: ["status"] },
      blynk: { operations: [...BLYNK_OFFERS.operations], manageActions: [...BLYNK_OFFERS.manageActions], watchKinds: ["status", "activated"] },
    });
    assert.deepEqual(offers, JSON.parse(JSON.stringify(OFFERS)));
  });

  it("names only operations a node performs, actions manage-device takes and kinds watch watches, and every one of them is offered by a cloud", () => {
    const operationOf = (type: string) => type.replace(/^devicecloud-/, "").replace(/-(\w)/g, (_m, c: string) => c.toUpperCase());
    const performed = FLOW_TYPES.map(operationOf).sort();
    assert.deepEqual(Object.keys(OPERATION_NAMES).sort(), performed, "one operation per flow node type, named after it");
    const offered = new Set([...OFFERS.flatpeak.operations, ...OFFERS.blynk.operations]);
    assert.deepEqual([...offered].sort(), performed);
    const actions = new Set([...OFFERS.flatpeak.manageActions, ...OFFERS.blynk.manageActions]);
    assert.deepEqual([...actions].sort(), Object.keys(MANAGE_ACTION_NAMES).sort());
    const kinds = new Set([...OFFERS.flatpeak.watchKinds, ...OFFERS.blynk.watchKinds]);
    assert.deepEqual([...kinds].sort(), Object.keys(WATCH_KIND_NAMES).sort());
  });

  it("README's table of nodes says which cloud offers which node and action, as the clients declare it", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "..", "README.md"), "utf8");
    const rows = readme.split("\n").filter((l) => /^\| \*\*[^*]+\*\* \|/.test(l) && !l.includes("(config)"));
    const byName = new Map(Object.entries(OPERATION_NAMES).map(([op, name]) => [name as string, op as Operation]));
    const seen: string[] = [];
    for (const row of rows) {
      const [label, , ...cells] = row.split("|").slice(1, -1).map((c) => c.trim());
      const op = byName.get(label.replace(/\*/g, ""));
      assert.ok(op, `README's table names ${label}, which is no node's operation`);
      seen.push(op);
      (["flatpeak", "blynk"] as Provider[]).forEach((provider, i) => {
        const cell = cells[i];
        assert.equal(cell.startsWith("✓"), OFFERS[provider].operations.includes(op), `${label} on ${provider}: "${cell}"`);
        if (op === "manageDevice") assert.equal(cell, `✓ (${OFFERS[provider].manageActions.map((a) => MANAGE_ACTION_NAMES[a]).join(", ")})`, `manage device's actions on ${provider}`);
      });
    }
    assert.deepEqual(seen.sort(), Object.keys(OPERATION_NAMES).sort(), "one row per node");
  });
});
