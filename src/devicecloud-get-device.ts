/** `devicecloud-get-device`: one device; Blynk's device token is removed unless includeToken is on. */
import type { Node, NodeAPI } from "node-red";
import { invalidInput } from "./api";
import { setupFlowNode } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

export = function (RED: NodeAPI): void {
  function GetDevice(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    const includeToken = def.includeToken === true || def.includeToken === "true";
    setupFlowNode(RED, this, def, "getDevice", async (ctx) => {
      const detail = def.detail === undefined || def.detail === "" ? "full" : def.detail;
      if (detail !== "full" && detail !== "base") throw invalidInput("detail", `must be "full" or "base".`);
      const id = await ctx.deviceId();
      ctx.msg.payload = await ctx.client.getDevice(id, { ...ctx.call, detail, includeToken });
      ctx.send(ctx.msg);
    });
  }
  RED.nodes.registerType("devicecloud-get-device", GetDevice);
};
