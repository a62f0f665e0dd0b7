/** Opening an account's client from its properties and credentials (the account node and the editor's test). */
import { createSecureContext } from "node:tls";
import { createClient, invalidInput, type DeviceCloudError, resolveBaseUrl, type AnyClient, type Provider, type TlsOptions } from "../api";
import type { Simulator } from "../simulator";
import { acquireSimulator, releaseSimulator } from "./simulator-host";
import type { AccountCredentials, AccountDef } from "./types";

/** The account's timeout in seconds: the longest one exchange may take (the editor checks the same range). */
export const TIMEOUT_RANGE = { min: 1, max: 600, default: 30 } as const;

export function accountOptions(def: AccountDef): { provider: Provider; simulate: boolean } {
  const provider: Provider = def.provider === "blynk" ? "blynk" : "flatpeak";
  const simulate = def.simulate === true || (def.simulate as unknown) === "true";
  return { provider, simulate };
}

/** A Flatpeak release as the editor accepts it: `2026-08-01.busbar`, or the date alone. */
const API_VERSION = /^\d{4}-\d{2}-\d{2}(\.[A-Za-z0-9_-]+)?$/;

/**
 * The account's provider as saved: missing or blank is flatpeak (an older or hand-written flow); any other value
 * but the two is INVALID_INPUT naming the field, as the editor refuses it, rather than quietly Flatpeak.
 */
export function providerProblem(def: AccountDef): DeviceCloudError | undefined {
  const raw = def.provider as unknown;
  if (raw === undefined || raw === null || raw === "" || raw === "flatpeak" || raw === "blynk") return undefined;
  return invalidInput("provider", `must be "flatpeak" or "blynk", got ${JSON.stringify(String(raw)).slice(0, 40)}.`);
}

/** The API version as the editor accepts it, when Flatpeak reads it: a release name, sent as a header. */
function checkApiVersion(def: AccountDef, provider: Provider): void {
  const version = typeof def.apiVersion === "string" ? def.apiVersion.trim() : "";
  if (provider === "flatpeak" && version !== "" && !API_VERSION.test(version)) {
    throw invalidInput("apiVersion", `a Flatpeak API release looks like 2026-08-01.busbar (or the date alone), got ${JSON.stringify(version).slice(0, 40)}.`);
  }
}

/** The timeout in ms; missing (an older or hand-written flow) means the default; out of range is INVALID_INPUT. */
export function accountTimeoutMs(def: AccountDef): number {
  const raw = def.timeout as unknown;
  if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) return TIMEOUT_RANGE.default * 1000;
  const seconds = typeof raw === "number" || typeof raw === "string" ? Number(raw) : NaN;
  if (!(seconds >= TIMEOUT_RANGE.min && seconds <= TIMEOUT_RANGE.max)) {
    throw invalidInput("timeout", `the account's timeout is a number of seconds from ${TIMEOUT_RANGE.min} to ${TIMEOUT_RANGE.max}, got ${JSON.stringify(String(raw)).slice(0, 40)}.`);
  }
  return Math.round(seconds * 1000);
}

/** Node-RED's form of an environment variable in a property: the whole value is "${NAME}". */
const ENV_VAR = /^\$\{(\S+)\}$/;

/**
 * The account's properties and credentials with each "${NAME}" replaced by `lookup(NAME)`, as Node-RED replaces
 * them in a deployed node, so that Test connection sends what the deployed account will. A variable `lookup` does
 * not know is INVALID_INPUT naming the field: nothing is sent with the literal text.
 */
export function withEnvVars(def: AccountDef, creds: AccountCredentials, lookup: (name: string) => unknown): { def: AccountDef; creds: AccountCredentials } {
  const resolve = <T extends object>(obj: T, fields: Array<keyof T & string>): T => {
    const out = { ...obj };
    for (const field of fields) {
      const value = out[field];
      const m = typeof value === "string" ? ENV_VAR.exec(value.trim()) : null;
      if (!m) continue;
      const found = lookup(m[1]);
      if (found === undefined || found === null) throw invalidInput(field, `the environment variable ${m[1]} is not set (where Node-RED runs, or in the flow's or global environment).`);
      out[field] = String(found) as T[typeof field];
    }
    return out;
  };
  return { def: resolve(def, ["server", "apiVersion", "timeout"]), creds: resolve(creds, ["clientId", "clientSecret"]) };
}

/** The core `tls-config` node, as Node-RED's own http request and mqtt nodes use it. */
interface TlsConfigNode {
  valid?: boolean;
  addTLSOptions(opts: Record<string, unknown>): Record<string, unknown>;
}

