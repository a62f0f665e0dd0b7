/**
 * The one error type every client call and every node reports. It carries a contract code and a message a
 * person can act on, and nothing else: never a request, a response, headers or a token.
 */
export type ErrorCode =
  | "INVALID_INPUT"
  | "UNSUPPORTED"
  | "AUTH_FAILED"
  | "NOT_FOUND"
  | "RATE_LIMITED"
  | "TIMEOUT"
  | "NETWORK"
  | "API_ERROR";

export const ERROR_CODES: readonly ErrorCode[] = [
  "INVALID_INPUT",
  "UNSUPPORTED",
  "AUTH_FAILED",
  "NOT_FOUND",
  "RATE_LIMITED",
  "TIMEOUT",
  "NETWORK",
  "API_ERROR",
];

export class DeviceCloudError extends Error {
  readonly code: ErrorCode;
  /** HTTP status of the last answer, where there was one. */
  readonly status?: number;
  /** The input field at fault, for INVALID_INPUT. */
  readonly field?: string;
  /** The cloud's own machine-readable error code (Flatpeak `no_tariff_connected`, …), where it gave one. */
  readonly cloudCode?: string;

  constructor(code: ErrorCode, message: string, options: { status?: number; field?: string; cloudCode?: string } = {}) {
    super(message);
    this.name = "DeviceCloudError";
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.field !== undefined) this.field = options.field;
    if (options.cloudCode !== undefined) this.cloudCode = options.cloudCode;
  }

  /** Node-RED shows `err.toString()` as msg.error.message: keep it to the sentence itself. */
  override toString(): string {
    return this.message;
  }
}

export function invalidInput(field: string, message: string): DeviceCloudError {
  return new DeviceCloudError("INVALID_INPUT", `${field}: ${message}`, { field });
}

/**
 * Text that goes into a URL must be well-formed UTF-16: an unpaired surrogate cannot be percent-encoded
 * (encodeURIComponent throws), which would otherwise surface as a confusing network error.
 */
export function wellFormed(field: string, text: string): string {
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) {
    throw invalidInput(field, "contains a broken character (an unpaired UTF-16 surrogate) that cannot be sent.");
  }
  return text;
}

/** Thrown (internally) when a request was cancelled because its node or account closed. Never reported. */
export class CancelledError extends Error {
  constructor() {
    super("cancelled");
    this.name = "CancelledError";
  }
}

export function isCancelled(err: unknown): err is CancelledError {
  return err instanceof CancelledError;
}

/** Marks where a secret was taken out of a text. */
export const REDACTED = "[redacted]";

/**
 * Takes every secret out of a text, in each form a cloud may echo it in: as sent, percent-encoded (either case of
 * hex digits, `+` for a space as in a form body) and escaped inside a JSON string (with or without `\/`). Call it
 * on the whole text before any cut: a secret cut in two is no longer found. Secrets shorter than 4 characters are
 * left alone (they would take out ordinary words).
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length < 4) continue;
    for (const form of secretForms(secret)) if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/** The forms of one secret, longest first, so that no shorter form leaves a piece of a longer one behind. */
function secretForms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = new Set([
    encoded,
    encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    encoded.replace(/%20/g, "+"),
    json.replace(/\//g, "\\/"),
    json,
    secret,
  ]);
  return [...forms].sort((a, b) => b.length - a.length);
}
