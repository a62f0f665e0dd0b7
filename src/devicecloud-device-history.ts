/**
 * `devicecloud-device-history` (Blynk): reads, never changes, one device's timeline (optionally one event type),
 * actions log, tags or metafields. Sent as list devices sends devices: one array, one message per page or one
 * per entry, with msg.parts.
 */
import type { Node, NodeAPI } from "node-red";
import { checks, clientOf, describe, invalidInput, type ApiObject, type Page } from "./api";
import { sendListing, type OutputMode } from "./runtime/list-output";
import { isBlank, setupFlowNode } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

const WHAT = ["timeline", "logs", "tags", "metafields"] as const;
type What = (typeof WHAT)[number];

export = function (RED: NodeAPI): void {
  function DeviceHistory(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "deviceHistory", async (ctx) => {
      const { msg } = ctx;
      const client = clientOf(ctx.client, "blynk", "deviceHistory");
      const what = (isBlank(def.what) ? "timeline" : String(def.what)) as What;
      if (!WHAT.includes(what)) throw invalidInput("what", `must be one of ${WHAT.join(", ")}, got ${describe(def.what)}.`);
      const output = (isBlank(def.output) ? "array" : String(def.output)) as OutputMode;
      if (output !== "array" && output !== "page" && output !== "device") {
        throw invalidInput("output", `must be "array", "page" or "device" (one message per entry), got ${describe(def.output)}.`);
      }
      const max = isBlank(def.max) ? 0 : Number(def.max);
      if (!Number.isInteger(max) || max < 0) throw invalidInput("max", `must be a whole number of 0 or more (0 = all), got ${describe(def.max)}.`);
      let eventType: string | undefined;
      if (what === "timeline") {
        const raw = isBlank(def.eventType) ? msg.eventType : def.eventType;
        eventType = checks.checkEventType(raw);
      }
      const deviceId = await ctx.deviceId();
      await sendListing(RED, ctx, { output, max, query: undefined }, (opts) => {
        switch (what) {
          case "timeline":
            return client.deviceTimeline(deviceId, { ...opts, eventType });
          case "logs":
            return client.deviceLogs(deviceId, opts);
          case "tags":
            return onePage(() => client.deviceTags(deviceId, opts), max);
          case "metafields":
            return onePage(() => client.listMetafields(deviceId, opts), max);
        }
      });
    });
  }
  RED.nodes.registerType("devicecloud-device-history", DeviceHistory);
};

/** A short list the API answers at once (tags, metafields), as the one page of a listing. */
async function* onePage(read: () => Promise<ApiObject[]>, max: number): AsyncGenerator<Page> {
  const all = await read();
  const items = max > 0 ? all.slice(0, max) : all;
  yield { items, total: all.length, index: 0 };
}
