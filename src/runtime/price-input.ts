/**
 * What `devicecloud-prices` and `devicecloud-price-slots` read from their properties and the message: the
 * location, the period and the direction. Every check happens here or in the client, before any request.
 */
import { clientOf, describe, invalidInput, MAX_PRICE_DAYS, type FlatpeakClient, type Operation, type PriceDirection } from "../api";
import { isBlank, type InputContext } from "./pipeline";
import type { FlowNodeDef } from "./types";

/** The account's client as a Flatpeak client (the pipeline has already refused other clouds). */
export function flatpeakOf(ctx: InputContext, op: Operation): FlatpeakClient {
  return clientOf(ctx.client, "flatpeak", op);
}

/**
 * The location from the locationId TypedInput (default msg.locationId); else msg.payload if it is a string,
 * msg.payload.location_id, or the first of a device's msg.payload.locations (so get device → prices works).
 */
export async function resolveLocation(ctx: InputContext, def: FlowNodeDef): Promise<string> {
  const value = def.locationId === undefined ? "locationId" : def.locationId;
  const type = isBlank(def.locationIdType) ? "msg" : def.locationIdType;
  let id: unknown = isBlank(value) ? undefined : await ctx.evaluate("locationId", value, type);
  if (isBlank(id)) {
    const p = ctx.msg.payload;
    if (typeof p === "string") id = p;
    else if (p && typeof p === "object" && !Array.isArray(p) && !Buffer.isBuffer(p)) {
      const o = p as Record<string, unknown>;
      id = !isBlank(o.location_id) ? o.location_id : Array.isArray(o.locations) ? o.locations[0] : undefined;
    }
  }
  if (isBlank(id)) {
    throw invalidInput(
      "locationId",
      "no location: set msg.locationId (or the node's Location), or send the id, an object with location_id, or a device with locations, in msg.payload.",
    );
  }
  return typeof id === "string" ? id.trim() : (id as string);
}

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** msg.start / msg.end: an ISO 8601 text with an offset, or milliseconds since 1970; undefined when absent. */
export function readTime(value: unknown, field: "start" | "end"): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  if (typeof value === "string" && OFFSET_TIME.test(value.trim())) {
    const t = Date.parse(value.trim());
    if (!Number.isNaN(t)) return t;
  }
  throw invalidInput(
    `msg.${field}`,
    `must be an ISO 8601 time with an offset (2026-03-29T07:00:00+01:00 or …Z) or milliseconds since 1970, got ${describe(value)}.`,
  );
}

/** The period: msg.start (default now) to msg.end (default start + hours). */
export function resolvePeriod(ctx: InputContext, def: FlowNodeDef, maxHours: number): { start: number; end: number } {
  const hours = isBlank(def.hours) ? 24 : Number(def.hours);
  if (!Number.isFinite(hours) || hours <= 0 || hours > maxHours) {
    throw invalidInput("hours", `must be a number of hours above 0 and at most ${maxHours}, got ${describe(def.hours)}.`);
  }
  const start = readTime(ctx.msg.start, "start") ?? Date.now();
  const end = readTime(ctx.msg.end, "end") ?? start + hours * 3_600_000;
  if (end <= start) throw invalidInput("msg.end", "the period must end after it starts.");
  if (end - start > MAX_PRICE_DAYS * 86_400_000) throw invalidInput("msg.end", `a period is at most ${MAX_PRICE_DAYS} days long.`);
  return { start, end };
}

export function resolveDirection(def: FlowNodeDef): PriceDirection {
  const d = isBlank(def.direction) ? "IMPORT" : def.direction;
  if (d !== "IMPORT" && d !== "EXPORT") throw invalidInput("direction", `must be "IMPORT" or "EXPORT", got ${describe(def.direction)}.`);
  return d;
}
