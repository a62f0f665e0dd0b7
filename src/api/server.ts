/** Where an account's requests go: the provider's default, a host, or a base URL; plain http only to loopback. */
import { invalidInput } from "./errors";
import { isLoopbackHost } from "./transport";
import type { Provider } from "./types";

export const DEFAULT_SERVERS: Record<Provider, string> = {
  flatpeak: "https://api.flatpeak.com",
  blynk: "https://blynk.cloud",
};

/** The Blynk regions the editor offers (blynk.md §1.3). */
export const BLYNK_REGIONS = ["fra1", "lon1", "ny3", "sgp1", "blr1"] as const;

export function resolveBaseUrl(provider: Provider, server: unknown): string {
  const raw = typeof server === "string" ? server.trim() : "";
  if (raw === "") return DEFAULT_SERVERS[provider];
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw invalidInput("server", `"${raw.slice(0, 100)}" is neither a host name nor a URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalidInput("server", `only https:// (or http:// to this machine) is accepted, not ${url.protocol}//.`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw invalidInput("server", `plain http:// is accepted only for this machine (127.0.0.1, localhost, [::1]); use https://${url.host}.`);
  }
  if (url.username || url.password) throw invalidInput("server", "must not contain a user name or password; put them in the credentials.");
  if (url.search || url.hash) throw invalidInput("server", "must not contain a query string or a fragment.");
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.protocol}//${url.host}${path}`;
}
