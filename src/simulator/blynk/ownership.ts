/** Ownership: transfer a device to a user or an organization, and remove its owner. */
import { jsonInt, type SimRequest, type SimResponse } from "../common";
import type { BlynkFleet } from "./fleet";
import { answers, bodyDevice, err, withDevice, type BlynkRoom } from "./http";
import { PREFIX } from "./model";

function transfer(req: SimRequest, f: BlynkFleet, kind: "owner" | "org" | "either"): SimResponse {
  const got = bodyDevice(req);
  if ("status" in got) return got;
  const { body, id } = got;
  const hasUser = body.newUserId !== undefined && body.newUserId !== null;
  const toOwner = kind === "owner" || (kind === "either" && hasUser);
  const target = jsonInt(toOwner ? body.newUserId : body.newOrgId);
  if (target === undefined) return answers.invalidBody();
  const d = f.byId.get(id);
  if (!d) return answers.notFoundDevice(id);
  if (toOwner) {
    const u = f.userById.get(target);
    if (!u) return answers.userNotFound();
    if (d.ownerUserId === u.id) return err(400, "Can't transfer to the same owner.");
    d.ownerUserId = u.id;
    d.orgId = u.orgId;
  } else {
    if (!f.inTree(target)) return err(404, "Destination organization is not found or you don't have access to it.");
    if (d.orgId === target) return err(400, "Can't transfer to the same organization.");
    d.orgId = target;
  }
  f.change();
  return { status: 204 };
}

export const ownershipRoom: BlynkRoom = [
  { method: "POST", path: `${PREFIX}/device/transfer/to-owner`, handle: (req, _p, f) => transfer(req, f, "owner") },
  { method: "POST", path: `${PREFIX}/device/transfer/to-organization`, handle: (req, _p, f) => transfer(req, f, "org") },
  { method: "POST", path: `${PREFIX}/device/transfer`, handle: (req, _p, f) => transfer(req, f, "either") },
  {
    method: "DELETE",
    path: `${PREFIX}/device/owner`,
    handle: (req, _p, f) =>
      withDevice(f, req, (d) => {
        d.ownerUserId = undefined;
        f.change();
        return { status: 204 };
      }),
  },
];
