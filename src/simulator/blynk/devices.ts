/** Devices: get one (full or base info), whether it is online, create, rename and delete. */
import { jsonInt, qp, type SimRequest, type SimResponse } from "../common";
import type { BlynkFleet } from "./fleet";
import { defaultMeta, blankDevice } from "./generate";
import { answers, deviceIdParam, err, jsonBody, nameError, withDevice, type BlynkRoom } from "./http";
import { PREFIX, type BlynkPrincipal } from "./model";

function rename(req: SimRequest, f: BlynkFleet): SimResponse {
  const id = deviceIdParam(req);
  if (typeof id !== "number") return id;
  const body = jsonBody(req);
  if (!body) return answers.invalidBody();
  const bad = nameError(body.name);
  if (bad) return bad;
  const d = f.byId.get(id);
  if (!d) return answers.notFoundDevice(id);
  d.name = body.name as string;
  f.change();
  return { status: 200, body: f.baseInfo(d) };
}

/** The optional orgId and ownerId of a create body: numbers, undefined when absent, or null when malformed. */
function optionalIds(body: Record<string, unknown>, p: BlynkPrincipal): { orgId: number; ownerId: number | undefined } | null {
  let orgId = p.orgId;
  if (body.orgId !== undefined && body.orgId !== null) {
    const o = jsonInt(body.orgId);
    if (o === undefined) return null;
    orgId = o;
  }
  let ownerId: number | undefined;
  if (body.ownerId !== undefined && body.ownerId !== null) {
    ownerId = jsonInt(body.ownerId);
    if (ownerId === undefined) return null;
  }
  return { orgId, ownerId };
}

function create(req: SimRequest, p: BlynkPrincipal, f: BlynkFleet): SimResponse {
  const body = jsonBody(req);
  if (!body) return answers.invalidBody();
  if (typeof body.templateId !== "string" || body.templateId === "") return err(400, "Template ID is required.");
  const bad = nameError(body.name);
  if (bad) return bad;
  const ids = optionalIds(body, p);
  if (!ids) return answers.invalidBody();
  const t = f.templateByString.get(body.templateId);
  if (!t) return err(404, "Template is not found.");
  if (!f.inTree(ids.orgId)) return answers.orgNotFound();
  if (ids.ownerId !== undefined && !f.userById.has(ids.ownerId)) return answers.userNotFound();
  const flag = qp(req.query, "baseInfoOnly") ?? (body.baseInfoOnly === undefined ? undefined : String(body.baseInfoOnly));
  const d = blankDevice(++f.lastId, body.name as string, t, ids.orgId, f.runtimeRng.chars64(32), req.now);
  d.ownerUserId = ids.ownerId;
  d.metaValues = t.metaFields.map((m) => defaultMeta(m, t, null));
  d.dsValues = t.dataStreams.map(() => null);
  f.addDevice(d);
  return { status: 201, body: flag === "true" ? f.baseInfo(d) : f.fullInfo(d) };
}

export const devicesRoom: BlynkRoom = [
  { method: "GET", path: `${PREFIX}/device`, handle: (req, _p, f) => withDevice(f, req, (d) => ({ status: 200, body: f.fullInfo(d) })) },
  { method: "PUT", path: `${PREFIX}/device`, handle: (req, _p, f) => rename(req, f) },
  {
    method: "DELETE",
    path: `${PREFIX}/device`,
    handle: (req, _p, f) =>
      withDevice(f, req, (d) => {
        f.removeDevice(d);
        return { status: 204 };
      }),
  },
  { method: "GET", path: `${PREFIX}/device/baseInfo`, handle: (req, _p, f) => withDevice(f, req, (d) => ({ status: 200, body: f.baseInfo(d) })) },
  { method: "POST", path: `${PREFIX}/device/create`, handle: (req, p, f) => create(req, p, f) },
  { method: "GET", path: `${PREFIX}/device/online`, handle: (req, _p, f) => withDevice(f, req, (d) => ({ status: 200, body: { connected: d.connected } })) },
];
