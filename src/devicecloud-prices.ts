/** `devicecloud-prices` (Flatpeak): the price series of a location over a period, one shape on every release. */
import type { Node, NodeAPI } from "node-red";
import { setupFlowNode } from "./runtime/pipeline";
import { flatpeakOf, resolveDirection, resolveLocation, resolvePeriod } from "./runtime/price-input";
import type { FlowNodeDef } from "./runtime/types";

export = function (RED: NodeAPI): void {
  function Prices(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "prices", async (ctx) => {
      const direction = resolveDirection(def);
      const period = resolvePeriod(ctx, def, 90 * 24);
      const locationId = await resolveLocation(ctx, def);
      ctx.msg.payload = await flatpeakOf(ctx, "prices").prices({ locationId, ...period, direction, ...ctx.call });
      ctx.send(ctx.msg);
    });
  }
  RED.nodes.registerType("devicecloud-prices", Prices);
};
