/**
 * The two paging schemes: Flatpeak's cursors (in sequence) and Blynk's numbered pages (in parallel). Neither
 * trusts the server blindly: a listing never yields an item twice, never loops on a cursor that does not move, and
 * a Blynk listing whose pages disagree with its total is read again page by page.
 */
import { CancelledError, DeviceCloudError } from "./errors";
import type { ApiObject, Page } from "./types";

export interface CursorPage {
  data: ApiObject[];
  hasMore: boolean;
}

/**
 * What tells an item apart: its id, or, for entries that have none (Blynk's history points and actions log), the
 * entry itself as JSON text; its id in a separate space, so an id never equals an entry's text.
 */
function keyOf(item: ApiObject | undefined): unknown {
  const id = item?.id;
  return id === undefined || id === null ? `\u0000${JSON.stringify(item)}` : id;
}

/**
 * The keys a listing has yielded. Listings mostly come in ascending numeric ids, page after page: then an id above
 * the highest so far is new without a lookup, and the ids are kept as numbers in a growing Float64Array. A Set of
 * 100,000 ids took about 5 MB of heap and 45 ms of a 100k Blynk listing's CPU, as much as parsing a tenth of it.
 * The first key out of that order turns the record into a Set of every key so far.
 */
class SeenKeys {
  private ascending: Float64Array | undefined = new Float64Array(1024);
  private count = 0;
  private set: Set<unknown> | undefined;

  /** Records `key`; whether it is new. */
  add(key: unknown): boolean {
    let ascending = this.ascending;
    if (ascending !== undefined) {
      if (typeof key === "number" && (this.count === 0 || key > ascending[this.count - 1])) {
        if (this.count === ascending.length) {
          const grown = new Float64Array(ascending.length * 2);
          grown.set(ascending);
          this.ascending = ascending = grown;
        }
        ascending[this.count++] = key;
        return true;
      }
      this.set = new Set<unknown>(ascending.subarray(0, this.count));
      this.ascending = undefined;
    }
    const set = this.set as Set<unknown>;
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }
}

/**
 * Keeps the items not seen before. A page with nothing seen before, the usual case, is given back as it is rather
 * than copied.
 */
function unseen(items: ApiObject[], seen: SeenKeys): ApiObject[] {
  let out: ApiObject[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (seen.add(keyOf(item))) out?.push(item);
    else out ??= items.slice(0, i);
  }
  return out ?? items;
}

function pagingError(what: string): DeviceCloudError {
  return new DeviceCloudError("API_ERROR", `The cloud's listing ${what}; it was stopped rather than read in circles.`);
}

/**
 * Cursor pages, one after the other (each needs the last id of the one before): `limit` up to `pageSize`,
 * `starting_after` = the last id, until `has_more` is false or `max` items were yielded. A cursor the cloud
 * already gave, or `has_more` on a page with nothing new, is API_ERROR: such a listing would never end.
 */
export async function* cursorPages(
  fetchPage: (limit: number, startingAfter: string | undefined) => Promise<CursorPage>,
  pageSize: number,
  max: number,
): AsyncGenerator<Page> {
  const seen = new SeenKeys();
  const cursors = new Set<string>();
  let after: string | undefined;
  let yielded = 0;
  for (let index = 0; ; ) {
    const want = max > 0 ? Math.min(pageSize, max - yielded) : pageSize;
    const page = await fetchPage(want, after);
    const fresh = unseen(page.data, seen);
    const items = max > 0 && yielded + fresh.length > max ? fresh.slice(0, max - yielded) : fresh;
    yielded += items.length;
    // The first page always goes out, even empty: an empty listing still answers.
    if (index === 0 || items.length > 0) yield { items, index: index++ };
    if (!page.hasMore || (max > 0 && yielded >= max)) return;
    if (fresh.length === 0) throw pagingError("said more pages follow (has_more) but its page brought nothing new");
    const lastId = page.data[page.data.length - 1]?.id;
    if (typeof lastId !== "string") throw pagingError("said more pages follow (has_more) but its last item has no id to go on from");
    if (cursors.has(lastId)) throw pagingError(`gave the same cursor (starting_after=${lastId.slice(0, 40)}) twice`);
    cursors.add(lastId);
    after = lastId;
  }
}

