/**
 * What a node shows under it. An outcome carries the local time of the Node-RED host ("ok · 12:03:41",
 * "NOT_FOUND · 12:03:41"), so a glance tells how fresh it is. A status is set only when it changes: a stream of
 * messages within one second sets "ok" once, a listing sets one status per page, and nothing is set after close.
 */
import type { Node, NodeAPI } from "node-red";
import { shared } from "./types";

export interface Status {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "ring" | "dot";
  text?: string;
}

/** The host's local time of day, "12:03:41", or "12:03" without seconds. */
export function clock(at: Date = new Date(), seconds = true): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const minutes = `${two(at.getHours())}:${two(at.getMinutes())}`;
  return seconds ? `${minutes}:${two(at.getSeconds())}` : minutes;
}

/** A text with the time it became true: "ok · 12:03:41". */
export function stamped(text: string, seconds = true): string {
  return `${text} · ${clock(new Date(), seconds)}`;
}

/**
 * "ok · 12:03:41", made once per second: every message that succeeds sets it, and looking the word up in the
 * runtime's catalogue and formatting the time for each one cost more than a tenth of the node's own CPU.
 */
const okStatuses = new WeakMap<NodeAPI, { second: number; status: Status }>();

export function okStatus(RED: NodeAPI): Status {
  const second = Math.floor(Date.now() / 1000);
  const last = okStatuses.get(RED);
  if (last?.second === second) return last.status;
  const status: Status = { fill: "green", shape: "dot", text: stamped(RED._(shared("status.ok"))) };
  okStatuses.set(RED, { second, status });
  return status;
}

/** An error code is the same in every language: it is what a Catch node receives in msg.error.code. */
export function errorStatus(code: string): Status {
  return { fill: "red", shape: "ring", text: stamped(code) };
}

/** "page 3 of 100" while a listing runs ("page 3" where the cloud gives no total). */
export function pageStatus(RED: NodeAPI, page: number, pages?: number): Status {
  const text = pages === undefined ? RED._(shared("status.page"), { page }) : RED._(shared("status.pageOf"), { page, pages });
  return { fill: "blue", shape: "dot", text };
}

/** Sets a node's status when it differs from the one shown, and never after close(). */
export function statusBoard(node: Node): { show(s: Status): void; close(): void } {
  let shown: Status | undefined;
  let closed = false;
  return {
    show(s: Status) {
      if (closed || (shown && s.text === shown.text && s.fill === shown.fill && s.shape === shown.shape)) return;
      shown = { fill: s.fill, shape: s.shape, text: s.text };
      node.status(s);
    },
    close() {
      closed = true;
      node.status({});
    },
  };
}
