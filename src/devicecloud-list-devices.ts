/**
 * `devicecloud-list-devices`: every device of the account (Blynk search text or Flatpeak reference_id filter);
 * on Blynk also the devices of an owner or of a user's organization (by email), the devices activated in the last
 * 1 to 60 minutes, sub-organizations included on request, a (sub-)organization chosen (`orgId`), and search
 * results sorted.
 */
import type { Node, NodeAPI } from "node-red";
import { checks, invalidInput, type DeviceListOptions } from "./api";
import { listSettings, sendListing } from "./runtime/list-output";
import { isBlank, setupFlowNode, type InputContext } from "./runtime/pipeline";
import type { FlowNodeDef } from "./runtime/types";

export = function (RED: NodeAPI): void {
  function ListDevices(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    setupFlowNode(RED, this, def, "listDevices", async (ctx) => {
      const settings = listSettings(def, ctx.msg);
      const more = await fleetOptions(def, ctx);
      await sendListing(RED, ctx, settings, (opts) => ctx.client.listDevices({ ...opts, ...more }));
    });
  }
  RED.nodes.registerType("devicecloud-list-devices", ListDevices);
};

/** The Blynk listing properties; each missing one keeps the behaviour from before they existed (every device). */
async function fleetOptions(def: FlowNodeDef, ctx: InputContext): Promise<DeviceListOptions> {
  const by = checks.checkListBy(isBlank(def.listBy) ? "all" : def.listBy);
  if (ctx.client.provider !== "blynk") {
    if (by !== "all") return { by }; // the client answers UNSUPPORTED before anything is sent
    return {};
  }
  const out: DeviceListOptions = { by };
  out.sortBy = checks.checkSortBy(isBlank(def.sortBy) ? undefined : def.sortBy);
  out.sortOrder = checks.checkSortOrder(isBlank(def.sortOrder) ? undefined : def.sortOrder);
  out.includeSubOrgs = def.includeSubOrgs === true || def.includeSubOrgs === "true";
  if (by === "owner" || by === "userOrg") {
    const raw = isBlank(def.email) ? ctx.msg.email : await ctx.evaluate("email", def.email, isBlank(def.emailType) ? "str" : def.emailType);
    if (isBlank(raw)) throw invalidInput("email", `no email address: set it in the node or in msg.email.`);
    out.email = checks.checkEmail(raw, "email");
  }
  if (by === "activated") out.minutes = checks.checkMinutes(isBlank(def.minutes) ? 5 : def.minutes, "minutes");
  const org = isBlank(def.orgId) ? ctx.msg.orgId : await ctx.evaluate("orgId", def.orgId, isBlank(def.orgIdType) ? "num" : def.orgIdType);
  if (!isBlank(org)) out.orgId = checks.checkOrgId(org, "orgId");
  return out;
}
