/**
 * The built-in simulator for accounts with `simulate` on: one server in this process, started by the first such
 * account and stopped when the last one closes. It has no control API (/_simulator/): no other process on the
 * machine can inject faults into, slow down or read the stats of the simulator a flow works with.
 */
import { startSimulator, type Simulator, type SimulatorOptions } from "../simulator";

let shared: { sim: Promise<Simulator>; users: number } | undefined;

export function acquireSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  if (!shared) {
    const sim = startSimulator({ host: "127.0.0.1", port: 0, ...options, controlApi: false });
    shared = { sim, users: 0 };
    sim.catch(() => {
      if (shared?.sim === sim) shared = undefined;
    });
  }
  shared.users++;
  return shared.sim;
}

export async function releaseSimulator(): Promise<void> {
  if (!shared) return;
  shared.users--;
  if (shared.users > 0) return;
  const { sim } = shared;
  shared = undefined;
  try {
    await (await sim).close();
  } catch {
    // It never started: nothing to stop.
  }
}

/** The running shared simulator, if any (tests and the demo use it to inject faults). */
export function currentSimulator(): Promise<Simulator> | undefined {
  return shared?.sim;
}
