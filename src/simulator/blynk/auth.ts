/** Auth: the OAuth2 token endpoint (client_credentials and refresh_token grants) and the bearer check. */
import { parseBasic, parseBearer, type SimRequest, type SimResponse } from "../common";
import type { BlynkFleet } from "./fleet";
import { answers, type BlynkRoom } from "./http";
import type { BlynkPrincipal } from "./model";

export function authenticate(f: BlynkFleet, req: SimRequest): { principal: BlynkPrincipal } | { error: SimResponse } {
  const check = f.hooks.tokens.check<BlynkPrincipal>("blynk", "access", parseBearer(req.headers.authorization), req.now);
  if (!check.ok) return { error: answers.invalidToken() };
  return { principal: check.record.principal };
}

const oauthError = (error: string, description: string): SimResponse => ({ status: 400, body: { error, error_description: description } });

/** POST /oauth2/token (RFC 6749 error bodies, all 400). */
function token(req: SimRequest, f: BlynkFleet): SimResponse {
  const params = new URLSearchParams(req.query);
  const ctype = String(req.headers["content-type"] ?? "");
  if (ctype.includes("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(req.bodyText)) if (!params.has(k)) params.set(k, v);
  }
  const basic = parseBasic(req.headers.authorization);
  const clientId = basic ? basic.user : params.get("client_id") ?? undefined;
  const secret = basic ? basic.pass : params.get("client_secret") ?? undefined;
  if (!clientId || secret === undefined || f.accounts.get(clientId) !== secret) {
    return oauthError("invalid_client", "Client ID is not found or password is wrong.");
  }
  const grant = params.get("grant_type");
  if (grant === "refresh_token") {
    const rt = params.get("refresh_token");
    if (!rt) return oauthError("invalid_request", "Missing refresh_token parameter.");
    const check = f.hooks.tokens.check<BlynkPrincipal>("blynk", "refresh", rt, req.now);
    if (!check.ok || check.record.clientId !== clientId) return oauthError("invalid_grant", "Refresh token is invalid, expired or already used.");
    f.hooks.tokens.delete(rt);
  } else if (grant !== "client_credentials") {
    return oauthError("unsupported_grant_type", "Grant type is not supported.");
  }
  const principal: BlynkPrincipal = { clientId, orgId: f.mainOrgId };
  const life = f.hooks.lifetimeSec();
  const access = f.hooks.tokens.issue("blynk", "access", principal, clientId, life * 1000, req.now, 30);
  const refresh = f.hooks.tokens.issue("blynk", "refresh", principal, clientId, life * 1000, req.now, 30);
  f.hooks.onLogin();
  return { status: 200, body: { access_token: access, token_type: "Bearer", expires_in: Math.ceil(life), refresh_token: refresh } };
}

export const authRoom: BlynkRoom = [{ method: "POST", path: "/oauth2/token", authEndpoint: true, handle: (req, _p, f) => token(req, f) }];
