/**
 * What every flow node shares: finding the account, the provider check, property resolution (TypedInputs through
 * RED.util.evaluateNodeProperty in its callback form), the device-id fallback, the status, cancellation on close,
 * and the one error path: done(err) with a DeviceCloudError, so a Catch node gets msg.error.code.
 */
import type { Node, NodeAPI, NodeMessageInFlow } from "node-red";
import { DeviceCloudError, invalidInput, isBlank, isCancelled, offered, unsupported, type AnyClient, type CallOptions, type Operation } from "../api";
import { errorStatus, okStatus, pageStatus, statusBoard, type Status } from "./status";
import { shared, type AccountNode, type FlowNodeDef } from "./types";

/** A message as it flows: any properties. */
export type Msg = NodeMessageInFlow & Record<string, unknown>;

export interface InputContext {
  msg: Msg;
  send: (msg: Msg | Msg[]) => void;
  client: AnyClient;
  /** Pass to every client call: cancellation on close, and the waiting status. */
  call: CallOptions;
  /** A TypedInput property of the node (value in def[prop], type in def[typeProp]). */
  evaluate(field: string, value: unknown, type: unknown): Promise<unknown>;
  /**
   * The device id from the deviceId TypedInput, else msg.payload, else msg.payload.id; checked for the provider.
   * `fromPayload: false` leaves msg.payload out (the contract's two exceptions): a node whose payload is the value
   * to write, and an action that cannot be undone, act only on a device named by the property or msg.deviceId.
   */
  deviceId(options?: DeviceIdOptions): Promise<string | number>;
  /**
   * A fresh copy of the input message without its payload, for nodes that send several messages each with a payload
   * of its own: the incoming payload (which may be large) is not copied once per message sent.
   */
  cloneWithoutPayload(): Msg;
  /** A listing's progress for the status: page `page` (from 1) of `pages`, where the cloud tells how many. */
  progress(page: number, pages?: number): void;
}

export type Handler = (ctx: InputContext) => Promise<void>;

export interface DeviceIdOptions {
  /** false: msg.payload is never taken for the device. */
  fromPayload?: boolean;
  /** Why msg.payload is not read, for the INVALID_INPUT message ("it holds the value to write"). */
  why?: string;
}

/** Kept under this name for the nodes that set an idle status of their own. */
export type StatusState = Status;

export interface FlowNodeOptions {
  /** The status to show when no request is under way and the last one succeeded (default: green "ok · time"). */
  idleStatus?: () => StatusState | undefined;
}

/** Wires a flow node; the returned `refresh` shows the status again (after the idle status changed). */
export function setupFlowNode(RED: NodeAPI, node: Node, def: FlowNodeDef, op: Operation, handler: Handler, options: FlowNodeOptions = {}): { refresh: () => void } {
  const account = def.account ? (RED.nodes.getNode(def.account) as AccountNode | null) : null;
  const inflight = new Set<AbortController>();
  let closed = false;
  const board = statusBoard(node);
  const status = new RequestStatus(board.show, options.idleStatus);
  const problem = accountProblem(account, op);
  if (problem) board.show(problem);

  node.on("input", (msg: NodeMessageInFlow, send: (m: Msg | Msg[]) => void, done: (err?: Error) => void) => {
    const controller = new AbortController();
    inflight.add(controller);
    const request = status.begin();
    const finish = (err?: unknown) => {
      inflight.delete(controller);
      request.end();
      if (closed) return; // Nothing is sent or reported once the node is closed.
      if (err === undefined) {
        status.settle(okStatus(RED));
        done();
        return;
      }
      const error = toDeviceCloudError(err);
      status.settle(errorStatus(error.code));
      done(error);
    };
    const call: CallOptions = { signal: controller.signal, onWait: request.onWait };
    run(msg as Msg, send, call).then(() => finish(), (err: unknown) => {
      if (isCancelled(err) && closed) return finish(err);
      finish(isCancelled(err) ? new DeviceCloudError("NETWORK", "The request was cancelled.") : err);
    });
  });

  node.on("close", (_removed: boolean, done: () => void) => {
    closed = true;
    for (const c of inflight) c.abort();
    inflight.clear();
    board.close();
    done();
  });

  async function run(msg: Msg, send: (m: Msg | Msg[]) => void, call: CallOptions): Promise<void> {
    const client = await usableAccount(account, op).client();
    const evaluate = (field: string, value: unknown, type: unknown) => evaluateProperty(RED, node, msg, field, value, type);
    await handler({
      msg,
      send: (m) => {
        if (!closed) send(m);
      },
      client,
      call,
      evaluate,
      deviceId: (options) => resolveDeviceId(client, msg, def, evaluate, options),
      cloneWithoutPayload: () => RED.util.cloneMessage({ ...msg, payload: undefined }) as Msg,
      progress: (page, pages) => {
        if (!closed) status.showProgress(pageStatus(RED, page, pages));
      },
    });
  }
  return { refresh: status.refresh };
}

