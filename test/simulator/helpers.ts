/** Shared by the simulator specs: real HTTP over loopback with Node's fetch. */
import type { Simulator } from "../../src/simulator";

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface CallOptions {
  headers?: Record<string, string>;
  body?: unknown;
  /** A raw body string (sent as is). */
  raw?: string;
  token?: string;
  signal?: AbortSignal;
}

export async function call(sim: Simulator, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(sim.url + path, { method, headers, body, signal: opts.signal });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function basic(user: string, pass: string): string {
  return "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
}

export async function flatpeakToken(sim: Simulator, id = sim.credentials.flatpeak.clientId, key = sim.credentials.flatpeak.clientSecret): Promise<string> {
  const a = await call(sim, "GET", "/login", { headers: { authorization: basic(id, key) } });
  if (a.status !== 200) throw new Error(`login failed: ${a.status} ${a.text}`);
  return a.json.bearer_token as string;
}

export async function blynkTokens(sim: Simulator, id = sim.credentials.blynk.clientId, secret = sim.credentials.blynk.clientSecret): Promise<{ access: string; refresh: string }> {
  const a = await call(sim, "POST", "/oauth2/token?grant_type=client_credentials", { headers: { authorization: basic(id, secret) } });
  if (a.status !== 200) throw new Error(`token failed: ${a.status} ${a.text}`);
  return { access: a.json.access_token, refresh: a.json.refresh_token };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const ORG = "/api/v1/organization";
