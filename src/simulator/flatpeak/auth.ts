/**
 * The auth room (flatpeak.md §1): the simulated accounts, each with its default release, `GET /login` on every
 * release and `POST /auth/tokens` from busbar on, both with HTTP Basic account_id:api_key, and the bearer check
 * of every data request.
 */
import { parseBasic, parseBearer, type RouteMatch, type SimRequest, type SimResponse } from "../common";
import type { TokenStore } from "../tokens";
import { badCredentials, notFound } from "./answers";
import { atLeast, DEFAULT_RELEASE, releaseFor, releaseNamed, type FlatpeakRelease } from "./release";
import type { FlatpeakPrincipal, FlatpeakRoom } from "./room";

export interface FlatpeakSimAccount {
  clientId: string;
  clientSecret: string;
  /** The account's default release (its `Flatpeak-Version`). */
  release: string;
}

export const FLATPEAK_DEMO = { clientId: "acc_65f0c0ffee00000000000001", clientSecret: "sk_test_simulator_demo_key" } as const;

/** The seeded accounts: the demo one on busbar, and one on each other release. All see the same fleet. */
export const FLATPEAK_ACCOUNTS: readonly FlatpeakSimAccount[] = [
  { ...FLATPEAK_DEMO, release: "2026-08-01.busbar" },
  { clientId: "acc_65f0c0ffee00000000000002", clientSecret: "sk_test_simulator_zero_key", release: "2024-08-24.zero" },
  { clientId: "acc_65f0c0ffee00000000000003", clientSecret: "sk_test_simulator_anode_key", release: "2025-09-14.anode" },
  { clientId: "acc_65f0c0ffee00000000000004", clientSecret: "sk_test_simulator_yotta_key", release: "2027-01-01.yotta" },
];

export interface AuthHooks {
  tokens: TokenStore;
  /** Seconds a new bearer token lives (expires_in). */
  lifetimeSec(): number;
  onLogin(): void;
}

export class AuthRoom implements FlatpeakRoom {
  private readonly accounts = new Map<string, { key: string; release: FlatpeakRelease }>();

  constructor(private readonly hooks: AuthHooks) {
    for (const a of FLATPEAK_ACCOUNTS) this.addAccount(a.clientId, a.clientSecret, a.release);
  }

  /** Adds (or replaces) an account; `release` is its default, by name or version (default busbar). */
  addAccount(accountId: string, apiKey: string, release?: string): void {
    const r = release === undefined ? DEFAULT_RELEASE : releaseNamed(release);
    if (!r) throw new RangeError(`release must be one of zero, anode, busbar, yotta or their versions, got ${JSON.stringify(release)}`);
    this.accounts.set(accountId, { key: apiKey, release: r });
  }

  match(path: string): RouteMatch<FlatpeakPrincipal> | null {
    if (path === "/login") return { pattern: "/login", authEndpoint: true, params: [], handlers: { GET: (req) => this.login(req, false) } };
    if (path === "/auth/tokens") return { pattern: "/auth/tokens", authEndpoint: true, params: [], handlers: { POST: (req) => this.login(req, true) } };
    return null;
  }

  authenticate(req: SimRequest): { principal: FlatpeakPrincipal } | { error: SimResponse } {
    const check = this.hooks.tokens.check<FlatpeakPrincipal>("flatpeak", "access", parseBearer(req.headers.authorization), req.now);
    if (!check.ok) return { error: badCredentials() };
    return { principal: check.record.principal };
  }

  /** The default release of whoever sent the request (bearer or Basic), or the demo's when unknown. */
  callerRelease(req: SimRequest): FlatpeakRelease {
    const bearer = this.hooks.tokens.check<FlatpeakPrincipal>("flatpeak", "access", parseBearer(req.headers.authorization), req.now);
    if (bearer.ok) return bearer.record.principal.release;
    const basic = parseBasic(req.headers.authorization);
    return (basic && this.accounts.get(basic.user)?.release) || DEFAULT_RELEASE;
  }

  /**
   * GET /login and POST /auth/tokens: Basic account_id:api_key → {bearer_token, expires_in, live_mode}. The
   * busbar path answers 404 to a request on an older release, as a path that release does not have.
   */
  private login(req: SimRequest, busbarPath: boolean): SimResponse {
    const basic = parseBasic(req.headers.authorization);
    const account = basic ? this.accounts.get(basic.user) : undefined;
    if (!basic || !account || account.key !== basic.pass) return badCredentials();
    const live = basic.pass.startsWith("sk_live_");
    const v = releaseFor(req, account.release, live);
    if ("error" in v) return v.error;
    if (busbarPath && !atLeast(v.release, "busbar")) return notFound();
    const principal: FlatpeakPrincipal = { accountId: basic.user, live, release: account.release };
    const life = this.hooks.lifetimeSec();
    const token = this.hooks.tokens.issue("flatpeak", "access", principal, basic.user, life * 1000, req.now, 32);
    this.hooks.onLogin();
    return { status: 200, body: { bearer_token: token, expires_in: Math.ceil(life), live_mode: live } };
  }
}
