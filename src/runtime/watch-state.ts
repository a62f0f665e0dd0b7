/**
 * The watcher's last known state, kept in the node's context (the default store): where that store is persistent,
 * "changes only" outlives a restart. A store that fails is reported once, and the watch goes on without it.
 */
import type { Node } from "node-red";
import type { Watcher } from "../api";

/** The node-context key (default store) of the watcher's last known state. */
const STATE_KEY = "watchState";

export class KeptWatchState {
  private keepFailed = false;

  constructor(private readonly node: Node) {}

  async restoreInto(watcher: Watcher): Promise<void> {
    try {
      watcher.restore(await new Promise((resolve, reject) => this.node.context().get(STATE_KEY, (err, value) => (err ? reject(err) : resolve(value)))));
    } catch (err) {
      this.node.warn(`context: the last known state could not be read (${(err as Error).message}); the first poll only learns the state.`);
    }
  }

  /** One write per poll. */
  async keep(watcher: Watcher): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => this.node.context().set(STATE_KEY, watcher.state(), (err) => (err ? reject(err) : resolve())));
      this.keepFailed = false;
    } catch (err) {
      if (!this.keepFailed) this.node.warn(`context: the last known state could not be kept (${(err as Error).message}); after a restart the watch starts afresh.`);
      this.keepFailed = true;
    }
  }
}
