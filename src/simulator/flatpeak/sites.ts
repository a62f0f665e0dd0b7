/**
 * The sites room (seed 003; flatpeak.md §3.2): `GET /sites` and `GET /sites/{id}`, read-only, from busbar on
 * (an older release answers 404, as a path it does not have). Each site embeds summaries of its devices.
 */
import { qp, type RouteMatch, type SimRequest, type SimResponse } from "../common";
import { notFound } from "./answers";
import type { FlatpeakFleet, FlatpeakSite } from "./fleet";
import { cursorPage, listAnswer } from "./paging";
import { pathParam, versionedRoute, type FlatpeakPrincipal, type FlatpeakRoom } from "./room";

export class SitesRoom implements FlatpeakRoom {
  constructor(private readonly fleet: FlatpeakFleet) {}

  match(path: string): RouteMatch<FlatpeakPrincipal> | null {
    if (path === "/sites") return versionedRoute("/sites", [], { GET: (r, p) => this.list(r, p) }, "busbar");
    const m = /^\/sites\/([^/]+)$/.exec(path);
    if (m) return versionedRoute("/sites/{id}", [pathParam(m[1])], { GET: (r, p) => this.get(r, p) }, "busbar");
    return null;
  }

  private render(s: FlatpeakSite, p: FlatpeakPrincipal): Record<string, unknown> {
    return {
      id: s.id,
      object: "site",
      live_mode: p.live,
      reference_id: s.reference_id,
      status: s.status,
      devices: this.fleet.siteDevices(s.id),
      time_created: s.time_created,
      account_id: p.accountId,
    };
  }

  private list(req: SimRequest, p: FlatpeakPrincipal): SimResponse {
    const ref = qp(req.query, "reference_id");
    const sites = this.fleet.sites;
    const list = ref === undefined ? sites : sites.filter((s) => s.reference_id === ref);
    const pg = cursorPage(req, p.live, "api.site_list", list, (id) => this.fleet.siteRankOf(id), "site");
    if ("status" in pg) return pg;
    return listAnswer("/sites", pg, (s) => this.render(s, p));
  }

  private get(req: SimRequest, p: FlatpeakPrincipal): SimResponse {
    const i = this.fleet.siteRankOf(req.params[0]);
    const site = i === undefined ? undefined : this.fleet.siteAt(i);
    return site ? { status: 200, body: this.render(site, p) } : notFound();
  }
}
