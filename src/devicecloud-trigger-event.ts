/** `devicecloud-trigger-event` (Blynk): logs an event of the device's template, with an optional description. */
import type { Node, NodeAPI } from "node-red";
import Mustache from "mustache";
import { clientOf, invalidInput } from "./api";
import { isBlank, setupFlowNode } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

const MAX_EVENT_CODE = 50;
const MAX_DESCRIPTION = 300;

export = function (RED: NodeAPI): void {
  function TriggerEvent(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    const template = typeof def.description === "string" ? def.description : "";
    // A template that does not parse ("{{#a}}" without its end) is reported with each message, as INVALID_INPUT
    // naming the field: thrown here, it would stop the node from being created at all.
    let templateError: string | undefined;
    if (template.trim() !== "") {
      try {
        Mustache.parse(template);
      } catch (e) {
        templateError = e instanceof Error ? e.message : String(e);
      }
    }
    setupFlowNode(RED, this, def, "triggerEvent", async (ctx) => {
      const { msg } = ctx;
      const codeType = isBlank(def.eventCodeType) ? "str" : def.eventCodeType;
      const raw = isBlank(def.eventCode) ? msg.eventCode : await ctx.evaluate("eventCode", def.eventCode, codeType);
      if (isBlank(raw)) throw invalidInput("eventCode", "no event code: set it in the node or in msg.eventCode.");
      if (typeof raw !== "string" && typeof raw !== "number") throw invalidInput("eventCode", "must be a string.");
      const eventCode = String(raw).trim();
      if (eventCode.length > MAX_EVENT_CODE) throw invalidInput("eventCode", `has ${eventCode.length} characters; at most ${MAX_EVENT_CODE} are allowed.`);

      let description: string | undefined;
      if (templateError !== undefined) throw invalidInput("description", `the template could not be read: ${templateError}`);
      if (template.trim() !== "") {
        try {
          description = Mustache.render(template, msg, {}, { escape: (v: unknown) => String(v) });
        } catch (e) {
          throw invalidInput("description", `the template could not be rendered: ${e instanceof Error ? e.message : String(e)}`);
        }
      } else if (!isBlank(msg.description)) {
        if (typeof msg.description !== "string" && typeof msg.description !== "number") {
          throw invalidInput("description", "msg.description must be a string.");
        }
        description = String(msg.description);
      }
      if (description !== undefined && description.length > MAX_DESCRIPTION) {
        throw invalidInput("description", `has ${description.length} characters; at most ${MAX_DESCRIPTION} are allowed.`);
      }
      if (description === "") description = undefined;
      const deviceId = await ctx.deviceId();
      await clientOf(ctx.client, "blynk", "triggerEvent").triggerEvent(deviceId, eventCode, description, ctx.call);
      msg.payload = { deviceId, eventCode, description: description ?? null, triggered: true };
      ctx.send(msg);
    });
  }
  RED.nodes.registerType("devicecloud-trigger-event", TriggerEvent);
};
