/**
 * IEEE 754 half-precision conversion for fp16 graph I/O. Node 20 has no Float16Array, so ORT
 * hands float16 tensors over as Uint16Array bit patterns; we convert at the graph boundary.
 * Half → single uses a 65536-entry table (built once, 256 KB); single → half is bit arithmetic
 * with round-to-nearest-even, reading the source through a Uint32Array view (no per-element allocation).
 */

let table: Float32Array | null = null;

function halfTable(): Float32Array {
  if (table) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) t[h] = mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  table = t;
  return t;
}

/** One float16 bit pattern as a number. */
export function halfToFloat(h: number): number {
  return halfTable()[h & 0xffff]!;
}

/** float16 bit patterns → float32 values (into `out` when given). */
export function halfToFloat32(src: Uint16Array, out?: Float32Array): Float32Array {
  const t = halfTable();
  const dst = out ?? new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = t[src[i]!]!;
  return dst;
}

/** The float16 bit pattern of a float32 bit pattern, rounded to nearest even. */
function bitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const e = (x >>> 23) & 0xff;
  let m = x & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m !== 0 ? 0x200 : 0);
  const exp = e - 112; // rebias 127 → 15
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    m |= 0x800000;
    const shift = 14 - exp;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (exp << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** One number as a float16 bit pattern. */
export function floatToHalf(v: number): number {
  scratch[0] = v;
  return bitsToHalf(scratchBits[0]!);
}

/** float32 values → float16 bit patterns (into `out` when given). */
export function float32ToHalf(src: Float32Array, out?: Uint16Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const dst = out ?? new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = bitsToHalf(bits[i]!);
  return dst;
}
