/** Helpers of the fleet-administration specs (manage device, device history, watch). */
import { helper, loadFlow } from "./nodes";

/** loadFlow of ./nodes (which loads every node of the package). */
export const loadFleetFlow = loadFlow;

/** Every message a node receives from now on. */
export function received(id: string): Array<Record<string, any>> {
  const got: Array<Record<string, any>> = [];
  helper.getNode(id).on("input", (m: Record<string, any>) => got.push(m));
  return got;
}

/** Waits until `cond()` is true (polling every 10 ms), or fails after `ms`. */
export async function until(cond: () => boolean, ms = 5000, what = "the condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
