/**
 * Listening for many waits under one signal with one listener on it. The requests of one call share its signal (a
 * listing's pages, a poll's devices, thousands at once); each adding a listener of its own would make every removal
 * a scan of all of them, and Node warns from the eleventh on.
 */
export class AbortListeners {
  private readonly bySignal = new Map<AbortSignal, { callbacks: Set<() => void>; listener: () => void }>();

  /** Calls `callback` once when `signal` aborts; the function returned stops that. */
  add(signal: AbortSignal, callback: () => void): () => void {
    let entry = this.bySignal.get(signal);
    if (!entry) {
      const callbacks = new Set<() => void>();
      const listener = () => {
        this.bySignal.delete(signal);
        for (const c of callbacks) c();
      };
      entry = { callbacks, listener };
      this.bySignal.set(signal, entry);
      signal.addEventListener("abort", listener, { once: true });
    }
    const e = entry;
    e.callbacks.add(callback);
    return () => {
      e.callbacks.delete(callback);
      if (e.callbacks.size === 0 && this.bySignal.get(signal) === e) {
        this.bySignal.delete(signal);
        signal.removeEventListener("abort", e.listener);
      }
    };
  }
}
