/**
 * The Blynk half of the simulator: a seeded organization (a main org and one or two sub-orgs, their users, tags
 * and devices of six templates), the OAuth2 token endpoint, and every operation of the Platform API's Devices
 * page. Ids travel in query parameters, lists are {content, totalElements}, errors {"error":{"message"}}.
 * Each resource is a room (a module of routes); ROOMS registers them.
 */
import type { SimCloud } from "../cloud";
import { routeTable } from "../rooms";
import { authRoom, authenticate } from "./auth";
import { deviceListsRoom } from "./device-lists";
import { datastreamsRoom } from "./datastreams";
import { devicesRoom } from "./devices";
import { eventsRoom } from "./events";
import { BlynkFleet } from "./fleet";
import { historyRoom } from "./history";
import { answers, err, type BlynkRoom } from "./http";
import { metafieldsRoom } from "./metafields";
import type { BlynkHooks, BlynkOptions, BlynkPrincipal } from "./model";
import { organizationRoom } from "./organization";
import { ownershipRoom } from "./ownership";
import { tagsRoom } from "./tags";

export { BlynkFleet } from "./fleet";
export { BLYNK_DEMO } from "./model";
export type { BlynkDevice, BlynkOrg, BlynkUser, BlynkTag, BlynkPrincipal, TimelineEvent, LogEntry, HardwareInfo } from "./model";

const ROOMS: readonly BlynkRoom[] = [authRoom, organizationRoom, devicesRoom, deviceListsRoom, ownershipRoom, metafieldsRoom, tagsRoom, historyRoom, eventsRoom, datastreamsRoom];

/** The Blynk cloud the server serves: the fleet, its rooms, and its answers. */
export function blynkCloud(opts: BlynkOptions, hooks: BlynkHooks): { fleet: BlynkFleet; cloud: SimCloud<BlynkPrincipal> } {
  const fleet = new BlynkFleet(opts, hooks);
  const match = routeTable(fleet, ROOMS);
  const cloud: SimCloud<BlynkPrincipal> = {
    name: "blynk",
    owns: (path) => path.startsWith("/api/") || path.startsWith("/oauth2/"),
    match,
    authenticate: (req) => authenticate(fleet, req),
    rateAccount: (p) => `org:${p.orgId}`,
    finalize: (r) => r,
    errors: {
      forStatus: answers.forStatus,
      notFound: answers.notFoundRoute,
      methodNotAllowed: (_method, _pattern, allow) => answers.methodNotAllowed(allow),
      rateLimited: answers.rateLimited,
      tooLarge: (message) => err(413, message),
      internal: () => answers.forStatus(500, false),
    },
  };
  return { fleet, cloud };
}
