/** Flatpeak's Stripe-style cursor pages (flatpeak.md §5.1): limit 1..100 (default 30), starting_after, ending_before. */
import { qp, type SimRequest, type SimResponse } from "../common";
import { rich } from "./answers";

/**
 * One cursor page of `list` (in API order). `rankOf` gives an item's place in the unfiltered list, so that a
 * cursor works even when its object does not match the filter (Stripe's behaviour).
 */
export function cursorPage<T extends { id: string }>(
  req: SimRequest,
  live: boolean,
  context: string,
  list: T[],
  rankOf: (id: string) => number | undefined,
  noun: string,
): { data: T[]; has_more: boolean } | SimResponse {
  const limitRaw = qp(req.query, "limit");
  let limit = 30;
  if (limitRaw !== undefined) {
    if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 100) {
      return rich(400, "limit_invalid", "limit must be an integer between 1 and 100", context, live);
    }
    limit = Number(limitRaw);
  }
  const after = qp(req.query, "starting_after");
  const before = qp(req.query, "ending_before");
  if (after !== undefined && before !== undefined) {
    return rich(400, "pagination_cursor_conflict", "Use either starting_after or ending_before, not both", context, live);
  }
  // First position in `list` whose rank is above `r` (list ranks are increasing).
  const firstAbove = (r: number, inclusive: boolean): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const mr = rankOf(list[mid].id) ?? -1;
      if (inclusive ? mr >= r : mr > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  if (after !== undefined) {
    const r = rankOf(after);
    if (r === undefined) return rich(400, "starting_after_invalid", `starting_after: no such ${noun}: ${after}`, context, live);
    const start = firstAbove(r, false);
    return { data: list.slice(start, start + limit), has_more: start + limit < list.length };
  }
  if (before !== undefined) {
    const r = rankOf(before);
    if (r === undefined) return rich(400, "ending_before_invalid", `ending_before: no such ${noun}: ${before}`, context, live);
    const end = firstAbove(r, true);
    const begin = Math.max(0, end - limit);
    return { data: list.slice(begin, end), has_more: begin > 0 };
  }
  return { data: list.slice(0, limit), has_more: limit < list.length };
}

/** The list envelope of a page. */
export function listAnswer<T>(url: string, page: { data: T[]; has_more: boolean }, render: (item: T) => unknown): SimResponse {
  return { status: 200, body: { object: "list", url, has_more: page.has_more, data: page.data.map(render) } };
}
