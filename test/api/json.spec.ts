/**
 * parseJson reads an answer of LARGE_ANSWER_BYTES or more in pieces. Whatever the bytes, valid JSON or not, what it
 * gives (or throws) must be what JSON.parse gives for the same text.
 */
import assert from "node:assert/strict";
import { answerData, LARGE_ANSWER_BYTES, parseJson, readInPieces } from "../../src/api/json";
import { prng, seedFor } from "../reliability/helpers";

type Rng = ReturnType<typeof prng>;

/** Texts that a scanner looking for the end of a value could misread: quotes, backslashes, brackets, multi-byte UTF-8. */
const TRICKY = [
  "",
  "Hauptstraße 5",
  "Wärmepumpe 2 €",
  "plug 🔌⚡",
  'a "quoted" name',
  "back\\slash",
  "ends with a backslash\\",
  "\\",
  '\\"',
  "brackets ] } [ {",
  "comma, colon: and more",
  "\u0000\u001f\u007f controls",
  "tab\tnew\nline\r",
];

function scalar(r: Rng): unknown {
  switch (r.int(0, 7)) {
    case 0:
      return r.int(-1_000_000, 1_000_000);
    case 1:
      return r.next() * 10 ** r.int(-30, 30) * (r.chance(0.5) ? -1 : 1);
    case 2:
      return r.pick(TRICKY);
    case 3:
      return r.chance(0.5);
    case 4:
      return null;
    default:
      return `${r.pick(TRICKY)}-${r.int(0, 1e9).toString(36)}`;
  }
}

function value(r: Rng, depth: number): unknown {
  if (depth >= 3 || r.chance(0.5)) return scalar(r);
  if (r.chance(0.5)) return Array.from({ length: r.int(0, 4) }, () => value(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let k = r.int(0, 5); k > 0; k--) o[r.chance(0.2) ? r.pick(TRICKY) : `k${r.int(0, 20)}`] = value(r, depth + 1);
  return o;
}

function device(r: Rng, id: number): Record<string, unknown> {
  return { id, name: `${r.pick(TRICKY)} ${id}`, token: r.int(0, 2 ** 31).toString(36), hardwareInfo: value(r, 1), tags: [value(r, 2), value(r, 2)] };
}

/** A document of at least LARGE_ANSWER_BYTES: a page (an object with arrays) or a top-level array, compact or indented. */
function largeDocument(r: Rng): string {
  const items: unknown[] = [];
  let size = 0;
  while (size < LARGE_ANSWER_BYTES + r.int(0, 200_000)) {
    const item = r.chance(0.8) ? device(r, items.length) : value(r, 0);
    size += JSON.stringify(item).length;
    items.push(item);
  }
  const doc = r.chance(0.7) ? { content: items, totalElements: items.length, [r.pick(TRICKY)]: value(r, 0), empty: [], more: [1, "two", { three: 3 }] } : items;
  const indent = r.pick([undefined, 0, 1, 2, "\t"]);
  const text = JSON.stringify(doc, null, indent);
  return r.chance(0.3) ? ` \r\n${text.replace(/\n/g, "\r\n")}\n\t ` : text;
}

function outcome(parse: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: parse() };
  } catch (err) {
    return { error: (err as Error).name };
  }
}

