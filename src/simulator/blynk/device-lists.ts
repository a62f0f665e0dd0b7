/** Device lists: the org's devices, a search, an owner's devices, a user's org's devices, the last activated. */
import { parseInt32, qp, type SimRequest, type SimResponse } from "../common";
import type { BlynkFleet } from "./fleet";
import { answers, emailParam, err, orgParam, paged, paging, type BlynkRoom } from "./http";
import { MIN, PREFIX, type BlynkDevice, type BlynkPrincipal } from "./model";

const SORT_KEYS: Record<string, string> = {
  deviceid: "id",
  id: "id",
  name: "name",
  activatedat: "activatedAt",
  ownerid: "ownerUserId",
  owneruserid: "ownerUserId",
  organizationid: "orgId",
  orgid: "orgId",
  templateid: "templateId",
  authtoken: "token",
  token: "token",
  lastreportedat: "lastReceivedEventAt",
  lastreceivedeventat: "lastReceivedEventAt",
  deviceowner: "ownerEmail",
  owneremail: "ownerEmail",
  activatedby: "ownerEmail",
  deviceownername: "ownerName",
  templatename: "templateName",
  model: "model",
  firmwareversion: "firmwareVersion",
  status: "status",
};

function list(req: SimRequest, p: BlynkPrincipal, f: BlynkFleet): SimResponse {
  const org = orgParam(f, req, p);
  if (typeof org !== "number") return org;
  const raw = qp(req.query, "includeSubOrgDevices");
  let includeSub = false;
  if (raw !== undefined) {
    if (!/^(true|false)$/i.test(raw)) return err(400, "Include sub-organization devices flag. Should be true or false");
    includeSub = raw.toLowerCase() === "true";
  }
  return paged(req, f.orgDevices(org, includeSub), (d) => f.listItem(d));
}

function search(req: SimRequest, p: BlynkPrincipal, f: BlynkFleet): SimResponse {
  const query = qp(req.query, "query");
  if (query === undefined) return err(400, "Search query is required.");
  if (query.length > 255) return err(400, "Search query is too long. Maximum length is 255 symbols.");
  const sortRaw = qp(req.query, "sortBy");
  const sortKey = sortRaw === undefined ? "id" : SORT_KEYS[sortRaw.replace(/[\s_]/g, "").toLowerCase()];
  if (!sortKey) return err(400, `Sort field '${sortRaw}' is not supported.`);
  const orderRaw = qp(req.query, "sortOrder") ?? "ASC";
  if (!/^(asc|desc)$/i.test(orderRaw)) return err(400, "Sort order should be ASC or DESC.");
  const desc = orderRaw.toUpperCase() === "DESC";
  const pg = paging(req);
  if ("status" in pg) return pg;
  const result = f.cachedSearch(`${p.orgId}\u0000${query.toLowerCase()}\u0000${sortKey}\u0000${desc}`, () => {
    const q = query.toLowerCase();
    const asId = /^\d+$/.test(query) ? Number(query) : NaN;
    const found = f.orgDevices(p.orgId, false).filter((d) => d.id === asId || d.name.toLowerCase().includes(q));
    if (sortKey === "id" && !desc) return found;
    const dir = desc ? -1 : 1;
    const keyed = found.map((d) => ({ d, k: sortValue(f, d, sortKey) }));
    keyed.sort((a, b) => (a.k < b.k ? -dir : a.k > b.k ? dir : a.d.id - b.d.id));
    return keyed.map((x) => x.d);
  });
  const from = pg.page * pg.size;
  return { status: 200, body: { content: result.slice(from, from + pg.size).map((d) => f.listItem(d)), totalElements: result.length } };
}

function sortValue(f: BlynkFleet, d: BlynkDevice, key: string): string | number {
  const owner = f.userOf(d.ownerUserId);
  switch (key) {
    case "name":
      return d.name.toLowerCase();
    case "ownerUserId":
      return d.ownerUserId ?? -1;
    case "ownerEmail":
      return owner?.email ?? "";
    case "ownerName":
      return owner?.name.toLowerCase() ?? "";
    case "templateName":
      return f.templateById.get(d.templateId)?.name ?? "";
    case "model":
      return d.hardwareInfo?.boardType ?? "";
    case "firmwareVersion":
      return d.hardwareInfo?.version ?? "";
    case "status":
      return d.lifecycleStatus.name;
    case "token":
      return d.token;
    default:
      return (d as unknown as Record<string, number>)[key];
  }
}

function byOwnerEmail(req: SimRequest, p: BlynkPrincipal, f: BlynkFleet): SimResponse {
  const email = emailParam(req, "ownerEmail", "Owner email");
  if (typeof email !== "string") return email;
  const orgRaw = qp(req.query, "orgId");
  const org = orgRaw === undefined ? undefined : orgParam(f, req, p);
  if (org !== undefined && typeof org !== "number") return org;
  const pg = paging(req);
  if ("status" in pg) return pg;
  const u = f.userByEmail.get(email);
  if (!u) return answers.userNotFound();
  const owned = f.ownedBy(u.id);
  return paged(req, org === undefined ? owned : owned.filter((d) => d.orgId === org), (d) => f.listItem(d));
}

function byUserOrg(req: SimRequest, f: BlynkFleet): SimResponse {
  const email = emailParam(req, "userEmail", "User email");
  if (typeof email !== "string") return email;
  const pg = paging(req);
  if ("status" in pg) return pg;
  const u = f.userByEmail.get(email);
  return paged(req, u ? f.orgDevices(u.orgId, false) : [], (d) => f.listItem(d));
}

function lastActivated(req: SimRequest, p: BlynkPrincipal, f: BlynkFleet): SimResponse {
  const org = orgParam(f, req, p);
  if (typeof org !== "number") return org;
  const raw = qp(req.query, "minutes");
  const minutes = raw === undefined ? 5 : parseInt32(raw);
  if (minutes === undefined || minutes < 1 || minutes > 60) return err(400, "Minutes. Should be a valid integer from 1 to 60");
  const since = req.now - minutes * MIN;
  const found = f.orgDevices(org, false).filter((d) => d.activatedAt >= since && d.activatedAt <= req.now);
  found.sort((a, b) => b.activatedAt - a.activatedAt || b.id - a.id);
  const body = found.map((d) => {
    const o: Record<string, unknown> = { id: d.id, orgId: d.orgId, templateId: d.templateId };
    if (d.ownerUserId !== undefined) o.ownerUserId = d.ownerUserId;
    o.activatedAt = d.activatedAt;
    return o;
  });
  return { status: 200, body };
}

export const deviceListsRoom: BlynkRoom = [
  { method: "GET", path: `${PREFIX}/devices`, handle: list },
  { method: "GET", path: `${PREFIX}/search/devices`, handle: search },
  { method: "GET", path: `${PREFIX}/device/by-owner`, handle: byOwnerEmail },
  { method: "GET", path: `${PREFIX}/device/by-user-org`, handle: (req, _p, f) => byUserOrg(req, f) },
  { method: "GET", path: `${PREFIX}/device/last-activated`, handle: lastActivated },
];
