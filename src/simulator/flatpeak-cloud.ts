/** The Flatpeak cloud the server serves: FlatpeakSim's fleet and routes, its answers and its version header. */
import type { SimCloud } from "./cloud";
import { FlatpeakSim, type FlatpeakHooks, type FlatpeakOptions, type FlatpeakPrincipal } from "./flatpeak";

export function flatpeakCloud(opts: FlatpeakOptions, hooks: FlatpeakHooks): { fleet: FlatpeakSim; cloud: SimCloud<FlatpeakPrincipal> } {
  const fleet = new FlatpeakSim(opts, hooks);
  const cloud: SimCloud<FlatpeakPrincipal> = {
    name: "flatpeak",
    owns: () => true,
    match: (path) => fleet.match(path),
    authenticate: (req) => fleet.authenticate(req),
    rateAccount: (p) => p.accountId,
    finalize: (r, req) => {
      r.headers = { ...(r.headers ?? {}), "flatpeak-version": fleet.versionInForce(req) };
      return r;
    },
    errors: {
      forStatus: (status) => FlatpeakSim.errorFor(status),
      notFound: FlatpeakSim.notFound,
      methodNotAllowed: FlatpeakSim.methodNotAllowed,
      rateLimited: (p) => FlatpeakSim.rateLimited(p.live),
      tooLarge: (message) => FlatpeakSim.rich(413, "body_too_large", message, "api", false),
      internal: FlatpeakSim.internalError,
    },
  };
  return { fleet, cloud };
}
