/** Sending a listing as list devices and list sites do: one array, one message per page, or one per item. */
import type { NodeAPI, NodeMessageParts } from "node-red";
import { invalidInput, type ListOptions, type Page } from "../api";
import { isBlank, type InputContext, type Msg } from "./pipeline";
import type { FlowNodeDef } from "./types";

type SplitParts = NodeMessageParts & { type: "array"; len: number; parts?: unknown };

export type OutputMode = "array" | "page" | "device";

export interface ListSettings {
  output: OutputMode;
  max: number;
  query: string | undefined;
}

/** Reads output, max and query (the node's, else msg.query) and checks them before any request. */
export function listSettings(def: FlowNodeDef, msg: Msg): ListSettings {
  const outputRaw = def.output === undefined || def.output === "" ? "array" : def.output;
  if (outputRaw !== "array" && outputRaw !== "page" && outputRaw !== "device") {
    throw invalidInput("output", `must be "array", "page" or "device", got ${JSON.stringify(String(outputRaw)).slice(0, 40)}.`);
  }
  const maxRaw = def.max === undefined || def.max === "" ? 0 : Number(def.max);
  if (!Number.isInteger(maxRaw) || maxRaw < 0) {
    throw invalidInput("max", `must be a whole number of 0 or more (0 = all), got ${JSON.stringify(String(def.max)).slice(0, 40)}.`);
  }
  let query: string | undefined;
  if (!isBlank(def.query)) query = String(def.query).trim();
  else if (!isBlank(msg.query)) {
    if (typeof msg.query !== "string" && typeof msg.query !== "number") {
      throw invalidInput("query", "msg.query must be a string (Blynk search text, Flatpeak reference_id).");
    }
    query = String(msg.query).trim();
  }
  return { output: outputRaw, max: maxRaw, query };
}

/** Each page, told to the status as it arrives ("page 3 of 100"). */
async function* withProgress(ctx: InputContext, pages: AsyncGenerator<Page>): AsyncGenerator<Page> {
  for await (const page of pages) {
    ctx.progress(page.index + 1, page.pages);
    yield page;
  }
}

/**
 * Runs a listing and sends it. In "page" and "device" modes each message carries msg.parts as the split node
 * sets it (type "array", id, index, and count on the last message), so a join node in automatic mode rebuilds
 * the array; the last page or item is held back until the listing is known to be over, so it always carries the
 * count. Each message is a copy of the input without its payload: the incoming payload is never copied per item.
 */
export async function sendListing(
  RED: NodeAPI,
  ctx: InputContext,
  settings: ListSettings,
  list: (opts: ListOptions) => AsyncGenerator<Page>,
): Promise<void> {
  const { msg } = ctx;
  const pages = withProgress(ctx, list({ ...ctx.call, query: settings.query, max: settings.max }));
  if (settings.output === "array") {
    const items: unknown[] = [];
    let total: number | undefined;
    for await (const page of pages) {
      for (const item of page.items) items.push(item);
      if (page.total !== undefined) total = page.total;
    }
    msg.payload = items;
    msg.count = items.length;
    if (total !== undefined) msg.total = total;
    ctx.send(msg);
    return;
  }
  const partsId = RED.util.generateId();
  const outer = msg.parts;
  /** msg.parts as the split node sets it; an incoming msg.parts is kept inside, as split does. */
  const parts = (index: number, len: number, count?: number): NodeMessageParts => {
    const p: SplitParts = { id: partsId, type: "array", index, len };
    if (count !== undefined) p.count = count;
    if (outer !== undefined) p.parts = outer;
    return p;
  };
  // Each message goes out once the next one is known to exist, so that the last one carries the count.
  const sendHeld = settings.output === "page" ? sendPage : sendItem;
  let held: { payload: unknown; index: number; total?: number } | undefined;
  let index = 0;
  let pageSize = 2;
  function sendPage(h: NonNullable<typeof held>, count?: number) {
    const m = ctx.cloneWithoutPayload();
    const items = h.payload as unknown[];
    // len > 1 tells the join node to concatenate the pages' arrays rather than nest them.
    pageSize = Math.max(pageSize, items.length);
    m.payload = items;
    m.count = items.length;
    if (h.total !== undefined) m.total = h.total;
    m.parts = parts(h.index, pageSize, count);
    ctx.send(m);
  }
  function sendItem(h: NonNullable<typeof held>, count?: number) {
    const m = ctx.cloneWithoutPayload();
    m.payload = h.payload;
    m.count = 1;
    if (h.total !== undefined) m.total = h.total;
    m.parts = parts(h.index, 1, count);
    ctx.send(m);
  }
  for await (const page of pages) {
    const units = settings.output === "page" ? [page.items] : page.items;
    for (const payload of units) {
      if (held) sendHeld(held);
      held = { payload, index: index++, total: page.total };
    }
  }
  if (held) sendHeld(held, held.index + 1);
}
