/**
 * `devicecloud-watch`: a trigger. It polls the account every `interval` seconds (an input message can ask it to poll
 * now, pause or resume) and sends a message when a watched device goes online or offline, or (Blynk) when a device is activated. The loop is
 * src/runtime/poll-loop.ts, one poll src/runtime/watch-poll.ts; this file reads the node's properties and wires them.
 */
import type { Node, NodeAPI } from "node-red";
import { DeviceCloudError, describe, invalidInput, notOffered, offered, WATCH_KIND_NAMES, type WatchKind } from "./api";
import { isBlank, toDeviceCloudError, usableAccount, type Msg } from "./runtime/pipeline";
import { MAX_TIMER_MS, PollLoop } from "./runtime/poll-loop";
import { statusBoard } from "./runtime/status";
import { shared, type AccountNode, type FlowNodeDef } from "./runtime/types";
import { WatchPolls, type WatchConfig } from "./runtime/watch-poll";

/** Seconds; a runtime setting (settings.js `devicecloudWatchMinInterval`) may lower it, e.g. for tests. */
const DEFAULT_MIN_INTERVAL = 10;
const DEFAULT_INTERVAL = 60;
const MAX_INTERVAL = Math.floor(MAX_TIMER_MS / 1000);
/** Delay of the first poll after a deploy, so that the nodes it sends to are started (as inject's "once"). */
const FIRST_POLL_MS = 100;

export = function (RED: NodeAPI): void {
  function Watch(this: Node, def: FlowNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const account = def.account ? (RED.nodes.getNode(def.account) as AccountNode | null) : null;
    const board = statusBoard(node);
    const show = board.show;

    // Everything is read once; a bad property fails every poll with the same INVALID_INPUT (and stops polling).
    const config = checkedConfig(def, account, minIntervalSetting(RED.settings));
    if (config instanceof DeviceCloudError) {
      show({ fill: "red", shape: "ring", text: config.code === "UNSUPPORTED" ? shared("status.unsupported") : config.code });
    }

    const polls = new WatchPolls(RED, node, def, show);
    const loop: PollLoop = new PollLoop(async () => {
      if (config instanceof DeviceCloudError || !account) {
        polls.report(config);
        return undefined; // Nothing will change until the node is redeployed.
      }
      return polls.poll(account, config, loop);
    });

    /** "poll" polls now (once, also while paused), "pause" stops the polling, "resume" polls now and goes on. */
    node.on("input", (msg: Msg, _send: unknown, done: (err?: Error) => void) => {
      const command = watchCommand(msg);
      if (command instanceof DeviceCloudError) return done(command);
      if (command === "pause") {
        loop.pause();
        show({ fill: "grey", shape: "ring", text: RED._("devicecloud-watch.status.paused") });
      } else if (command === "resume") loop.resume();
      else loop.pollNow();
      done();
    });

    loop.schedule(FIRST_POLL_MS);

    node.on("close", (_removed: boolean, done: () => void) => {
      loop.close();
      polls.abort();
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

/** The node's properties, checked, and its account's offer of the watch; or the error every poll reports. */
function checkedConfig(def: FlowNodeDef, account: AccountNode | null, minInterval: number): WatchConfig | DeviceCloudError {
  try {
    const config = readConfig(def, minInterval);
    const usable = usableAccount(account, "watch");
    if (!offered(usable.provider, "watchKinds", config.kind)) throw notOffered(usable.provider, WATCH_KIND_NAMES[config.kind]);
    return config;
  } catch (err) {
    return toDeviceCloudError(err);
  }
}

function readConfig(def: FlowNodeDef, minInterval: number): WatchConfig {
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

function minIntervalSetting(settings: unknown): number {
  const v = Number((settings as Record<string, unknown> | undefined)?.devicecloudWatchMinInterval);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_MIN_INTERVAL;
}
