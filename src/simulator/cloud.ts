/**
 * What the HTTP server needs of a simulated cloud: which paths are its own, its routes, how it authenticates and
 * rate-limits a request, and its error bodies. Each cloud (flatpeak, blynk) provides one; the server knows no
 * cloud by name.
 */
import type { ProviderName, RouteMatch, SimRequest, SimResponse } from "./common";

export interface SimCloud<P = unknown> {
  readonly name: ProviderName;
  owns(path: string): boolean;
  match(path: string): RouteMatch<P> | null;
  authenticate(req: SimRequest): { principal: P } | { error: SimResponse };
  /** The rate limit's account (one window per account). */
  rateAccount(principal: P): string;
  /** Headers every answer carries (e.g. the version in force), or the answer unchanged. */
  finalize(r: SimResponse, req: SimRequest): SimResponse;
  errors: {
    /** The answer a fault with this status gets. */
    forStatus(status: number, authEndpoint: boolean): SimResponse;
    notFound(): SimResponse;
    methodNotAllowed(method: string, pattern: string, allow: string[]): SimResponse;
    rateLimited(principal: P): SimResponse;
    tooLarge(message: string): SimResponse;
    internal(): SimResponse;
  };
}
