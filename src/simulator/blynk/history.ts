/** History: a device's timeline (events) and user-actions log, and clearing its data. */
import { qp, type SimRequest, type SimResponse } from "../common";
import { BLYNK_EVENT_TYPES, type BlynkEventType } from "./templates";
import type { BlynkFleet } from "./fleet";
import { err, paged, withDevice, type BlynkRoom } from "./http";
import { PREFIX } from "./model";

function timelineOf(req: SimRequest, f: BlynkFleet): SimResponse {
  const raw = qp(req.query, "eventType");
  let type: BlynkEventType | undefined;
  if (raw !== undefined) {
    type = BLYNK_EVENT_TYPES.find((x) => x === raw.toUpperCase());
    if (!type) return err(400, `Event type '${raw}' is not valid. Use one of ${BLYNK_EVENT_TYPES.join(", ")}.`);
  }
  return withDevice(f, req, (d) => {
    const events = f.timeline(d).events;
    return paged(req, type ? events.filter((e) => e.eventType === type) : events, (e) => ({ ...e }));
  });
}

/** Clears the datastream values, the timeline and the log; the device keeps its settings and metafields. */
function clear(req: SimRequest, f: BlynkFleet): SimResponse {
  return withDevice(f, req, (d) => {
    d.dsValues = d.dsValues.map(() => null);
    d.dsUpdatedAt = 0;
    f.datastreams.forget(d.id);
    f.timeline(d).events = [];
    f.logs.set(d.id, []);
    return { status: 204 };
  });
}

export const historyRoom: BlynkRoom = [
  { method: "GET", path: `${PREFIX}/device/timeline`, handle: (req, _p, f) => timelineOf(req, f) },
  { method: "GET", path: `${PREFIX}/device/logs`, handle: (req, _p, f) => withDevice(f, req, (d) => paged(req, f.logsOf(d), (e) => ({ ...e }))) },
  { method: "DELETE", path: `${PREFIX}/device/clear`, handle: (req, _p, f) => clear(req, f) },
];
