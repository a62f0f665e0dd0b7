/**
 * The account's properties are checked the same way by the editor (its validators in devicecloud-account.html)
 * and by the runtime: a value the editor refuses fails each message with INVALID_INPUT naming the field, before
 * any request, and a value the editor accepts is one the runtime takes.
 */
import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { openClient } from "../../src/runtime/account-client";
import type { AccountDef } from "../../src/runtime/types";
import { editorAccepts as nodeEditorAccepts } from "../support/editor";
import { SECRETS, simulatorForSuite } from "../support/sim";
import { account, firstOut, freshRuntimeEach, loadFlow, statuses, withTime } from "../support/nodes";

/** What the account's dialog says of `value` in `prop` of an account with `props`. */
const editorAccepts = (prop: string, value: unknown, props: Record<string, unknown> = {}) => nodeEditorAccepts("devicecloud-account", prop, value, props);

/** What the runtime says: the account's client opens (nothing is sent), or INVALID_INPUT naming the field. */
async function runtimeAccepts(def: Partial<AccountDef>, field: string): Promise<boolean> {
  try {
    const opened = await openClient({ id: "a", type: "devicecloud-account", z: "", name: "", ...def } as AccountDef, SECRETS.flatpeak);
    await opened.release();
    return true;
  } catch (err) {
    assert.equal((err as { code?: string }).code, "INVALID_INPUT");
    assert.match((err as Error).message, new RegExp(`^${field}: `));
    return false;
  }
}

describe("the account's properties: the editor and the runtime agree", function () {
  let sim: Simulator;
  simulatorForSuite((s) => (sim = s), { flatpeakDevices: 5, blynkDevices: 5 });

  it("server: the runtime takes exactly what the editor accepts (hosts, URLs, loopback http, ports, no query)", async () => {
    const servers = [
      "",
      "fra1.blynk.cloud",
      "fra1.blynk.cloud:8443",
      "https://api.flatpeak.com",
      "https://api.flatpeak.com/",
      "https://gw.example.com:443/flatpeak",
      "http://127.0.0.1:1880",
      "http://localhost",
      "http://[::1]:8080",
      "http://example.com",
      "ftp://example.com",
      "https://example.com/?page=2",
      "https://example.com/api#top",
      "https://user:pw@example.com",
      "example.com:99999",
      "https://example.com:65536",
      "not a host",
    ];
    const disagree = [];
    for (const server of servers) {
      const editor = editorAccepts("server", server, { provider: "flatpeak" });
      const runtime = await runtimeAccepts({ provider: "flatpeak", server }, "server");
      if (editor !== runtime) disagree.push(`${JSON.stringify(server)}: editor ${editor}, runtime ${runtime}`);
    }
    assert.deepEqual(disagree, []);
  });

  it("apiVersion: a release name on Flatpeak in both; not read on Blynk, so neither refuses it there", async () => {
    const disagree = [];
    for (const provider of ["flatpeak", "blynk"] as const) {
      for (const apiVersion of ["", "2026-08-01.busbar", "2024-08-24", " 2025-09-14.anode ", "latest", "2026-08-01 busbar", "2026-08-01.busbar\r\nX-Evil: 1"]) {
        const editor = editorAccepts("apiVersion", apiVersion, { provider });
        const runtime = await runtimeAccepts({ provider, apiVersion, server: sim.url }, "apiVersion");
        if (editor !== runtime) disagree.push(`${provider} ${JSON.stringify(apiVersion)}: editor ${editor}, runtime ${runtime}`);
      }
    }
    assert.deepEqual(disagree, []);
    assert.equal(await runtimeAccepts({ provider: "flatpeak", apiVersion: "latest", server: sim.url }, "apiVersion"), false);
  });

  it("provider: missing or blank is flatpeak in both; any other value than the two is refused by both", async () => {
    const disagree = [];
    for (const provider of [undefined, "", "flatpeak", "blynk", "Blynk", "FLATPEAK", "tuya"]) {
      const editor = editorAccepts("provider", provider);
      const runtime = await runtimeAccepts({ provider: provider as AccountDef["provider"], server: sim.url }, "provider");
      if (editor !== runtime) disagree.push(`${JSON.stringify(provider)}: editor ${editor}, runtime ${runtime}`);
    }
    assert.deepEqual(disagree, []);
  });

  describe("in a Node-RED runtime", () => {
    freshRuntimeEach(() => sim);

    const flow = (acc: Record<string, unknown>, node: Record<string, unknown>) => [
      acc,
      { id: "n1", account: "acc", wires: [["out"]], ...node },
      { id: "c", type: "catch", scope: null, wires: [["caught"]] },
      { id: "out", type: "helper" },
      { id: "caught", type: "helper" },
    ];

    it('an account whose provider is neither cloud ("Blynk") fails each message with INVALID_INPUT naming provider, not as Flatpeak', async () => {
      const a = account(sim, "blynk", "acc", { provider: "Blynk" });
      // trigger event is not offered by Flatpeak: taken for Flatpeak, the message would fail UNSUPPORTED instead
      await loadFlow(flow(a.node, { type: "devicecloud-trigger-event", eventCode: "high_temperature" }), a.creds);
      const seen = statuses("n1");
      const [m] = await firstOut(["n1", { deviceId: 1 }, "caught"]);
      assert.equal(m.error.code, "INVALID_INPUT");
      assert.match(m.error.message, /^provider: must be "flatpeak" or "blynk", got "Blynk"/);
      assert.equal(sim.stats().requests, 0);
      assert.deepEqual([seen.at(-1)?.fill, seen.at(-1)?.shape], ["red", "ring"]);
      assert.match(seen.at(-1)?.text, withTime("INVALID_INPUT"));
    });

    it("a Flatpeak account whose API version is not a release fails each message with INVALID_INPUT naming apiVersion; nothing is sent", async () => {
      const a = account(sim, "flatpeak", "acc", { apiVersion: "latest" });
      await loadFlow(flow(a.node, { type: "devicecloud-list-devices" }), a.creds);
      const [m] = await firstOut(["n1", {}, "caught"]);
      assert.equal(m.error.code, "INVALID_INPUT");
      assert.match(m.error.message, /^apiVersion: /);
      assert.equal(sim.stats().requests, 0);
    });

    it("a blank provider is flatpeak, as a missing one is", async () => {
      const a = account(sim, "flatpeak", "acc", { provider: "" });
      await loadFlow(flow(a.node, { type: "devicecloud-list-sites" }), a.creds);
      const [m] = await firstOut(["n1", {}, "out"]);
      assert.ok(Array.isArray(m.payload));
    });
  });
});
