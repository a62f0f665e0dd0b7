/**
 * The prices room (flatpeak-prices.ts: locations, price series, slots) registered like every other room: its
 * routes run after the version checks, in the release in force, which the room reads from Flatpeak-Version.
 */
import type { RouteMatch, SimRequest } from "../common";
import { FlatpeakPriceRoom } from "../flatpeak-prices";
import { notFound, rich } from "./answers";
import type { FlatpeakFleet } from "./fleet";
import { cursorPage } from "./paging";
import { versionedRoute, type FlatpeakHandler, type FlatpeakPrincipal, type FlatpeakRoom } from "./room";

export class PricesRoom implements FlatpeakRoom {
  private readonly room: FlatpeakPriceRoom;

  constructor(fleet: FlatpeakFleet) {
    this.room = new FlatpeakPriceRoom({
      locationIds: () => fleet.locationIds(),
      hasLocation: (id) => fleet.locationIds().includes(id),
      devicesAt: (id) => fleet.devicesAt(id).map((d) => d.id),
      rich,
      notFound,
      page: (req, who, context, list, rankOf, noun) => cursorPage(req, who.live, context, list, rankOf, noun),
    });
  }

  match(path: string): RouteMatch<FlatpeakPrincipal> | null {
    const m = this.room.match(path);
    if (!m) return null;
    const handlers: Record<string, FlatpeakHandler> = {};
    for (const [method, fn] of Object.entries(m.handlers)) {
      // An account's default applies without a header: the room is told the release in force through it.
      handlers[method] = (req, p, release) => fn({ ...req, headers: { ...req.headers, "flatpeak-version": release.version } } as SimRequest, p);
    }
    return versionedRoute(m.pattern, m.params, handlers);
  }
}
