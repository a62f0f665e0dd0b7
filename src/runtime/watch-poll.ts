/**
 * One poll of a devicecloud-watch: the account's cloud through the Watcher (src/api/watch.ts), a message per change,
 * the state kept, the status, and the interval raised, with a warning, when one poll needs more requests than the
 * watch's share of the account's rate limit allows. Errors go to node.error(err, msg), so a Catch node receives them.
 */
import type { Node, NodeAPI } from "node-red";
import {
  ASSUMED_LIMIT,
  DEFAULTS,
  DeviceCloudError,
  isCancelled,
  minimumInterval,
  parseDeviceList,
  PROVIDER_NAMES,
  WATCH_SHARE,
  Watcher,
  type AnyClient,
  type CallOptions,
  type PollResult,
  type WatchKind,
} from "../api";
import { evaluateProperty, isBlank, toDeviceCloudError, type Msg } from "./pipeline";
import { errorStatus, stamped, type Status } from "./status";
import { shared, type AccountNode, type FlowNodeDef } from "./types";
import { KeptWatchState } from "./watch-state";

export interface WatchConfig {
  kind: WatchKind;
  interval: number;
  initial: "state" | "none";
  offlineAfter: number;
}

/** What a poll needs to know of the loop that runs it. */
export interface LoopState {
  readonly paused: boolean;
  readonly closed: boolean;
}

export class WatchPolls {
  private watcher: Watcher | undefined;
  private controller: AbortController | undefined;
  private waiting = false;
  private lastReported = "";
  private warnedFor = 0;
  private readonly kept: KeptWatchState;

  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
    private readonly def: FlowNodeDef,
    private readonly show: (s: Status) => void,
  ) {
    this.kept = new KeptWatchState(node);
  }

  /** Polls once; answers the seconds until the next poll is due, counted from this one's start. */
  async poll(account: AccountNode, config: WatchConfig, loop: LoopState): Promise<number> {
    let next = config.interval;
    const controller = (this.controller = new AbortController());
    try {
      const client = await account.client();
      this.watcher ??= await this.startWatcher(client, config);
      const ids = config.kind === "status" ? await this.deviceList() : undefined;
      const result = await this.watcher.poll(this.callOptions(controller), ids);
      if (loop.closed) return next;
      this.waiting = false;
      this.lastReported = "";
      this.send(result, config);
      await this.kept.keep(this.watcher);
      next = this.widenedInterval(client, config, result.requests);
      if (!loop.paused) this.show(statusOf(this.RED, config.kind, result));
    } catch (err) {
      if (loop.closed || (isCancelled(err) && controller.signal.aborted)) return next;
      this.report(isCancelled(err) ? new DeviceCloudError("NETWORK", "The request was cancelled.") : err);
    } finally {
      this.controller = undefined;
    }
    return next;
  }

  /** Cancels the poll under way. */
  abort(): void {
    this.controller?.abort();
  }

  report(err: unknown): void {
    const e = toDeviceCloudError(err);
    this.show(errorStatus(e.code));
    // A run of the same failure is reported once; the status keeps showing it until a poll succeeds.
    const key = `${e.code}\u0000${e.message}`;
    if (key === this.lastReported) return;
    this.lastReported = key;
    const msg = { _msgid: this.RED.util.generateId(), topic: "", payload: null, event: "error" } as unknown as Msg;
    this.node.error(e, msg);
  }

  private callOptions(controller: AbortController): CallOptions {
    return {
      signal: controller.signal,
      onWait: (w) => {
        if (w === this.waiting) return;
        this.waiting = w;
        if (w) this.show({ fill: "yellow", shape: "ring", text: shared("status.waiting") });
      },
    };
  }

  /**
   * "Changes only" goes on from the state kept in the node's context; "the current state once" starts afresh, as
   * its first poll sends the state.
   */
  private async startWatcher(client: AnyClient, c: WatchConfig): Promise<Watcher> {
    const w = new Watcher(client, c.kind, { offlineAfter: c.offlineAfter, minutes: activationWindow(c.interval) });
    if (c.initial === "none") await this.kept.restoreInto(w);
    return w;
  }

  private async deviceList(): Promise<unknown[] | undefined> {
    if (isBlank(this.def.devices)) return undefined;
    const type = isBlank(this.def.devicesType) ? "str" : String(this.def.devicesType);
    const value = await evaluateProperty(this.RED, this.node, {} as Msg, "devices", this.def.devices, type);
    return parseDeviceList(value);
  }

  private send(result: PollResult, config: WatchConfig): void {
    if (result.first && config.initial === "none") return;
    for (const e of result.events) {
      const msg: Record<string, unknown> = {
        _msgid: this.RED.util.generateId(),
        topic: String(e.deviceId),
        payload: e.payload,
        event: e.event,
        initial: result.first,
      };
      if (e.device) msg.device = e.device;
      this.node.send(msg as Msg);
    }
  }

  /** The configured interval, or the longer one the account's rate limit needs for `requests` per poll. */
  private widenedInterval(client: AnyClient, config: WatchConfig, requests: number): number {
    const documented = client.rateLimit();
    const limit = Number.isFinite(documented) ? documented : ASSUMED_LIMIT[client.provider];
    const windowMs = DEFAULTS.windowMs;
    const exact = minimumInterval(requests, limit, windowMs);
    if (exact <= config.interval) return config.interval;
    // Whole seconds from 1 s up, hundredths below (only a lowered minimum gets there).
    const needed = exact >= 1 ? Math.ceil(exact) : Math.ceil(exact * 100) / 100;
    if (this.warnedFor !== needed) {
      this.warnedFor = needed;
      this.node.warn(
        `interval: ${config.interval} s is too short for ${requests} requests per poll within ${Math.round(WATCH_SHARE * 100)} % of ` +
          `${PROVIDER_NAMES[client.provider]}'s ${limit} requests per ${Math.round(windowMs / 1000)} s; polling every ${needed} s instead.`,
      );
    }
    return needed;
  }
}

/** The last-activated window: twice the interval, rounded up to whole minutes, 1 to 60. */
function activationWindow(intervalSec: number): number {
  return Math.min(60, Math.max(1, Math.ceil((2 * intervalSec) / 60)));
}

/** "3/12 online · 12:03": to the minute, so a watch polling every few seconds sets its status once a minute. */
function statusOf(RED: NodeAPI, kind: WatchKind, r: PollResult): Status {
  const text =
    kind === "status"
      ? RED._("devicecloud-watch.status.online", { online: r.online ?? 0, total: r.watched })
      : RED._("devicecloud-watch.status.activated", { count: r.watched });
  return { fill: "green", shape: "dot", text: stamped(text, false) };
}
