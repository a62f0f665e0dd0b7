/**
 * `devicecloud-manage-device`: changes one device. Blynk: create, rename, transfer to a user or an organization,
 * remove the owner, clear its data, delete it. Flatpeak: create, update, delete. Clearing data and deleting act
 * only when the node allows destructive actions; otherwise nothing is sent.
 */
import type { Node, NodeAPI } from "node-red";
import { checks, clientOf, describe, invalidInput, MANAGE_ACTION_NAMES, notOffered, offersManageAction, type ManageAction as Action } from "./api";
import { isBlank, setupFlowNode } from "./runtime/pipeline";
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
      const { msg, client } = ctx;
      const action = (isBlank(def.action) ? "create" : String(def.action)) as Action;
      if (!ACTIONS.includes(action)) throw invalidInput("action", `must be one of ${ACTIONS.join(", ")}, got ${describe(def.action)}.`);
      if (!offersManageAction(client.provider, action)) throw notOffered(client.provider, MANAGE_ACTION_NAMES[action]);
      if (DESTRUCTIVE.has(action) && !allowDestructive) {
        throw invalidInput(
          "allowDestructive",
          `${MANAGE_ACTION_NAMES[action]} cannot be undone, and this node does not allow it: tick "Allow clear data and delete" in the node. Nothing was sent.`,
        );
      }
      /** A TypedInput property of the node; blank: the message property `fallback`. */
      const input = async (prop: string, fallback: string, defaultType = "str"): Promise<unknown> => {
        const value = def[prop];
        if (isBlank(value)) return msg[fallback];
        const type = isBlank(def[`${prop}Type`]) ? defaultType : def[`${prop}Type`];
        return ctx.evaluate(prop, value, type);
      };
      const call = { ...ctx.call, includeToken };

      if (action === "create") {
        if (client.provider === "blynk") {
          const templateId = await input("templateId", "templateId");
          const name = await input("deviceName", "name");
          const ownerId = await input("ownerId", "ownerId", "num");
          const orgId = await input("orgId", "orgId", "num");
          msg.payload = await client.createDevice({ templateId, name, ownerId, orgId }, call);
        } else {
          const referenceId = await input("referenceId", "referenceId");
          const deviceType = isBlank(def.deviceType) ? msg.deviceType : def.deviceType;
          const locations = await input("locations", "locations");
          msg.payload = await client.createDevice({ referenceId, deviceType, locations, extra: msg.device }, call);
        }
        ctx.send(msg);
        return;
      }

      const deviceId = await ctx.deviceId(
        DESTRUCTIVE.has(action) ? { fromPayload: false, why: `${MANAGE_ACTION_NAMES[action]} cannot be undone, so it acts only on a device named explicitly` } : undefined,
      );
      // Each action below is offered by one cloud only, or by both (delete), as the check above has made sure.
      const blynk = () => clientOf(client, "blynk", "manageDevice");
      switch (action) {
        case "rename":
          msg.payload = await blynk().renameDevice(deviceId, await input("deviceName", "name"), call);
          break;
        case "update":
          msg.payload = await clientOf(client, "flatpeak", "manageDevice").updateDevice(deviceId, { referenceId: await input("referenceId", "referenceId"), extra: msg.device }, call);
          break;
        case "transferToUser": {
          const raw = await input("newUserId", "newUserId", "num");
          if (isBlank(raw)) throw invalidInput("newUserId", "no user: set the new owner's user id in the node or in msg.newUserId.");
          const newUserId = checks.checkUserId(raw, "newUserId");
          await blynk().transferDevice(deviceId, { userId: newUserId }, ctx.call);
          msg.payload = { deviceId, action, newUserId, done: true };
          break;
        }
        case "transferToOrg": {
          const raw = await input("newOrgId", "newOrgId", "num");
          if (isBlank(raw)) throw invalidInput("newOrgId", "no organization: set its id in the node or in msg.newOrgId.");
          const newOrgId = checks.checkOrgId(raw, "newOrgId");
          await blynk().transferDevice(deviceId, { orgId: newOrgId }, ctx.call);
          msg.payload = { deviceId, action, newOrgId, done: true };
          break;
        }
        case "removeOwner":
          await blynk().removeOwner(deviceId, ctx.call);
          msg.payload = { deviceId, action, done: true };
          break;
        case "clearData":
          await blynk().clearData(deviceId, ctx.call);
          msg.payload = { deviceId, action, done: true };
          break;
        case "delete":
          await client.deleteDevice(deviceId, ctx.call);
          msg.payload = { deviceId, action, done: true };
          break;
      }
      ctx.send(msg);
    });
  }
  RED.nodes.registerType("devicecloud-manage-device", ManageDevice);
};
