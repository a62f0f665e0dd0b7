/** Test helpers: a simulator per suite, clients against it, and a scan for secrets. */
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator";
import { createClient, type AnyClient } from "../../src/api";
import type { ClientConfig, Provider } from "../../src/api/types";

export const SECRETS = {
  flatpeak: { clientId: "acc_7e57000000000000000000aa", clientSecret: "sk_test_SECRET_fp_9f8e7d6c5b4a" },
  blynk: { clientId: "oa2-client-id_test-suite", clientSecret: "SECRET_blynk_0123456789abcdefghijklmn" },
};

export async function withSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ flatpeakDevices: 240, blynkDevices: 2400, ...opts });
  sim.addAccount("flatpeak", SECRETS.flatpeak.clientId, SECRETS.flatpeak.clientSecret);
  sim.addAccount("blynk", SECRETS.blynk.clientId, SECRETS.blynk.clientSecret);
  return sim;
}

export function clientFor<P extends Provider>(sim: Simulator, provider: P, extra: Partial<ClientConfig> = {}): Extract<AnyClient, { provider: P }> {
  return createClient({
    provider,
    baseUrl: sim.url,
    clientId: SECRETS[provider].clientId,
    clientSecret: SECRETS[provider].clientSecret,
    baseBackoffMs: 20,
    maxBackoffMs: 200,
    ...extra,
  }) as Extract<AnyClient, { provider: P }>;
}

/** One simulator for the whole suite (`withSimulator(opts)`), handed to `use` once it runs and closed after the suite. */
export function simulatorForSuite(use: (sim: Simulator) => void, opts: SimulatorOptions = {}): void {
  let sim: Simulator | undefined;
  before(async () => {
    sim = await withSimulator(opts);
    use(sim);
  });
  after(() => sim?.close());
}

/**
 * A fresh client per test, handed to `use` and closed after the test; the simulator's faults and counters are
 * cleared first, and `sent` (emptied) lists the client's requests ("GET /devices").
 */
export function freshClientEach(sim: () => Simulator, provider: Provider, sent: string[], use: (client: AnyClient) => void): void {
  let client: AnyClient | undefined;
  beforeEach(() => {
    sent.length = 0;
    sim().clearFaults();
    sim().resetStats();
    client = clientFor(sim(), provider, { onRequest: (r) => sent.push(`${r.method} ${r.path}`) });
    use(client);
  });
  afterEach(() => client?.close());
}

/** Every string that must never reach a message, a status, a log line or an error. */
export function secretStrings(sim: Simulator): string[] {
  const out = [SECRETS.flatpeak.clientSecret, SECRETS.blynk.clientSecret, sim.credentials.flatpeak.clientSecret, sim.credentials.blynk.clientSecret];
  for (const d of sim.fleet.blynk.devices as Array<{ token?: string }>) if (d.token) out.push(d.token);
  return out;
}

export function findSecret(value: unknown, secrets: string[]): string | undefined {
  let text: string;
  try {
    text = typeof value === "string" ? value : JSON.stringify(value, (_k, v) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v));
  } catch {
    text = String(value);
  }
  if (text === undefined) return undefined;
  return secrets.find((s) => s && text.includes(s)) ?? (/Bearer [A-Za-z0-9._-]{8,}|Basic [A-Za-z0-9+/=]{8,}/.test(text) ? "an Authorization header" : undefined);
}

export async function collect<T>(gen: AsyncGenerator<{ items: T[] }>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of gen) out.push(...p.items);
  return out;
}

export async function rejects(p: Promise<unknown>): Promise<{ code: string; message: string; status?: number } & Error> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error("expected a rejection");
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
