/**
 * `devicecloud-watch`: a trigger. It polls the account every `interval` seconds (an input message can ask it to poll
 * now, pause or resume) and sends a message when a watched device goes online or offline, or (Blynk) when a device is activated. Polls never overlap; the
 * interval is raised, with a warning, when one poll needs more requests than the watch's share of the account's
 * rate limit allows (src/api/watch.ts). Errors go to node.error(err, msg), so a Catch node receives them.
 */
import type { Node, NodeAPI } from "node-red";
import {
  ASSUMED_LIMIT,
  DEFAULTS,
  DeviceCloudError,
  describe,
  invalidInput,
  isCancelled,
  minimumInterval,
  notOffered,
  offersOperation,
  OPERATION_NAMES,
  parseDeviceList,
  PROVIDER_NAMES,
  WATCH_SHARE,
  Watcher,
  type CallOptions,
  type PollResult,
  type WatchKind,
} from "./api";
import { evaluateProperty, isBlank, toDeviceCloudError, type Msg } from "./runtime/pipeline";
import { errorStatus, stamped, statusBoard, type Status } from "./runtime/status";
import { shared, type AccountNode, type FlowNodeDef } from "./runtime/types";

/** Seconds; a runtime setting (settings.js `devicecloudWatchMinInterval`) may lower it, e.g. for tests. */
const DEFAULT_MIN_INTERVAL = 10;
const DEFAULT_INTERVAL = 60;
/** The longest wait a Node.js timer can hold is 2^31 − 1 ms; a longer one would fire at once, in a loop. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_INTERVAL = Math.floor(MAX_TIMER_MS / 1000);
/** Delay of the first poll after a deploy, so that the nodes it sends to are started (as inject's "once"). */
const FIRST_POLL_MS = 100;
/** The node-context key (default store) of the watcher's last known state, so "changes only" outlives a restart. */
const STATE_KEY = "watchState";

