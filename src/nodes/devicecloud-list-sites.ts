/** `devicecloud-list-sites` (Flatpeak): every site of the account, with the reference_id filter. */
import type { Node, NodeAPI } from "node-red";
import { listSettings, sendListing } from "./list-output";
import { setupFlowNode } from "./pipeline";
import type { FlowNodeDef } from "./types";

export = function (RED: NodeAPI): void {
  function ListSites(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "listSites", async (ctx) => {
      const settings = listSettings(def, ctx.msg);
      await sendListing(RED, ctx, settings, (opts) => ctx.client.listSites(opts));
    });
  }
  RED.nodes.registerType("devicecloud-list-sites", ListSites);
};
