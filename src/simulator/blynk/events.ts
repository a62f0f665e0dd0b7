/** Events: trigger one of the template's events on a device (it lands at the top of the timeline). */
import type { SimRequest, SimResponse } from "../common";
import type { BlynkFleet } from "./fleet";
import { answers, bodyDevice, err, type BlynkRoom } from "./http";
import { PREFIX } from "./model";

/** The event code and description of a trigger body, or the answer to give instead. */
function checkEvent(body: Record<string, unknown>): { code: string; desc: unknown } | SimResponse {
  const code = body.eventCode;
  if (code === undefined || code === null || code === "") return err(400, "Event code is not provided.");
  if (typeof code !== "string") return answers.invalidBody();
  if (code.length > 50) return err(400, "Event code is too long. Maximum length is 50 symbols.");
  const desc = body.eventDescription;
  if (desc !== undefined && desc !== null && typeof desc !== "string") return answers.invalidBody();
  if (typeof desc === "string" && desc.length > 300) return err(400, "Event description is too long. Maximum length is 300 symbols.");
  return { code, desc };
}

function triggerEvent(req: SimRequest, f: BlynkFleet): SimResponse {
  const got = bodyDevice(req);
  if ("status" in got) return got;
  const ev = checkEvent(got.body);
  if ("status" in ev) return ev;
  const d = f.byId.get(got.id);
  if (!d) return answers.notFoundDevice(got.id);
  const def = f.templateOf(d).events.find((e) => e.code === ev.code);
  if (!def) return err(404, "Event with provided code is not found.");
  const tl = f.timeline(d);
  tl.events.unshift({
    id: d.id * 100000 + tl.next++,
    eventId: def.id,
    orgId: d.orgId,
    eventType: def.type,
    description: typeof ev.desc === "string" && ev.desc !== "" ? ev.desc : def.description,
    ts: req.now,
    isResolved: false,
    resolvedAt: null,
    resolvedComment: null,
  });
  return { status: 204 };
}

export const eventsRoom: BlynkRoom = [{ method: "POST", path: `${PREFIX}/device/trigger-event`, handle: (req, _p, f) => triggerEvent(req, f) }];
