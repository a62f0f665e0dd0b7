/** `${NAME}` in every field of the account: in the deployed account, and in the editor's Test connection. */
import assert from "node:assert/strict";
import type { Simulator } from "../../src/simulator";
import { SECRETS, withSimulator } from "../support/sim";
import { freshRuntimeEach, helper, loadFlow, nextMessages } from "../support/nodes";

const VARS = {
  DC_TEST_SERVER: "",
  DC_TEST_VERSION: "2026-08-01.busbar",
  DC_TEST_TIMEOUT: "20",
  DC_TEST_ID: SECRETS.flatpeak.clientId,
  DC_TEST_KEY: SECRETS.flatpeak.clientSecret,
};
const FIELDS = { server: "${DC_TEST_SERVER}", apiVersion: "${DC_TEST_VERSION}", timeout: "${DC_TEST_TIMEOUT}" };
const CREDS = { clientId: "${DC_TEST_ID}", clientSecret: "${DC_TEST_KEY}" };

describe("environment variables in the account's fields", function () {
  let sim: Simulator;
  before(async () => {
    sim = await withSimulator({ flatpeakDevices: 20, blynkDevices: 20 });
    VARS.DC_TEST_SERVER = sim.url;
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => Object.assign(process.env, VARS));
  afterEach(() => {
    for (const k of Object.keys(VARS)) delete process.env[k];
  });
  freshRuntimeEach(() => sim);

  it("a deployed account reads every property and credential from ${NAME}", async () => {
    await loadFlow(
      [
        { id: "acc", type: "devicecloud-account", provider: "flatpeak", ...FIELDS },
        { id: "n1", type: "devicecloud-list-sites", account: "acc", wires: [["out"]] },
        { id: "out", type: "helper" },
      ],
      { acc: CREDS },
    );
    const got = nextMessages("out");
    helper.getNode("n1").receive({});
    const [m] = await got;
    // Sites exist from release 2026-08-01.busbar on: the version came from the variable too.
    assert.ok(Array.isArray(m.payload) && m.payload.length > 0);
    assert.equal(sim.stats().logins.flatpeak, 1);
  });

  it("Test connection resolves ${NAME} on the runtime side for an account not deployed yet", async () => {
    await loadFlow([{ id: "h", type: "helper" }]);
    const res = await helper.request().post("/devicecloud/test").send({ id: "new-acc", provider: "flatpeak", ...FIELDS, ...CREDS });
    assert.equal(res.body.ok, true, res.text);
    assert.equal(sim.stats().logins.flatpeak, 1);
  });

  it("Test connection of a deployed account with its stored secret (${NAME}) resolves it too", async () => {
    await loadFlow([{ id: "acc", type: "devicecloud-account", provider: "flatpeak", ...FIELDS }], { acc: CREDS });
    const res = await helper.request().post("/devicecloud/test").send({ id: "acc", provider: "flatpeak", ...FIELDS, clientId: CREDS.clientId, clientSecret: "__PWRD__" });
    assert.equal(res.body.ok, true, res.text);
  });

  for (const [field, value] of Object.entries({ ...FIELDS, ...CREDS })) {
    it(`Test connection with ${field} naming an unset variable: INVALID_INPUT naming ${field}, nothing sent`, async () => {
      await loadFlow([{ id: "h", type: "helper" }]);
      delete process.env[value.slice(2, -1)];
      const res = await helper.request().post("/devicecloud/test").send({ provider: "flatpeak", ...FIELDS, ...CREDS });
      assert.equal(res.body.ok, false, res.text);
      assert.equal(res.body.code, "INVALID_INPUT", res.text);
      assert.match(res.body.message, new RegExp(`^${field}: the environment variable ${value.slice(2, -1)} is not set`));
      assert.equal(sim.stats().requests, 0);
    });
  }
});
