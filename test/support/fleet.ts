/** Loading the fleet-administration nodes (manage device, device history, watch) beside the others, from the built nodes/. */
import { ALL_NODES, helper, load } from "./nodes";

export const FLEET_NODE_TYPES = ["devicecloud-manage-device", "devicecloud-device-history", "devicecloud-watch"];
export const FLEET_NODES = FLEET_NODE_TYPES.map(load);

/** As loadFlow in ./nodes, with the fleet nodes too. */
export async function loadFleetFlow(flow: Array<Record<string, unknown>>, creds: Record<string, unknown> = {}): Promise<void> {
  const nodes = [{ id: "t1", type: "tab", label: "test" }, ...flow.map((n, i) => (n.type === "devicecloud-account" ? n : { z: "t1", x: 100, y: 40 * (i + 1), ...n }))];
  await helper.load([...ALL_NODES, ...FLEET_NODES], nodes as never, creds);
}

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
