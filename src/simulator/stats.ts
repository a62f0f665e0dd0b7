/** What the server counts: requests by route, logins, requests in flight, rate-limit windows, auth headers seen. */
import type { ProviderName } from "./common";

export interface SimulatorStats {
  requests: number;
  byRoute: Record<string, number>;
  logins: { flatpeak: number; blynk: number };
  inFlight: number;
  maxInFlight: number;
  rateLimited: number;
  perWindow: { provider: ProviderName; windowStart: number; accepted: number; rejected: number }[];
  authHeadersSeen: number;
}

export function emptyStats(): SimulatorStats {
  return { requests: 0, byRoute: {}, logins: { flatpeak: 0, blynk: 0 }, inFlight: 0, maxInFlight: 0, rateLimited: 0, perWindow: [], authHeadersSeen: 0 };
}

/** A copy of the stats that later requests do not change. */
export function snapshot(stats: SimulatorStats): SimulatorStats {
  return { ...stats, byRoute: { ...stats.byRoute }, logins: { ...stats.logins }, perWindow: stats.perWindow.map((w) => ({ ...w })) };
}
