/**
 * Editor routes, registered once when the account module loads, each behind RED.auth.needsPermission:
 *   POST devicecloud/test                        "Test connection" (works before deploy; "__PWRD__" = stored secret)
 *   GET  devicecloud/accounts/:id/devices        one page of the account's devices for the picker
 *   GET  devicecloud/accounts/:id/metafields     the metafields of one device (Blynk)
 *   GET  devicecloud/accounts/:id/locations      one page of the account's locations, with its devices' (Flatpeak)
 *   GET  devicecloud/accounts/:id/datastreams    the datastreams of a device's template: id, pin, label, type (Blynk)
 *   GET  devicecloud/accounts/:id/events         the events of a device's template that have a code (Blynk)
 * Answers never carry a secret: only codes, messages, ids and names.
 */
import type { NodeAPI } from "node-red";
import type { Request, Response } from "express";
import { clientOf, DeviceCloudError, invalidInput, isCancelled, resolveBaseUrl, type AnyClient, type ApiObject } from "../api";
import { openClient, withEnvVars } from "./account-client";
import { type AccountCredentials, type AccountDef, type AccountNode } from "./types";

const STORED_PASSWORD = "__PWRD__";
/** The longest Test connection takes, whatever the account's timeout: then it answers TIMEOUT. */
export const TEST_DEADLINE_MS = 30_000;

/** A signal that aborts when the browser goes away before the answer (or, with `deadlineMs`, when that passes). */
function whileAsked(res: Response, deadlineMs?: number): { signal: AbortSignal; timedOut: () => boolean; done: () => void } {
  const stop = new AbortController();
  let expired = false;
  const timer = deadlineMs === undefined ? undefined : setTimeout(() => ((expired = true), stop.abort()), deadlineMs);
  const onClose = () => stop.abort();
  res.on("close", onClose);
  return {
    signal: stop.signal,
    timedOut: () => expired,
    done: () => {
      clearTimeout(timer);
      res.off("close", onClose);
    },
  };
}

function failure(err: unknown): { code: string; message: string } {
  if (err instanceof DeviceCloudError) return { code: err.code, message: err.message };
  if (isCancelled(err)) return { code: "NETWORK", message: "The request was cancelled." };
  return { code: "API_ERROR", message: "Unexpected error." };
}

function deployedAccount(RED: NodeAPI, id: string): AccountNode | undefined {
  const node = RED.nodes.getNode(id) as AccountNode | null;
  return node && node.type === "devicecloud-account" && typeof node.client === "function" ? node : undefined;
}

function notDeployed(res: Response): void {
  res.status(404).json({ code: "NOT_DEPLOYED", message: "This account is not deployed yet: deploy it, then try again." });
}

/** The deployed configuration of a devicecloud-account (provider, server, …), or undefined. */
function deployedDef(RED: NodeAPI, id: string): AccountDef | undefined {
  let found: AccountDef | undefined;
  RED.nodes.eachNode((n) => {
    if (!found && n.id === id && n.type === "devicecloud-account") found = n as AccountDef;
  });
  return found;
}

function baseUrlOf(def: AccountDef): string | undefined {
  try {
    return resolveBaseUrl(def.provider === "blynk" ? "blynk" : "flatpeak", def.server);
  } catch {
    return undefined;
  }
}

/**
 * The stored credentials of a deployed account, for a test that asks for them ("__PWRD__": the dialog shows the
 * placeholder of a saved secret). They are handed out only to the account they belong to and only for the cloud
 * and server it was deployed with: otherwise a POST naming any node id (another package's config node also
 * stores a "clientSecret") and a server of the caller's choosing would send that secret there. An empty secret
 * field asks for them too; but an account never deployed has none, so there its secret is simply missing and
 * openClient says so. Only the placeholder, which the dialog shows for a saved secret, hears about deploying.
 */
function storedCredentials(RED: NodeAPI, def: AccountDef, placeholder: boolean): AccountCredentials {
  const deployed = deployedDef(RED, def.id);
  if (!deployed) {
    if (!placeholder) return {};
    throw invalidInput("clientSecret", "enter the secret: a stored one is used only for an account that is deployed.");
  }
  const sameCloud = (deployed.provider === "blynk" ? "blynk" : "flatpeak") === def.provider;
  const url = baseUrlOf(def);
  if (!sameCloud || url === undefined || url !== baseUrlOf(deployed)) {
    throw invalidInput("clientSecret", "enter the secret again: the stored one is used only with the cloud and server the account was deployed with.");
  }
  return (RED.nodes.getCredentials(def.id) as AccountCredentials | undefined) ?? {};
}

