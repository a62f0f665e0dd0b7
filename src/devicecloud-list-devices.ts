/**
 * `devicecloud-list-devices`: every device of the account (Blynk search text or Flatpeak reference_id filter);
 * on Blynk also the devices of an owner or of a user's organization (by email), the devices activated in the last
 * 1 to 60 minutes, sub-organizations included on request, a (sub-)organization chosen (`orgId`), and search
 * results sorted.
 */
import type { Node, NodeAPI } from "node-red";
import { invalidInput } from "./api/errors";
import * as fleet from "./api/fleet";
import { describe } from "./api";
import { listSettings, sendListing } from "./runtime/list-output";
import { isBlank, setupFlowNode, type InputContext } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

export = function (RED: NodeAPI): void {
  function ListDevices(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "listDevices", async (ctx) => {
      const settings = listSettings(def, ctx.msg);
      const more = await fleetOptions(def, ctx);
      await sendListing(RED, ctx, settings, (opts) => fleet.listFleet(ctx.client, { ...opts, ...more }));
    });
  }
  RED.nodes.registerType("devicecloud-list-devices", ListDevices);
};

/** The Blynk listing properties; each missing one keeps the behaviour from before they existed (every device). */
async function fleetOptions(def: FlowNodeDef, ctx: InputContext): Promise<fleet.FleetListOptions> {
  const by = (isBlank(def.listBy) ? "all" : String(def.listBy)) as fleet.ListBy;
  if (!fleet.LIST_BY.includes(by)) throw invalidInput("listBy", `must be one of ${fleet.LIST_BY.join(", ")}, got ${describe(def.listBy)}.`);
  if (ctx.client.provider !== "blynk") {
    if (by !== "all") return { by }; // listFleet answers UNSUPPORTED before anything is sent
    return {};
  }
  const out: fleet.FleetListOptions = { by };
  out.sortBy = fleet.checkSortBy(isBlank(def.sortBy) ? undefined : def.sortBy);
  out.sortOrder = fleet.checkSortOrder(isBlank(def.sortOrder) ? undefined : def.sortOrder);
  out.includeSubOrgs = def.includeSubOrgs === true || def.includeSubOrgs === "true";
  if (by === "owner" || by === "userOrg") {
    const raw = isBlank(def.email) ? ctx.msg.email : await ctx.evaluate("email", def.email, isBlank(def.emailType) ? "str" : def.emailType);
    if (isBlank(raw)) throw invalidInput("email", `no email address: set it in the node or in msg.email.`);
    out.email = fleet.checkEmail(raw, "email");
  }
  if (by === "activated") out.minutes = fleet.checkMinutes(isBlank(def.minutes) ? 5 : def.minutes, "minutes");
  const org = isBlank(def.orgId) ? ctx.msg.orgId : await ctx.evaluate("orgId", def.orgId, isBlank(def.orgIdType) ? "num" : def.orgIdType);
  if (!isBlank(org)) out.orgId = fleet.checkOrgId(org, "orgId");
  return out;
}
