/**
 * `devicecloud-manage-device`: changes one device. Blynk: create, rename, transfer to a user or an organization,
 * remove the owner, clear its data, delete it. Flatpeak: create, update, delete. Clearing data and deleting act
 * only when the node allows destructive actions; otherwise nothing is sent.
 */
import type { Node, NodeAPI } from "node-red";
import { checks, clientOf, describe, invalidInput, MANAGE_ACTION_NAMES, notOffered, offered, type CallOptions, type ManageAction as Action, type Provider } from "./api";
import { isBlank, setupFlowNode, type InputContext } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

const ACTIONS = Object.keys(MANAGE_ACTION_NAMES) as Action[];
const DESTRUCTIVE: ReadonlySet<Action> = new Set<Action>(["clearData", "delete"]);

export = function (RED: NodeAPI): void {
  function ManageDevice(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    const includeToken = def.includeToken === true || def.includeToken === "true";
    const allowDestructive = def.allowDestructive === true || def.allowDestructive === "true";
    // Shown from the deploy on (the first message replaces it): the node will refuse every message.
    if (DESTRUCTIVE.has(def.action as Action) && !allowDestructive) {
      this.status({ fill: "yellow", shape: "ring", text: "devicecloud-manage-device.status.notAllowed" });
    }
    setupFlowNode(RED, this, def, "manageDevice", async (ctx) => {
      const action = checkedAction(def, ctx.client.provider, allowDestructive);
      const input = nodeInput(def, ctx);
      const call = { ...ctx.call, includeToken };
      ctx.msg.payload = action === "create" ? await createDevice(def, ctx, input, call) : await changeDevice(action, ctx, input, call);
      ctx.send(ctx.msg);
    });
  }
  RED.nodes.registerType("devicecloud-manage-device", ManageDevice);
};

/** A TypedInput property of the node; blank: the message property `fallback`. */
type NodeInput = (prop: string, fallback: string, defaultType?: string) => Promise<unknown>;

function nodeInput(def: FlowNodeDef, ctx: InputContext): NodeInput {
  return async (prop, fallback, defaultType = "str") => {
    const value = def[prop];
    if (isBlank(value)) return ctx.msg[fallback];
    const type = isBlank(def[`${prop}Type`]) ? defaultType : def[`${prop}Type`];
    return ctx.evaluate(prop, value, type);
  };
}

/** The node's action, refused before anything is sent when the cloud lacks it or the node does not allow it. */
function checkedAction(def: FlowNodeDef, provider: Provider, allowDestructive: boolean): Action {
  const action = (isBlank(def.action) ? "create" : String(def.action)) as Action;
  if (!ACTIONS.includes(action)) throw invalidInput("action", `must be one of ${ACTIONS.join(", ")}, got ${describe(def.action)}.`);
  if (!offered(provider, "manageActions", action)) throw notOffered(provider, MANAGE_ACTION_NAMES[action]);
  if (DESTRUCTIVE.has(action) && !allowDestructive) {
    throw invalidInput(
      "allowDestructive",
      `${MANAGE_ACTION_NAMES[action]} cannot be undone, and this node does not allow it: tick "Allow clear data and delete" in the node. Nothing was sent.`,
    );
  }
  return action;
}

async function createDevice(def: FlowNodeDef, ctx: InputContext, input: NodeInput, call: CallOptions): Promise<unknown> {
  const { msg, client } = ctx;
  if (client.provider === "blynk") {
    const templateId = await input("templateId", "templateId");
    const name = await input("deviceName", "name");
    const ownerId = await input("ownerId", "ownerId", "num");
    const orgId = await input("orgId", "orgId", "num");
    return client.createDevice({ templateId, name, ownerId, orgId }, call);
  }
  const referenceId = await input("referenceId", "referenceId");
  const deviceType = isBlank(def.deviceType) ? msg.deviceType : def.deviceType;
  const locations = await input("locations", "locations");
  return client.createDevice({ referenceId, deviceType, locations, extra: msg.device }, call);
}

/** Every action but create: the answer of the cloud, or what was done. */
async function changeDevice(action: Exclude<Action, "create">, ctx: InputContext, input: NodeInput, call: CallOptions): Promise<unknown> {
  const { msg, client } = ctx;
  const deviceId = await ctx.deviceId(
    DESTRUCTIVE.has(action) ? { fromPayload: false, why: `${MANAGE_ACTION_NAMES[action]} cannot be undone, so it acts only on a device named explicitly` } : undefined,
  );
  // Each action below is offered by one cloud only, or by both (delete), as checkedAction has made sure.
  const blynk = () => clientOf(client, "blynk", "manageDevice");
  switch (action) {
    case "rename":
      return blynk().renameDevice(deviceId, await input("deviceName", "name"), call);
    case "update":
      return clientOf(client, "flatpeak", "manageDevice").updateDevice(deviceId, { referenceId: await input("referenceId", "referenceId"), extra: msg.device }, call);
    case "transferToUser": {
      const raw = await input("newUserId", "newUserId", "num");
      if (isBlank(raw)) throw invalidInput("newUserId", "no user: set the new owner's user id in the node or in msg.newUserId.");
      const newUserId = checks.checkUserId(raw, "newUserId");
      await blynk().transferDevice(deviceId, { userId: newUserId }, ctx.call);
      return { deviceId, action, newUserId, done: true };
    }
    case "transferToOrg": {
      const raw = await input("newOrgId", "newOrgId", "num");
      if (isBlank(raw)) throw invalidInput("newOrgId", "no organization: set its id in the node or in msg.newOrgId.");
      const newOrgId = checks.checkOrgId(raw, "newOrgId");
      await blynk().transferDevice(deviceId, { orgId: newOrgId }, ctx.call);
      return { deviceId, action, newOrgId, done: true };
    }
    case "removeOwner":
      await blynk().removeOwner(deviceId, ctx.call);
      return { deviceId, action, done: true };
    case "clearData":
      await blynk().clearData(deviceId, ctx.call);
      return { deviceId, action, done: true };
    case "delete":
      await client.deleteDevice(deviceId, ctx.call);
      return { deviceId, action, done: true };
  }
}
