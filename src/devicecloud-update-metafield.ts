/** `devicecloud-update-metafield` (Blynk): sets one metafield of a device. */
import type { Node, NodeAPI } from "node-red";
import { clientOf, invalidInput, wholeNumber } from "./api";
import { isBlank, setupFlowNode } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

/** Blynk takes requests up to 2 MB; a metafield value is far smaller than that. */
const MAX_VALUE_JSON = 65_536;

export = function (RED: NodeAPI): void {
  function UpdateMetafield(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "updateMetafield", async (ctx) => {
      const { msg } = ctx;
      const idType = isBlank(def.metafieldIdType) ? "num" : def.metafieldIdType;
      const rawId = isBlank(def.metafieldId) ? msg.metafieldId : await ctx.evaluate("metafieldId", def.metafieldId, idType);
      if (isBlank(rawId)) throw invalidInput("metafieldId", "no metafield id: set it in the node or in msg.metafieldId.");
      const metafieldId = wholeNumber(rawId, "metafieldId", "a metafield id");

      const valueProp = def.value === undefined ? "payload" : def.value;
      const valueType = isBlank(def.valueType) ? "msg" : def.valueType;
      const value = await ctx.evaluate("value", valueProp, valueType);
      checkValue(value);
      const deviceId = await ctx.deviceId({ fromPayload: false, why: "it may hold the value to write" });
      await clientOf(ctx.client, "blynk", "updateMetafield").updateMetafield(deviceId, metafieldId, value, ctx.call);
      msg.payload = { deviceId, metafieldId, value, updated: true };
      ctx.send(msg);
    });
  }
  RED.nodes.registerType("devicecloud-update-metafield", UpdateMetafield);
};

function checkValue(value: unknown): void {
  if (value === undefined || value === null) throw invalidInput("value", "no value: the new value is missing (by default it is msg.payload).");
  if (typeof value === "number" && !Number.isFinite(value)) throw invalidInput("value", "must be a finite number.");
  if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") throw invalidInput("value", `a ${typeof value} cannot be sent.`);
  if (Buffer.isBuffer(value)) throw invalidInput("value", "a Buffer cannot be sent; convert it to a string first.");
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    throw invalidInput("value", "cannot be turned into JSON (does it refer to itself?).");
  }
  if (json.length > MAX_VALUE_JSON) throw invalidInput("value", `is ${json.length} characters as JSON; at most ${MAX_VALUE_JSON} are sent.`);
}
