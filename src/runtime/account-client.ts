/** Opening an account's client from its properties and credentials (the account node and the editor's test). */
import { createClient, resolveBaseUrl, type AnyClient } from "../api";
import { invalidInput } from "../api/errors";
import type { Provider } from "../api/types";
import { acquireSimulator, releaseSimulator } from "./simulator-host";
import type { AccountCredentials, AccountDef } from "./types";

export function accountOptions(def: AccountDef): { provider: Provider; simulate: boolean; timeoutMs: number } {
  const provider: Provider = def.provider === "blynk" ? "blynk" : "flatpeak";
  const simulate = def.simulate === true || (def.simulate as unknown) === "true";
  const t = Number(def.timeout);
  const timeoutMs = Number.isFinite(t) && t > 0 ? Math.round(t * 1000) : 30_000;
  return { provider, simulate, timeoutMs };
}

/**
 * Builds the client for an account's properties and credentials (also used by the editor's "Test connection",
 * before the account is deployed). Resolves with the client and a release function.
 */
export async function openClient(
  def: AccountDef,
  creds: AccountCredentials,
): Promise<{ client: AnyClient; release: () => Promise<void> }> {
  const { provider, simulate, timeoutMs } = accountOptions(def);
  const common = {
    provider,
    apiVersion: typeof def.apiVersion === "string" ? def.apiVersion.trim() : "",
    timeoutMs,
  };
  if (simulate) {
    const sim = await acquireSimulator();
    const demo = sim.credentials[provider];
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
  const client = createClient({ ...common, baseUrl, clientId, clientSecret });
  return {
    client,
    release: async () => {
      client.close();
    },
  };
}