describe("parseJson: a large answer read in pieces is what JSON.parse reads", function () {
  this.timeout(60_000);
  const seed = seedFor("json pieces");
  const r = prng(seed);

  it("reads 30 large documents (pages and arrays, compact and indented, tricky strings) as JSON.parse does", () => {
    for (let n = 0; n < 30; n++) {
      const text = largeDocument(r);
      const bytes = Buffer.from(text);
      assert.ok(bytes.length >= LARGE_ANSWER_BYTES);
      // Read in pieces, not whole after the scanner lost its way: else the pieces would be a cost and no gain.
      const read = readInPieces(bytes);
      assert.ok(read, `document ${n} was read in pieces (seed ${seed})`);
      assert.deepStrictEqual(read.value, JSON.parse(text), `document ${n} (seed ${seed})`);
      assert.deepStrictEqual(parseJson(bytes), read.value);
    }
  });

  it('keeps a "__proto__" key an own property, as JSON.parse does, and the prototype untouched', () => {
    const items = Array.from({ length: 2000 }, (_, i) => device(r, i));
    const text = `{"__proto__":{"polluted":true},"content":${JSON.stringify(items)},"__proto__":[1]}`;
    assert.ok(text.length >= LARGE_ANSWER_BYTES);
    const parsed = readInPieces(Buffer.from(text))?.value as Record<string, unknown>;
    assert.deepStrictEqual(parsed, JSON.parse(text));
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value, [1]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("fails or succeeds exactly as JSON.parse on 600 damaged large documents (a byte changed, dropped or added, or the end cut)", () => {
    const text = largeDocument(r);
    const bytes = Buffer.from(text);
    // Damage lands on the bytes the scanner reads half of the time; elsewhere it mostly hits the inside of a string.
    const structural: number[] = [];
    for (let i = 0; i < bytes.length; i++) if ('"\\,:[]{} \n'.includes(String.fromCharCode(bytes[i]))) structural.push(i);
    const replacements = Buffer.from('"\\,:[]{}  \n0-e.xtn');
    const seen = { valid: 0, invalid: 0 };
    for (let n = 0; n < 600; n++) {
      const at = r.chance(0.5) ? r.pick(structural) : r.int(0, bytes.length - 1);
      let damaged: Buffer;
      const how = r.int(0, 3);
      if (how === 0) (damaged = Buffer.from(bytes))[at] = replacements[r.int(0, replacements.length - 1)];
      else if (how === 1) damaged = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
      else if (how === 2) {
        const k = r.int(0, replacements.length - 1);
        damaged = Buffer.concat([bytes.subarray(0, at), replacements.subarray(k, k + 1), bytes.subarray(at)]);
      }
      else damaged = bytes.subarray(0, Math.max(LARGE_ANSWER_BYTES, at));
      const expected = outcome(() => JSON.parse(damaged.toString("utf8")));
      assert.deepStrictEqual(outcome(() => parseJson(damaged)), expected, `damage ${n} (${how} at byte ${at}, seed ${seed})`);
      seen["value" in expected ? "valid" : "invalid"]++;
    }
    // Both kinds were met, so the comparison proved something either way.
    assert.ok(seen.valid > 0 && seen.invalid > 0, JSON.stringify(seen));
  });

  it("fails on a large document with more after its end, or with an array left open, as JSON.parse does", () => {
    const text = JSON.stringify({ content: Array.from({ length: 2000 }, (_, i) => device(r, i)) });
    assert.ok(text.length >= LARGE_ANSWER_BYTES);
    for (const bad of [`${text} x`, `${text}}`, `${text}[]`, text.slice(0, -1), text.slice(0, -2)]) {
      assert.equal(readInPieces(Buffer.from(bad)), undefined);
      assert.throws(() => parseJson(Buffer.from(bad)), SyntaxError);
    }
  });

  it("gives no data for an answer of nothing but white space, as bytes or as text", () => {
    for (const body of ["", " \r\n\t "]) {
      assert.equal(answerData(Buffer.from(body)), undefined);
      assert.equal(answerData(body), undefined);
    }
    assert.deepStrictEqual(answerData(Buffer.from(' \n{"id":1} ')), { id: 1 });
    assert.throws(() => answerData(Buffer.from(" x ")), SyntaxError);
  });

  it("reads a document under LARGE_ANSWER_BYTES, and fails on a malformed one, as JSON.parse does", () => {
    assert.deepStrictEqual(parseJson(Buffer.from('{"content":[{"id":1}],"total":1}')), { content: [{ id: 1 }], total: 1 });
    assert.throws(() => parseJson(Buffer.from('{"content":[{"id":1},]}')), SyntaxError);
  });
});
