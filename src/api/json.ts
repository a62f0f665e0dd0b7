/**
 * JSON from an answer's bytes.
 *
 * A string of more than about 128 KB is a large object in V8: allocated and freed on pages of its own, outside the
 * young generation. On this project's 2-core VM that costs about 4 ns a byte, more than parsing the text: 1.4 ms to
 * decode a 340 KB page of 1,000 Blynk devices, against 0.1 ms for the same bytes in pieces of 100 KB. A large answer
 * is therefore read in pieces: the arrays of its top-level object (or the top-level array) are parsed a group of
 * elements at a time, from pieces of text under that size.
 *
 * The scanner only finds where each value ends; JSON.parse reads every value, so its result is JSON.parse's. An
 * answer the scanner does not follow (a shape it does not split, a byte out of place) is read whole, so a malformed
 * answer fails as JSON.parse says.
 */

/** Answers at least this long are read in pieces. */
export const LARGE_ANSWER_BYTES = 128 * 1024;
/** A group of array elements is parsed once its text reaches this length. */
const PIECE_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Thrown by the scanner where the text is not as it expects; the answer is then read whole. */
class NotFollowed extends Error {}

/** An answer's data: undefined when its body holds nothing but white space; else as JSON.parse reads it (or throws). */
export function answerData(body: Buffer | string): unknown {
  if (typeof body === "string") return body.trim() === "" ? undefined : JSON.parse(body);
  let i = 0;
  while (i < body.length && isSpace(body[i])) i++;
  return i === body.length ? undefined : parseJson(body);
}

export function parseJson(bytes: Buffer): unknown {
  if (bytes.length >= LARGE_ANSWER_BYTES) {
    const read = readInPieces(bytes);
    if (read) return read.value;
  }
  // JSON.parse gives the answer, or the error a malformed one deserves.
  return JSON.parse(bytes.toString("utf8"));
}

/** The document read in pieces, or undefined where the scanner does not follow it or a piece is not JSON. */
export function readInPieces(bytes: Buffer): { value: unknown } | undefined {
  try {
    return { value: new PieceReader(bytes).document() };
  } catch {
    return undefined;
  }
}

class PieceReader {
  private i = 0;

  constructor(private readonly b: Buffer) {}

  document(): unknown {
    this.space();
    const first = this.b[this.i];
    const value = first === OPEN_OBJECT ? this.object() : first === OPEN_ARRAY ? this.array() : this.fail();
    this.space();
    if (this.i !== this.b.length) this.fail();
    return value;
  }

  /** The top-level object: its keys and scalar or object members parsed one by one, its arrays in pieces. */
  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++;
    this.space();
    if (this.b[this.i] === CLOSE_OBJECT) {
      this.i++;
      return out;
    }
    for (;;) {
      if (this.b[this.i] !== QUOTE) this.fail();
      const keyStart = this.i;
      this.i = this.endOfString(this.i);
      const key = JSON.parse(this.b.toString("utf8", keyStart, this.i)) as string;
      this.space();
      this.expect(COLON);
      this.space();
      let value: unknown;
      if (this.b[this.i] === OPEN_ARRAY) value = this.array();
      else {
        const start = this.i;
        this.i = this.endOfValue(this.i);
        value = JSON.parse(this.b.toString("utf8", start, this.i));
      }
      // As JSON.parse does, "__proto__" is an own property, not the object's prototype.
      if (key === "__proto__") Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      else out[key] = value;
      this.space();
      if (this.b[this.i] === CLOSE_OBJECT) {
        this.i++;
        return out;
      }
      this.expect(COMMA);
      this.space();
    }
  }

  /** An array, its elements parsed a group at a time from pieces of about PIECE_BYTES. */
  private array(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.space();
    if (this.b[this.i] === CLOSE_ARRAY) {
      this.i++;
      return out;
    }
    let groupStart = this.i;
    for (;;) {
      this.i = this.endOfValue(this.i);
      const groupEnd = this.i;
      this.space();
      const next = this.b[this.i];
      if (next !== COMMA && next !== CLOSE_ARRAY) this.fail();
      if (next === CLOSE_ARRAY || groupEnd - groupStart >= PIECE_BYTES) {
        const group = JSON.parse(`[${this.b.toString("utf8", groupStart, groupEnd)}]`) as unknown[];
        for (let k = 0; k < group.length; k++) out.push(group[k]);
        groupStart = -1;
      }
      this.i++;
      if (next === CLOSE_ARRAY) return out;
      this.space();
      if (groupStart === -1) groupStart = this.i;
    }
  }

  /** Where the value starting at `j` ends: a string, an object or array (brackets counted outside strings), or a literal. */
  private endOfValue(j: number): number {
    const b = this.b;
    const c = b[j];
    if (c === QUOTE) return this.endOfString(j);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      let depth = 0;
      for (; j < b.length; j++) {
        const x = b[j];
        if (x === QUOTE) j = this.endOfString(j) - 1;
        else if (x === OPEN_OBJECT || x === OPEN_ARRAY) depth++;
        else if (x === CLOSE_OBJECT || x === CLOSE_ARRAY) {
          if (--depth === 0) return j + 1;
        }
      }
      return this.fail();
    }
    const start = j;
    while (j < b.length) {
      const x = b[j];
      if (x === COMMA || x === CLOSE_OBJECT || x === CLOSE_ARRAY || isSpace(x)) break;
      j++;
    }
    return j > start ? j : this.fail();
  }

  /** Where the string whose opening quote is at `j` ends (after its closing quote): a quote after an odd run of backslashes is escaped. */
  private endOfString(j: number): number {
    const b = this.b;
    for (let from = j + 1; ; ) {
      const q = b.indexOf(QUOTE, from);
      if (q === -1) return this.fail();
      let slashes = 0;
      while (b[q - 1 - slashes] === BACKSLASH) slashes++;
      if (slashes % 2 === 0) return q + 1;
      from = q + 1;
    }
  }

  private space(): void {
    while (isSpace(this.b[this.i])) this.i++;
  }

  private expect(byte: number): void {
    if (this.b[this.i] !== byte) this.fail();
    this.i++;
  }

  private fail(): never {
    throw new NotFollowed();
  }
}

/** JSON's white space: space, tab, line feed, carriage return. */
function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
