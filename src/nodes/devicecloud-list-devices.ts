/** `devicecloud-list-devices`: every device of the account (Blynk search text or Flatpeak reference_id filter). */
import type { Node, NodeAPI } from "node-red";
import { listSettings, sendListing } from "./list-output";
import { setupFlowNode } from "./pipeline";
import type { FlowNodeDef } from "./types";

export = function (RED: NodeAPI): void {
  function ListDevices(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "listDevices", async (ctx) => {
      const settings = listSettings(def, ctx.msg);
      await sendListing(RED, ctx, settings, (opts) => ctx.client.listDevices(opts));
    });
  }
  RED.nodes.registerType("devicecloud-list-devices", ListDevices);
};