const TLS_OPTIONS = ["ca", "cert", "key", "pfx", "passphrase", "servername", "rejectUnauthorized"] as const;

/**
 * The TLS options of the `tls-config` node the account names (blank: none). They are tried here, so that a broken
 * file or a wrong passphrase is one INVALID_INPUT naming the field rather than a failure of every request.
 */
export function accountTls(id: unknown, getNode: (id: string) => unknown): TlsOptions | undefined {
  if (typeof id !== "string" || id.trim() === "") return undefined;
  const node = getNode(id) as Partial<TlsConfigNode> | null;
  if (!node || typeof node.addTLSOptions !== "function") throw invalidInput("tls", "the TLS configuration the account names is not running (not deployed, or it failed to start: see the log); deploy it, or clear the field.");
  if (node.valid === false) throw invalidInput("tls", "the TLS configuration could not read its certificate, key or CA (its own error is in the log).");
  const all = node.addTLSOptions({});
  const options: Record<string, unknown> = {};
  for (const name of TLS_OPTIONS) if (all[name] !== undefined) options[name] = all[name];
  try {
    createSecureContext(options as TlsOptions);
  } catch (err) {
    const e = err as { reason?: string; code?: string };
    throw invalidInput("tls", `the TLS configuration's certificate, key or CA cannot be used (${e.reason ?? e.code ?? "unreadable"}): check them and the passphrase.`);
  }
  return options as TlsOptions;
}

/**
 * Builds the client for an account's properties and credentials (also used by the editor's "Test connection",
 * before the account is deployed). `getNode` finds the account's TLS configuration. Resolves with the client and a
 * release function.
 */
export async function openClient(
  def: AccountDef,
  creds: AccountCredentials,
  getNode: (id: string) => unknown = () => null,
): Promise<{ client: AnyClient; release: () => Promise<void> }> {
  // Node-RED has replaced every variable it knows in a deployed account; one left is not set.
  ({ def, creds } = withEnvVars(def, creds, () => undefined));
  const { provider, simulate } = accountOptions(def);
  const wrongProvider = providerProblem(def);
  if (wrongProvider) throw wrongProvider;
  checkApiVersion(def, provider);
  const timeoutMs = accountTimeoutMs(def);
  const common = {
    provider,
    apiVersion: typeof def.apiVersion === "string" ? def.apiVersion.trim() : "",
    timeoutMs,
  };
  if (simulate) {
    const sim = await acquireSimulator();
    const demo = provider === "flatpeak" ? simulatedFlatpeakAccount(sim, common.apiVersion) : sim.credentials.blynk;
    const client = createClient({ ...common, baseUrl: sim.url, clientId: demo.clientId, clientSecret: demo.clientSecret });
    let released = false;
    return {
      client,
      release: async () => {
        if (released) return;
        released = true;
        client.close();
        await releaseSimulator();
      },
    };
  }
  const baseUrl = resolveBaseUrl(provider, def.server);
  const clientId = typeof creds.clientId === "string" ? creds.clientId.trim() : "";
  const clientSecret = typeof creds.clientSecret === "string" ? creds.clientSecret : "";
  const idName = provider === "flatpeak" ? "the account id (acc_…)" : "the OAuth2 client id";
  const secretName = provider === "flatpeak" ? "the API key (sk_live_… or sk_test_…)" : "the OAuth2 client secret";
  if (clientId === "") throw invalidInput("clientId", `enter ${idName} in the account node, or turn on simulate.`);
  if (clientSecret === "") throw invalidInput("clientSecret", `enter ${secretName} in the account node, or turn on simulate.`);
  const client = createClient({ ...common, baseUrl, clientId, clientSecret, tls: accountTls(def.tls, getNode) });
  return {
    client,
    release: async () => {
      client.close();
    },
  };
}

/**
 * The simulated Flatpeak account a simulating account node logs in as: the one whose default release its API
 * version names (`2024-08-24.zero`, or the date alone), else the demo account (busbar).
 */
export function simulatedFlatpeakAccount(sim: Simulator, apiVersion: string): { clientId: string; clientSecret: string } {
  const date = apiVersion.split(".")[0];
  const found = apiVersion === "" ? undefined : sim.accounts.flatpeak.find((a) => a.release === apiVersion || (!apiVersion.includes(".") && a.release.startsWith(`${date}.`)));
  return found ?? sim.credentials.flatpeak;
}
