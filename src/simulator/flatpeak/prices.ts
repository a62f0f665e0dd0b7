/**
 * The prices room (pricing.ts: locations, price series, slots) registered like every other room: its
 * routes run after the version checks, in the release in force. Yotta's prices are busbar's (no yotta price page
 * was found).
 */
import type { RouteMatch } from "../common";
import { FlatpeakPriceRoom } from "./pricing";
import { notFound, rich } from "./answers";
import type { FlatpeakFleet } from "./fleet";
import { cursorPage } from "./paging";
import { atLeast } from "./release";
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
      handlers[method] = (req, p, release) => fn(req, p, atLeast(release, "busbar") ? "busbar" : (release.name as "zero" | "anode"));
    }
    return versionedRoute(m.pattern, m.params, handlers);
  }
}
