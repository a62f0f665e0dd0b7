/**
 * `devicecloud-price-slots` (Flatpeak): the cheapest or dearest times of a period, by duration or threshold; sent
 * as one message ("slots"), or followed by a switch that sends true when a slot begins and false when it ends
 * ("switch"). The plan lives in memory: a new input replaces it, close or redeploy cancels it, and after a restart
 * the next input message builds it again.
 */
import type { Node, NodeAPI } from "node-red";
import { describe, invalidInput, type SlotRequest } from "./api";
import { isBlank, setupFlowNode, type Msg, type StatusState } from "./runtime/pipeline";
import { flatpeakOf, resolveDirection, resolveLocation, resolvePeriod } from "./runtime/price-input";
import { clockTime, SlotSwitch } from "./runtime/slot-switch";
import type { FlowNodeDef } from "./runtime/types";

/** The slots endpoints of anode and busbar take 3 days; the node's own period is bounded the same way. */
const MAX_HOURS = 72;
const CATALOGUE = "@devicecloud/node-red-devicecloud/devicecloud-price-slots:devicecloud-price-slots.status";

export = function (RED: NodeAPI): void {
  function PriceSlots(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    const output = isBlank(def.output) ? "slots" : def.output;
    let template: Msg | undefined;
    let timezone: string | null = null;
    const sw = new SlotSwitch(
      (on, slot) => {
        const msg = { ...(template ? RED.util.cloneMessage(template) : {}), payload: on, slot } as Msg;
        this.send(msg);
      },
      () => pipeline.refresh(),
    );
    const idleStatus = (): StatusState | undefined => {
      if (output !== "switch" || !template) return undefined;
      const s = sw.state();
      const at = s.at === undefined ? undefined : clockTime(s.at, timezone);
      // Translated here (the editor translates a bare key, but cannot fill in the time).
      const text = s.on ? RED._(`${CATALOGUE}.onUntil`, { time: at ?? "" }) : at ? RED._(`${CATALOGUE}.offNext`, { time: at }) : RED._(`${CATALOGUE}.off`);
      return { fill: s.on ? "green" : "grey", shape: s.on ? "dot" : "ring", text };
    };
    const pipeline = setupFlowNode(
      RED,
      this,
      def,
      "priceSlots",
      async (ctx) => {
        if (output !== "slots" && output !== "switch") throw invalidInput("output", `must be "slots" or "switch", got ${describe(def.output)}.`);
        const request = {
          direction: resolveDirection(def),
          segment: isBlank(def.segment) ? "LOW" : def.segment,
          rule: slotRule(def, ctx.msg),
          ...resolvePeriod(ctx, def, MAX_HOURS),
        } as Omit<SlotRequest, "locationId">;
        const locationId = await resolveLocation(ctx, def);
        const plan = await flatpeakOf(ctx, "priceSlots").priceSlots({ ...request, locationId, ...ctx.call });
        if (output === "slots") {
          ctx.msg.payload = plan;
          ctx.send(ctx.msg);
          return;
        }
        // Each switch message is a new one that carries the input's other properties (topic, …).
        const { payload: _payload, _msgid: _id, ...rest } = ctx.msg;
        template = rest as Msg;
        timezone = plan.timezone;
        sw.plan(plan.slots);
      },
      { idleStatus },
    );
    this.on("close", () => sw.close());
  }
  RED.nodes.registerType("devicecloud-price-slots", PriceSlots);
};

/** Duration (msg.duration overrides the property) or threshold, checked in the client before any request. */
function slotRule(def: FlowNodeDef, msg: Msg): SlotRequest["rule"] {
  const mode = isBlank(def.mode) ? "duration" : def.mode;
  if (mode === "duration") {
    const raw = !isBlank(msg.duration) ? msg.duration : isBlank(def.duration) ? 60 : def.duration;
    const minutes = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
    if (typeof minutes !== "number") throw invalidInput("duration", `must be a whole number of minutes, got ${describe(raw)}.`);
    return { mode: "duration", minutes };
  }
  if (mode !== "threshold") throw invalidInput("mode", `must be "duration" or "threshold", got ${describe(def.mode)}.`);
  const kind = isBlank(def.thresholdKind) ? "relative" : def.thresholdKind;
  if (kind !== "relative" && kind !== "absolute") throw invalidInput("thresholdKind", `must be "relative" or "absolute", got ${describe(def.thresholdKind)}.`);
  const value = isBlank(def.threshold) ? 0.3 : Number(def.threshold);
  return { mode: "threshold", kind, value };
}
