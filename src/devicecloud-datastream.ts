/**
 * `devicecloud-datastream` (Blynk): writes one or several datastream values of a device, reads them, or reads the
 * history of one, through the organization's Platform API (no device token).
 */
import type { Node, NodeAPI } from "node-red";
import { clientOf, describe, invalidInput, parseDatastream, type BlynkClient, type DatastreamRef } from "./api";
import { isBlank, setupFlowNode, type InputContext } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

const ACTIONS = ["write", "read", "history"] as const;
type Action = (typeof ACTIONS)[number];
/** A template has at most 1000 datastreams (Enterprise); a write of more names some twice or none at all. */
const MAX_VALUES = 1000;

export = function (RED: NodeAPI): void {
  function Datastream(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "datastream", async (ctx) => {
      const action = (isBlank(def.action) ? "write" : String(def.action)) as Action;
      if (!ACTIONS.includes(action)) throw invalidInput("action", `must be "write", "read" or "history", got ${describe(def.action)}.`);
      const ref = await datastreamOf(ctx, def);
      const client = clientOf(ctx.client, "blynk", "datastream");
      const { msg } = ctx;
      if (action === "write") {
        msg.payload = await write(ctx, client, def, ref);
      } else if (action === "read") {
        const deviceId = await ctx.deviceId();
        const readings = await client.readDatastreams(deviceId, ref, ctx.call);
        msg.payload = ref ? readings[0].value : readings;
      } else {
        if (!ref) throw invalidInput("datastream", "history needs a datastream: set it in the node or in msg.datastream (V5 or an id).");
        const deviceId = await ctx.deviceId();
        const history = await client.datastreamHistory(deviceId, ref, { from: msg.from, to: msg.to }, ctx.call);
        msg.payload = history.points;
      }
      ctx.send(msg);
    });
  }
  RED.nodes.registerType("devicecloud-datastream", Datastream);
};

/** The node's datastream (a number is an id, `V5` a pin); blank: msg.datastream; neither: undefined. */
async function datastreamOf(ctx: InputContext, def: FlowNodeDef): Promise<DatastreamRef | undefined> {
  const type = isBlank(def.datastreamType) ? "num" : def.datastreamType;
  const raw = isBlank(def.datastream) ? ctx.msg.datastream : await ctx.evaluate("datastream", def.datastream, type);
  return isBlank(raw) ? undefined : parseDatastream(raw);
}

/** One value to one datastream, or, with none named, an object of values keyed by pin or id in one request. */
async function write(ctx: InputContext, client: BlynkClient, def: FlowNodeDef, ref: DatastreamRef | undefined) {
  const valueProp = def.value === undefined ? "payload" : def.value;
  const valueType = isBlank(def.valueType) ? "msg" : def.valueType;
  const value = await ctx.evaluate("value", valueProp, valueType);
  if (value === undefined || value === null) throw invalidInput("value", "no value: the value to write is missing (by default it is msg.payload).");
  if (ref) {
    const deviceId = await ctx.deviceId({ fromPayload: false, why: "it holds the value to write" });
    const done = await client.writeDatastream(deviceId, ref, value, ctx.call);
    return { deviceId, datastreamId: done.datastream.id, value: done.value, written: true };
  }
  if (typeof value !== "object" || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw invalidInput("datastream", 'no datastream: set it in the node or in msg.datastream, or write several with an object value ({"V1": 21.5, "V2": "on"}).');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) throw invalidInput("value", "an object of values to write is empty.");
  if (entries.length > MAX_VALUES) throw invalidInput("value", `holds ${entries.length} values; at most ${MAX_VALUES} are written at once.`);
  const values = entries.map(([key, v]) => [parseDatastream(key, `value.${key}`), v, `value.${key}`] as [DatastreamRef, unknown, string]);
  const deviceId = await ctx.deviceId({ fromPayload: false, why: "it holds the value to write" });
  const done = await client.writeDatastreams(deviceId, values, ctx.call);
  return { deviceId, datastreams: done.map((w) => ({ datastreamId: w.datastream.id, pin: w.datastream.pin, value: w.value })), written: true };
}
