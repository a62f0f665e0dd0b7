/** `devicecloud-list-sites` (Flatpeak): every site of the account, with the reference_id filter. */
import type { Node, NodeAPI } from "node-red";
import { clientOf } from "./api";
import { listSettings, sendListing } from "./runtime/list-output";
import { setupFlowNode } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

export = function (RED: NodeAPI): void {
  function ListSites(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "listSites", async (ctx) => {
      const settings = listSettings(def, ctx.msg);
      await sendListing(RED, ctx, settings, (opts) => clientOf(ctx.client, "flatpeak", "listSites").listSites(opts));
    });
  }
  RED.nodes.registerType("devicecloud-list-sites", ListSites);
};