/**
 * A device as the picker shows it: id and a name (Flatpeak devices have none: reference id and model, which
 * busbar gives at the top level and yotta under `properties`; zero and anode have no model).
 */
export function pickerEntry(d: ApiObject): { id: string | number; name: string } {
  const id = typeof d.id === "number" || typeof d.id === "string" ? d.id : "";
  const props = d.properties && typeof d.properties === "object" ? (d.properties as ApiObject) : {};
  const model = d.model_name ?? props.model_name;
  const name =
    typeof d.name === "string" && d.name
      ? d.name
      : [d.reference_id, model].filter((v) => typeof v === "string" && v !== "").join(" · ") || String(id);
  return { id, name };
}

/** A location as the picker shows it: its reference, time zone and currency. */
function locationName(l: ApiObject): string {
  return [l.reference_id, l.timezone, l.currency_code].filter((v) => typeof v === "string" && v !== "").join(" · ") || String(l.id);
}

export function registerAdminRoutes(RED: NodeAPI): void {
  RED.httpAdmin.post("/devicecloud/test", RED.auth.needsPermission("devicecloud-account.write"), (req: Request, res: Response) => testConnection(RED, req, res));
  accountRoute(RED, "/devicecloud/accounts/:id/devices", devicesPage);
  accountRoute(RED, "/devicecloud/accounts/:id/locations", locationsPage);
  accountRoute(RED, "/devicecloud/accounts/:id/metafields", metafieldsOf);
  accountRoute(RED, "/devicecloud/accounts/:id/datastreams", datastreamsOf);
  accountRoute(RED, "/devicecloud/accounts/:id/events", eventsOf);
}

/** The settings of the dialog's account as sent, read field by field: nothing else of the body is used. */
function testedAccount(body: Record<string, unknown>): { def: AccountDef; creds: AccountCredentials } {
  const def = {
    id: typeof body.id === "string" ? body.id : "",
    provider: body.provider === "blynk" ? "blynk" : "flatpeak",
    server: typeof body.server === "string" ? body.server : "",
    apiVersion: typeof body.apiVersion === "string" ? body.apiVersion : "",
    simulate: body.simulate === true || body.simulate === "true",
    timeout: body.timeout as number | string | undefined,
    tls: typeof body.tls === "string" ? body.tls : "",
  } as AccountDef;
  const creds: AccountCredentials = {
    clientId: typeof body.clientId === "string" ? body.clientId : "",
    clientSecret: typeof body.clientSecret === "string" ? body.clientSecret : "",
  };
  return { def, creds };
}

async function testConnection(RED: NodeAPI, req: Request, res: Response): Promise<void> {
  res.set("Cache-Control", "no-store");
  if (!req.is("application/json")) {
    res.status(415).json({ ok: false, code: "INVALID_INPUT", message: "Send the settings to test as JSON (Content-Type: application/json)." });
    return;
  }
  const { def, creds } = testedAccount((req.body ?? {}) as Record<string, unknown>);
  const placeholder = creds.clientSecret === STORED_PASSWORD;
  const wantsStored = placeholder || creds.clientSecret === "";
  if (wantsStored) creds.clientSecret = "";
  let opened: Awaited<ReturnType<typeof openClient>> | undefined;
  // Closing the test's own client cancels its login and requests at once.
  const asked = whileAsked(res, TEST_DEADLINE_MS);
  asked.signal.addEventListener("abort", () => void opened?.release());
  try {
    if (wantsStored && def.id && !def.simulate) {
      const stored = storedCredentials(RED, def, placeholder);
      creds.clientSecret = stored.clientSecret ?? "";
      if (!creds.clientId) creds.clientId = stored.clientId ?? "";
    }
    // As Node-RED reads "${NAME}" in the deployed account: its flow's and the global environment, then the process's.
    const deployed = def.id ? RED.nodes.getNode(def.id) : null;
    const resolved = withEnvVars(def, creds, (name) => RED.util.getSetting(deployed as never, name));
    opened = await openClient(resolved.def, resolved.creds, (id) => RED.nodes.getNode(id));
    if (asked.signal.aborted) await opened.release();
    const result = await opened.client.testConnection({ signal: asked.signal });
    res.json({ ok: true, ...result });
  } catch (err) {
    if (asked.timedOut()) res.json({ ok: false, code: "TIMEOUT", message: `Test connection did not finish within ${TEST_DEADLINE_MS / 1000} s.` });
    else res.json({ ok: false, ...failure(err) });
  } finally {
    asked.done();
    await opened?.release();
  }
}

