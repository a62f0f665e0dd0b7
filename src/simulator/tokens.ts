/** Opaque bearer and refresh tokens: random strings (crypto), never derived from the seed, never logged. */
import { randomBytes } from "crypto";
import type { ProviderName } from "./common";

export interface TokenRecord<P> {
  provider: ProviderName;
  kind: "access" | "refresh";
  principal: P;
  /** The client (account id or OAuth client id) the token was issued to. */
  clientId: string;
  expiresAt: number;
}

export type TokenCheck<P> = { ok: true; record: TokenRecord<P> } | { ok: false; reason: "unknown" | "expired" };

export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord<unknown>>();

  issue<P>(provider: ProviderName, kind: "access" | "refresh", principal: P, clientId: string, lifetimeMs: number, now: number, bytes: number): string {
    if (this.tokens.size > 20000) this.sweep(now);
    let token = randomBytes(bytes).toString("base64url");
    while (this.tokens.has(token)) token = randomBytes(bytes).toString("base64url");
    this.tokens.set(token, { provider, kind, principal, clientId, expiresAt: now + lifetimeMs });
    return token;
  }

  check<P>(provider: ProviderName, kind: "access" | "refresh", token: string | null, now: number): TokenCheck<P> {
    if (!token) return { ok: false, reason: "unknown" };
    const rec = this.tokens.get(token);
    if (!rec || rec.provider !== provider || rec.kind !== kind) return { ok: false, reason: "unknown" };
    if (now >= rec.expiresAt) return { ok: false, reason: "expired" };
    return { ok: true, record: rec as TokenRecord<P> };
  }

  /** Spends a token (refresh tokens are single use). */
  delete(token: string): void {
    this.tokens.delete(token);
  }

  /** Every token of the provider (or all) stops working at once: forgotten. */
  revoke(provider?: ProviderName): void {
    for (const [t, rec] of this.tokens) if (!provider || rec.provider === provider) this.tokens.delete(t);
  }

  /** Every token of the provider (or all) expires now, as if its lifetime had run out. */
  expire(now: number, provider?: ProviderName): void {
    for (const rec of this.tokens.values()) if (!provider || rec.provider === provider) rec.expiresAt = Math.min(rec.expiresAt, now);
  }

  private sweep(now: number): void {
    for (const [t, rec] of this.tokens) if (now >= rec.expiresAt) this.tokens.delete(t);
  }
}
