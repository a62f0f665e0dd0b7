/** The two paging schemes: Flatpeak's cursors (in sequence) and Blynk's numbered pages (in parallel). */
import { CancelledError } from "./errors";
import type { ApiObject, Page } from "./types";

export interface CursorPage {
  data: ApiObject[];
  hasMore: boolean;
}

/**
 * Cursor pages, one after the other (each needs the last id of the one before): `limit` up to `pageSize`,
 * `starting_after` = the last id, until `has_more` is false, a page is empty, or `max` items were yielded.
 */
export async function* cursorPages(
  fetchPage: (limit: number, startingAfter: string | undefined) => Promise<CursorPage>,
  pageSize: number,
  max: number,
): AsyncGenerator<Page> {
  let after: string | undefined;
  let yielded = 0;
  for (let index = 0; ; index++) {
    const want = max > 0 ? Math.min(pageSize, max - yielded) : pageSize;
    const page = await fetchPage(want, after);
    let items = page.data;
    if (max > 0 && yielded + items.length > max) items = items.slice(0, max - yielded);
    yielded += items.length;
    const lastId = items.length > 0 ? items[items.length - 1].id : undefined;
    const last = !page.hasMore || items.length === 0 || (max > 0 && yielded >= max) || typeof lastId !== "string";
    yield { items, index, last };
    if (last) return;
    after = lastId as string;
  }
}

export interface NumberedPage {
  content: ApiObject[];
  totalElements: number;
}

/**
 * Numbered pages (0-based): the first page gives the total; the rest are fetched in parallel, at most
 * `parallel` ahead of the consumer (the account's gate bounds what is really in flight), and yielded in order.
 * Stopping early (max reached, consumer returns) aborts the pages still in flight.
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
  const pending = new Map<number, Promise<NumberedPage>>();
  try {
    const first = await fetchPage(0, size, signal);
    const total = Number.isFinite(first.totalElements) ? first.totalElements : first.content.length;
    const wanted = max > 0 ? Math.min(max, total) : total;
    const pages = Math.max(1, Math.ceil(wanted / size));
    let yielded = 0;
    let next = 1;
    const fill = (upTo: number) => {
      while (next < pages && next <= upTo) {
        const p = fetchPage(next, size, signal);
        // Held here and awaited in order below; this keeps a page that fails early from being "unhandled".
        p.catch(() => undefined);
        pending.set(next, p);
        next++;
      }
    };
    for (let index = 0; index < pages; index++) {
      fill(index + Math.max(1, parallel));
      let page: NumberedPage;
      if (index === 0) page = first;
      else {
        page = await pending.get(index)!;
        pending.delete(index);
      }
      let items = page.content;
      if (max > 0 && yielded + items.length > max) items = items.slice(0, max - yielded);
      yielded += items.length;
      // A short page means the fleet shrank while we paged: there is nothing after it.
      const last = index === pages - 1 || (max > 0 && yielded >= max) || page.content.length < size;
      yield { items, total, index, last, pages };
      if (last) return;
    }
  } finally {
    // Pages still in flight when the consumer stopped early are cancelled; after a full listing this is a no-op.
    controller.abort(new CancelledError());
  }
}
