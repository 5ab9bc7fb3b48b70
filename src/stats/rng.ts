/**
 * Seeded pseudo-random numbers: one generator for everything that must be reproducible (bootstrap CIs,
 * paired bootstrap in compare/gate, seeded subsets, MMMU's random parse fallback).
 *
 * `hashString` is 32-bit FNV-1a over the string's UTF-8 bytes (so other languages can reproduce it);
 * `rngFromSeed` expands the seed with splitmix32 into sfc32's 128-bit state and returns uniform floats in
 * [0, 1) with 32 bits of randomness each. Same seed → same sequence, on every platform.
 */

const encoder = new TextEncoder();

/** 32-bit FNV-1a hash of the UTF-8 bytes of `s`, as an unsigned integer. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: a well-mixed 32-bit stream from any 32-bit seed (used to fill sfc32's state). */
function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return t >>> 0;
  };
}

/**
 * A deterministic generator of floats in [0, 1). A string seed is hashed with `hashString`; a number seed
 * is taken modulo 2^32 (non-integers and negatives are hashed as their decimal text instead).
 */
export function rngFromSeed(seed: string | number): () => number {
  const base =
    typeof seed === "number" && Number.isInteger(seed) && seed >= 0
      ? seed % 2 ** 32
      : hashString(String(seed));
  const mix = splitmix32(base);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Discard a few outputs so nearby seeds decorrelate fully.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniform integer in [0, n) from `rng`. */
export function randomInt(rng: () => number, n: number): number {
  return Math.floor(rng() * n);
}