export interface NumberedPage {
  content: ApiObject[];
  totalElements: number;
}

/**
 * Numbered pages (0-based): the first page gives the total; the rest are fetched in parallel, at most `parallel`
 * ahead of the consumer (the account's gate bounds what is really in flight), and yielded in order, every item
 * once (told apart by keyOf). Where the pages disagree with the total (an item twice, a short page before the
 * last, fewer items than the total: the fleet changed, or the server gives smaller pages than asked), the pages
 * still in flight are dropped and the listing is read again from page 0, one page after the other, until a short
 * page; only items not yet yielded go out. Stopping early (max reached, consumer returns) aborts what is in flight.
 */
export async function* numberedPages(
  fetchPage: (page: number, size: number, signal: AbortSignal) => Promise<NumberedPage>,
  pageSize: number,
  max: number,
  parallel: number,
  outer?: AbortSignal,
): AsyncGenerator<Page> {
  const controller = new AbortController();
  const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
  const size = max > 0 ? Math.min(pageSize, max) : pageSize;
  const seen = new SeenKeys();
  let yielded = 0;
  let distinct = 0;
  let index = 0;
  const take = (content: ApiObject[]) => {
    const fresh = unseen(content, seen);
    distinct += fresh.length;
    const items = max > 0 && yielded + fresh.length > max ? fresh.slice(0, max - yielded) : fresh;
    yielded += items.length;
    return { items, fresh: fresh.length };
  };
  const full = () => max > 0 && yielded >= max;
  try {
    const first = await fetchPage(0, size, signal);
    const total = Number.isFinite(first.totalElements) ? first.totalElements : first.content.length;
    const wanted = max > 0 ? Math.min(max, total) : total;
    const pages = Math.max(1, Math.ceil(wanted / size));
    const pending = new Map<number, Promise<NumberedPage>>();
    const inParallel = new AbortController();
    const parallelSignal = AbortSignal.any([signal, inParallel.signal]);
    let next = 1;
    let agreed = true;
    for (let p = 0; p < pages && agreed; p++) {
      while (next < pages && next <= p + Math.max(1, parallel)) {
        const pending1 = fetchPage(next, size, parallelSignal);
        // Held here and awaited in order below; this keeps a page that fails early from being "unhandled".
        pending1.catch(() => undefined);
        pending.set(next++, pending1);
      }
      const page = p === 0 ? first : await pending.get(p)!;
      pending.delete(p);
      const { items, fresh } = take(page.content);
      if (p === 0 || items.length > 0) yield { items, total, index: index++, pages };
      if (full()) return;
      agreed = fresh === page.content.length && (p === pages - 1 || page.content.length >= size);
    }
    if (agreed && distinct >= wanted) return;
    inParallel.abort(new CancelledError());
    // The server's own page size, where it gave fewer than asked on a page that was not the last.
    const step = first.content.length > 0 && first.content.length < size && total > first.content.length ? first.content.length : size;
    // A re-read finds the items already yielded again, so "nothing new" proves no loop here; a page that repeats
    // the one before, or more pages than twice the total could fill, does.
    const limit = 2 * Math.ceil(Math.max(total, distinct) / step) + 2;
    let before = "";
    for (let p = 0; ; p++) {
      const page = await fetchPage(p, step, signal);
      const { items } = take(page.content);
      if (items.length > 0) yield { items, total, index: index++ };
      if (full() || page.content.length < step) return;
      const ids = page.content.map((i) => String(keyOf(i))).join("\u0001");
      if (ids === before) throw pagingError(`gave the same page twice (page ${p})`);
      if (p + 1 >= limit) throw pagingError(`went on past ${limit} pages of ${step} for a total of ${total}`);
      before = ids;
    }
  } finally {
    // Pages still in flight when the consumer stopped early are cancelled; after a full listing this is a no-op.
    controller.abort(new CancelledError());
  }
}