export = function (RED: NodeAPI): void {
  function Watch(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const account = def.account ? (RED.nodes.getNode(def.account) as AccountNode | null) : null;
    const minInterval = minIntervalSetting(RED.settings);
    const windowMs = DEFAULTS.windowMs;

    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let controller: AbortController | undefined;
    let watcher: Watcher | undefined;
    let lastReported = "";
    let warnedFor = 0;
    let waiting = false;
    const board = statusBoard(node);
    const show = board.show;

    // Everything is read once; a bad property fails every poll with the same INVALID_INPUT (and stops polling).
    let config: { kind: WatchKind; interval: number; initial: "state" | "none"; offlineAfter: number } | undefined;
    let configError: DeviceCloudError | undefined;
    try {
      config = readConfig(def, minInterval);
      if (!account || typeof account.client !== "function") {
        throw invalidInput("account", "choose a device cloud account in the node (the account node is missing or not deployed).");
      }
      if (!offersOperation(account.provider, "watch") || (config.kind === "activated" && account.provider !== "blynk")) {
        throw notOffered(account.provider, config.kind === "activated" ? "watching for activated devices" : OPERATION_NAMES.watch);
      }
    } catch (err) {
      configError = toDeviceCloudError(err);
    }
    if (configError) {
      show({ fill: "red", shape: "ring", text: configError.code === "UNSUPPORTED" ? shared("status.unsupported") : configError.code });
    }

    /** Paused: no poll is scheduled until "resume". */
    let paused = false;
    let running = false;
    /** A "poll" that came while a poll ran: the next one starts as soon as this one ends (polls never overlap). */
    let pollSoon = false;

    const schedule = (ms: number) => {
      if (closed || paused) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        void poll();
      }, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
    };

    const report = (err: unknown) => {
      const e = toDeviceCloudError(err);
      show(errorStatus(e.code));
      // A run of the same failure is reported once; the status keeps showing it until a poll succeeds.
      const key = `${e.code}\u0000${e.message}`;
      if (key === lastReported) return;
      lastReported = key;
      const msg = { _msgid: RED.util.generateId(), topic: "", payload: null, event: "error" } as unknown as Msg;
      node.error(e, msg);
    };

    async function poll(): Promise<void> {
      if (closed) return;
      if (configError || !config || !account) {
        report(configError);
        return; // Nothing will change until the node is redeployed.
      }
      const started = Date.now();
      let next = config.interval;
      running = true;
      controller = new AbortController();
      const call: CallOptions = {
        signal: controller.signal,
        onWait: (w) => {
          if (w === waiting) return;
          waiting = w;
          if (w) show({ fill: "yellow", shape: "ring", text: shared("status.waiting") });
        },
      };
      try {
        const client = await account.client();
        watcher ??= await startWatcher(client, config);
        const ids = config.kind === "status" ? await deviceList(def) : undefined;
        const result = await watcher.poll(call, ids);
        if (closed) return;
        waiting = false;
        lastReported = "";
        send(result);
        await keepState(watcher);
        const documented = client.rateLimit();
        const limit = Number.isFinite(documented) ? documented : ASSUMED_LIMIT[client.provider];
        const exact = minimumInterval(result.requests, limit, windowMs);
        if (exact > next) {
          // Whole seconds from 1 s up, hundredths below (only a lowered minimum gets there).
          const needed = exact >= 1 ? Math.ceil(exact) : Math.ceil(exact * 100) / 100;
          next = needed;
          if (warnedFor !== needed) {
            warnedFor = needed;
            node.warn(
              `interval: ${config.interval} s is too short for ${result.requests} requests per poll within ${Math.round(WATCH_SHARE * 100)} % of ` +
                `${PROVIDER_NAMES[client.provider]}'s ${limit} requests per ${Math.round(windowMs / 1000)} s; polling every ${needed} s instead.`,
            );
          }
        }
        if (!paused) show(statusOf(RED, config.kind, result));
      } catch (err) {
        if (closed || (isCancelled(err) && controller.signal.aborted)) return;
        report(isCancelled(err) ? new DeviceCloudError("NETWORK", "The request was cancelled.") : err);
      } finally {
        controller = undefined;
        running = false;
        if (pollSoon) {
          pollSoon = false;
          if (!closed) void poll();
        } else if (!closed) schedule(next * 1000 - (Date.now() - started));
      }
    }

    /** "poll" polls now (once, also while paused), "pause" stops the polling, "resume" polls now and goes on. */
    node.on("input", (msg: Msg, _send: unknown, done: (err?: Error) => void) => {
      const command = watchCommand(msg);
      if (command instanceof DeviceCloudError) return done(command);
      if (command === "pause") {
        paused = true;
        if (timer) clearTimeout(timer);
        timer = undefined;
        show({ fill: "grey", shape: "ring", text: RED._("devicecloud-watch.status.paused") });
      } else if (command === "resume" && !paused) {
        // Already polling: nothing to do.
      } else {
        if (command === "resume") paused = false;
        if (running) pollSoon = true;
        else {
          if (timer) clearTimeout(timer);
          timer = undefined;
          void poll();
        }
      }
      done();
    });

    /**
     * "Changes only" goes on from the state kept in the node's context (the default store: it outlives a restart
     * where that store is persistent); "the current state once" starts afresh, as its first poll sends the state.
     */
    async function startWatcher(client: Awaited<ReturnType<AccountNode["client"]>>, c: NonNullable<typeof config>): Promise<Watcher> {
      const w = new Watcher(client, c.kind, { offlineAfter: c.offlineAfter, minutes: activationWindow(c.interval) });
      if (c.initial === "none") {
        try {
          w.restore(await new Promise((resolve, reject) => node.context().get(STATE_KEY, (err, value) => (err ? reject(err) : resolve(value)))));
        } catch (err) {
          node.warn(`context: the last known state could not be read (${(err as Error).message}); the first poll only learns the state.`);
        }
      }
      return w;
    }

    /** One write per poll; a store that fails is reported once, and the watch goes on without it. */
    let keepFailed = false;
    async function keepState(w: Watcher): Promise<void> {
      try {
        await new Promise<void>((resolve, reject) => node.context().set(STATE_KEY, w.state(), (err) => (err ? reject(err) : resolve())));
        keepFailed = false;
      } catch (err) {
        if (!keepFailed) node.warn(`context: the last known state could not be kept (${(err as Error).message}); after a restart the watch starts afresh.`);
        keepFailed = true;
      }
    }

    async function deviceList(d: FlowNodeDef): Promise<unknown[] | undefined> {
      if (isBlank(d.devices)) return undefined;
      const type = isBlank(d.devicesType) ? "str" : String(d.devicesType);
      const value = await evaluateProperty(RED, node, {} as Msg, "devices", d.devices, type);
      return parseDeviceList(value);
    }

    function send(result: PollResult): void {
      if (result.first && config!.initial === "none") return;
      for (const e of result.events) {
        const msg: Record<string, unknown> = {
          _msgid: RED.util.generateId(),
          topic: String(e.deviceId),
          payload: e.payload,
          event: e.event,
          initial: result.first,
        };
        if (e.device) msg.device = e.device;
        node.send(msg as Msg);
      }
    }

    schedule(FIRST_POLL_MS);

    node.on("close", (_removed: boolean, done: () => void) => {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      controller?.abort();
      board.close();
      done();
    });
  }

  RED.nodes.registerType("devicecloud-watch", Watch, {
    settings: {
      devicecloudWatchMinInterval: { value: DEFAULT_MIN_INTERVAL, exportable: true },
    },
  });
};

