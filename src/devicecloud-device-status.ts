/** `devicecloud-device-status`: online or not (Blynk: live connection; Flatpeak: derived from last_seen). */
import type { Node, NodeAPI } from "node-red";
import { invalidInput } from "./api";
import { setupFlowNode } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

export = function (RED: NodeAPI): void {
  function DeviceStatus(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "deviceStatus", async (ctx) => {
      const offlineAfter = def.offlineAfter === undefined || def.offlineAfter === "" ? 900 : Number(def.offlineAfter);
      if (!Number.isFinite(offlineAfter) || offlineAfter <= 0) {
        throw invalidInput("offlineAfter", "must be a number of seconds greater than 0.");
      }
      const id = await ctx.deviceId();
      ctx.msg.payload = await ctx.client.deviceStatus(id, { ...ctx.call, offlineAfter });
      ctx.send(ctx.msg);
    });
  }
  RED.nodes.registerType("devicecloud-device-status", DeviceStatus);
};