type AccountAnswer = (client: AnyClient, req: Request, signal: AbortSignal) => Promise<unknown>;

/** A read route on a deployed account: no caching, 404 NOT_DEPLOYED, and one mapping of errors to statuses. */
function accountRoute(RED: NodeAPI, path: string, answer: AccountAnswer): void {
  RED.httpAdmin.get(path, RED.auth.needsPermission("devicecloud-account.read"), async (req: Request, res: Response) => {
    res.set("Cache-Control", "no-store");
    const account = deployedAccount(RED, String(req.params.id));
    if (!account) return notDeployed(res);
    // The account's client stays; only this route's requests stop when the browser goes away.
    const asked = whileAsked(res);
    try {
      res.json(await answer(await account.client(), req, asked.signal));
    } catch (err) {
      const f = failure(err);
      res.status(f.code === "INVALID_INPUT" || f.code === "UNSUPPORTED" ? 400 : f.code === "NOT_FOUND" ? 404 : 502).json(f);
    } finally {
      asked.done();
    }
  });
}

const devicesPage: AccountAnswer = async (client, req, signal) => {
  const page = await client.browseDevices({
    signal,
    query: typeof req.query.q === "string" ? req.query.q : undefined,
    cursor: typeof req.query.cursor === "string" ? req.query.cursor : undefined,
  });
  return { items: page.items.map(pickerEntry), next: page.next, total: page.total };
};

const locationsPage: AccountAnswer = async (client, req, signal) => {
  const flatpeak = clientOf(client, "flatpeak", "prices");
  const cursor = typeof req.query.cursor === "string" && req.query.cursor !== "" ? req.query.cursor : undefined;
  const page = await flatpeak.browseLocations({ cursor, signal });
  const items = new Map(page.items.map((l) => [String(l.id), { id: String(l.id), name: locationName(l) }]));
  // The first page also offers the locations the account's devices name, so a device's own location is at hand.
  if (!cursor) {
    const devices = await flatpeak.browseDevices({ pageSize: 100, signal });
    for (const d of devices.items) {
      const device = pickerEntry(d).name;
      for (const loc of Array.isArray(d.locations) ? d.locations : []) {
        if (typeof loc !== "string") continue;
        const known = items.get(loc);
        if (!known) items.set(loc, { id: loc, name: device });
        else if (!known.name.includes(" · device ")) known.name += ` · device ${device}`;
      }
    }
  }
  return { items: [...items.values()], next: page.next };
};

const metafieldsOf: AccountAnswer = async (client, req, signal) => {
  const fields = await clientOf(client, "blynk", "updateMetafield").listMetafields(String(req.query.deviceId ?? ""), { signal });
  return {
    items: fields.map((f) => ({
      id: f.id,
      name: typeof f.name === "string" ? f.name : String(f.id),
      type: f.value && typeof f.value === "object" ? (f.value as ApiObject).type : undefined,
    })),
  };
};

const datastreamsOf: AccountAnswer = async (client, req) => {
  const blynk = clientOf(client, "blynk", "datastream");
  const streams = await blynk.templateDatastreams(await blynk.templateOf(String(req.query.deviceId ?? "")));
  return { items: streams.map((ds) => ({ id: ds.id, pin: ds.pin, name: ds.label, type: ds.type })) };
};

const eventsOf: AccountAnswer = async (client, req) => {
  const blynk = clientOf(client, "blynk", "triggerEvent");
  const events = await blynk.templateEvents(await blynk.templateOf(String(req.query.deviceId ?? "")));
  return { items: events.map((e) => ({ id: e.eventCode, name: typeof e.name === "string" ? e.name : String(e.eventCode), type: e.type })) };
};