function readConfig(def: FlowNodeDef, minInterval: number) {
  const kind = isBlank(def.watch) ? "status" : String(def.watch);
  if (kind !== "status" && kind !== "activated") throw invalidInput("watch", `must be "status" or "activated", got ${describe(def.watch)}.`);
  const interval = isBlank(def.interval) ? DEFAULT_INTERVAL : Number(def.interval);
  if (!Number.isFinite(interval) || interval < minInterval) {
    throw invalidInput("interval", `must be a number of seconds of at least ${minInterval} (so the watch never floods the account), got ${describe(def.interval)}.`);
  }
  if (interval > MAX_INTERVAL) {
    throw invalidInput("interval", `must be at most ${MAX_INTERVAL} seconds (24 days, the longest a timer waits), got ${describe(def.interval)}.`);
  }
  if (kind === "activated" && interval > 1800) {
    throw invalidInput("interval", `watching for activations polls at least every 1800 s (the cloud remembers activations for 60 minutes), got ${interval}.`);
  }
  const initial = isBlank(def.initial) ? "state" : String(def.initial);
  if (initial !== "state" && initial !== "none") throw invalidInput("initial", `must be "state" or "none", got ${describe(def.initial)}.`);
  const offlineAfter = isBlank(def.offlineAfter) ? 900 : Number(def.offlineAfter);
  if (!Number.isFinite(offlineAfter) || offlineAfter <= 0) throw invalidInput("offlineAfter", "must be a number of seconds greater than 0.");
  return { kind: kind as WatchKind, interval, initial: initial as "state" | "none", offlineAfter };
}

const COMMANDS = ["poll", "pause", "resume"] as const;

/** The command in msg.payload (a string), else in msg.topic. */
function watchCommand(msg: Msg): (typeof COMMANDS)[number] | DeviceCloudError {
  const raw = typeof msg.payload === "string" && msg.payload.trim() !== "" ? msg.payload : msg.topic;
  const command = typeof raw === "string" ? raw.trim().toLowerCase() : "";
  if ((COMMANDS as readonly string[]).includes(command)) return command as (typeof COMMANDS)[number];
  return invalidInput("command", `send "poll", "pause" or "resume" in msg.payload (or msg.topic), got ${describe(raw)}.`);
}

/** The last-activated window: twice the interval, rounded up to whole minutes, 1 to 60. */
function activationWindow(intervalSec: number): number {
  return Math.min(60, Math.max(1, Math.ceil((2 * intervalSec) / 60)));
}

function minIntervalSetting(settings: unknown): number {
  const v = Number((settings as Record<string, unknown> | undefined)?.devicecloudWatchMinInterval);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_MIN_INTERVAL;
}

/** "3/12 online · 12:03": to the minute, so a watch polling every few seconds sets its status once a minute. */
function statusOf(RED: NodeAPI, kind: WatchKind, r: PollResult): Status {
  const text =
    kind === "status"
      ? RED._("devicecloud-watch.status.online", { online: r.online ?? 0, total: r.watched })
      : RED._("devicecloud-watch.status.activated", { count: r.watched });
  return { fill: "green", shape: "dot", text: stamped(text, false) };
}