/** What keeps the node from working with its account, shown from the deploy on. */
function accountProblem(account: AccountNode | null, op: Operation): Status | undefined {
  try {
    usableAccount(account, op);
    return undefined;
  } catch (err) {
    const { code } = toDeviceCloudError(err);
    if (account?.problem) return errorStatus(code);
    return { fill: "red", shape: "ring", text: shared(code === "UNSUPPORTED" ? "status.unsupported" : "status.noAccount") };
  }
}

/** The node's account, if it can serve `op`; otherwise each message fails before anything is sent. */
export function usableAccount(account: AccountNode | null, op: Operation): AccountNode {
  if (!account || typeof account.client !== "function") {
    throw invalidInput("account", "choose a device cloud account in the node (the account node is missing or not deployed).");
  }
  if (account.problem) throw account.problem;
  if (!offered(account.provider, "operations", op)) {
    throw unsupported(account.provider, op);
  }
  return account;
}

/**
 * What the status shows while messages are handled: waiting (rate limit) over requesting (or a listing's progress)
 * over the last error over the idle status. Messages overlap, so it counts them.
 */
class RequestStatus {
  private active = 0;
  private waiting = 0;
  /** The outcome of the last message, stamped when it ended. */
  private outcome: Status | undefined;
  /** The progress of the listing under way, if any. */
  private progress: Status | undefined;

  constructor(
    private readonly show: (s: Status) => void,
    private readonly idleStatus?: () => Status | undefined,
  ) {}

  readonly refresh = (): void => {
    if (this.waiting > 0) this.show({ fill: "yellow", shape: "ring", text: shared("status.waiting") });
    else if (this.active > 0) this.show(this.progress ?? { fill: "blue", shape: "dot", text: shared("status.requesting") });
    else if (this.outcome?.fill === "red") this.show(this.outcome);
    else {
      const idle = this.idleStatus?.() ?? this.outcome;
      if (idle) this.show(idle);
    }
  };

  /** One message begins; `onWait` is its call's, `end` leaves the count without showing anything. */
  begin(): { onWait: (w: boolean) => void; end: () => void } {
    let waitingHere = false;
    this.active++;
    this.refresh();
    return {
      onWait: (w) => {
        if (w === waitingHere) return;
        waitingHere = w;
        this.waiting += w ? 1 : -1;
        this.refresh();
      },
      end: () => {
        if (waitingHere) {
          waitingHere = false;
          this.waiting--;
        }
        this.active--;
        if (this.active === 0) this.progress = undefined;
      },
    };
  }

  settle(outcome: Status): void {
    this.outcome = outcome;
    this.refresh();
  }

  showProgress(progress: Status): void {
    this.progress = progress;
    this.refresh();
  }
}

export function toDeviceCloudError(err: unknown): DeviceCloudError {
  if (err instanceof DeviceCloudError) return err;
  const text = err instanceof Error ? err.message : typeof err === "string" ? err : "unknown error";
  return new DeviceCloudError("API_ERROR", `Unexpected error: ${text.slice(0, 200)}`);
}

/** RED.util.evaluateNodeProperty in its callback form; any failure becomes INVALID_INPUT naming the field. */
export function evaluateProperty(RED: NodeAPI, node: Node, msg: Msg, field: string, value: unknown, type: unknown): Promise<unknown> {
  const t = typeof type === "string" && type !== "" ? type : "str";
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) =>
      reject(invalidInput(field, `could not read it as ${t} ${JSON.stringify(String(value ?? "")).slice(0, 80)}: ${e instanceof Error ? e.message : String(e)}`));
    try {
      RED.util.evaluateNodeProperty(String(value ?? ""), t, node, msg, (err: Error | null, result: unknown) => {
        if (err) fail(err);
        else resolve(result);
      });
    } catch (e) {
      fail(e);
    }
  });
}

export { isBlank };

async function resolveDeviceId(
  client: AnyClient,
  msg: Msg,
  def: FlowNodeDef,
  evaluate: InputContext["evaluate"],
  options: DeviceIdOptions = {},
): Promise<string | number> {
  const fromPayload = options.fromPayload !== false;
  const value = def.deviceId === undefined ? "deviceId" : def.deviceId;
  const type = def.deviceIdType === undefined || def.deviceIdType === "" ? "msg" : def.deviceIdType;
  let id: unknown = undefined;
  if (!(isBlank(value) && type !== "str")) {
    id = isBlank(value) ? undefined : await evaluate("deviceId", value, type);
  }
  if (isBlank(id) && fromPayload) {
    const p = msg.payload;
    if (typeof p === "string" || typeof p === "number") id = p;
    else if (p && typeof p === "object" && !Array.isArray(p) && !Buffer.isBuffer(p)) id = (p as Record<string, unknown>).id;
  }
  if (isBlank(id) && !fromPayload) {
    throw invalidInput("deviceId", `no device id: set msg.deviceId or the node's Device id; msg.payload is not read for the device here (${options.why ?? "it is not a device"}). Nothing was sent.`);
  }
  if (isBlank(id)) {
    throw invalidInput(
      "deviceId",
      "no device id: set msg.deviceId (or the node's Device id), or send the id, or a device object with an id, in msg.payload.",
    );
  }
  return client.normalizeDeviceId(id, "deviceId");
}
