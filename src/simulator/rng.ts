/**
 * The simulator's only source of randomness for data: a small seeded PRNG (mulberry32) and a hash to derive
 * independent streams (one per purpose, one per device for lazily built parts). Never Math.random.
 */

/** Mixes any number of 32-bit-ish integers into one unsigned 32-bit hash (FNV-1a steps plus a murmur finalizer). */
export function hash32(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    h = Math.imul(h ^ lo, 0x01000193);
    h = Math.imul(h ^ hi, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    h = Math.imul(h, 0x297a2d39);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

const HEX_CODES = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
/** URL-safe alphabet of Blynk device tokens. */
export const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next unsigned 32-bit integer (mulberry32). */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform float in [min, max), rounded to `decimals`. */
  float(min: number, max: number, decimals = 2): number {
    const f = 10 ** decimals;
    return Math.round((min + this.next() * (max - min)) * f) / f;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: `weights[i]` for `items[i]`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i];
      if (r < 0) return items[i];
    }
    return items[items.length - 1];
  }

  hex(length: number): string {
    const codes = new Array<number>(length);
    let v = 0;
    for (let i = 0; i < length; i++) {
      if ((i & 7) === 0) v = this.u32();
      codes[i] = HEX_CODES[v & 15];
      v >>>= 4;
    }
    return String.fromCharCode(...codes);
  }

  /** `length` characters of a 64-character alphabet (5 characters per 32-bit draw). */
  chars64(length: number, alphabet: string = URL_SAFE): string {
    const codes = new Array<number>(length);
    let v = 0;
    for (let i = 0; i < length; i++) {
      if (i % 5 === 0) v = this.u32();
      codes[i] = alphabet.charCodeAt(v & 63);
      v >>>= 6;
    }
    return String.fromCharCode(...codes);
  }
}

/** Stream constants: one independent RNG per purpose, derived from the user's seed. */
export const STREAM = {
  flatpeak: 0x0f1a7beef,
  blynk: 0x0b1e4c10d,
  faults: 0x0fa0175,
  runtime: 0x0c0ffee,
  blynkDevice: 0x0de71ce,
} as const;

export function streamOf(seed: number, stream: number): Rng {
  return new Rng(hash32(seed, stream));
}

/** "2026-08-01T10:00:00Z" (whole seconds, as the Flatpeak examples). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
