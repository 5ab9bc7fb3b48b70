/**
 * Python string and number semantics the reference metrics depend on, emulated in TypeScript.
 *
 * The reference harness (lmms-eval) is Python: `str.strip()`/`split()` use Python's Unicode whitespace set,
 * `len()` counts code points, `\d`/`\w`/`\b` in `re` are Unicode-aware, `float()` accepts Unicode digits and
 * underscores, and `round(x, n)` rounds the exact binary value half-to-even. JS differs on each of these.
 * `str.lower()`/`upper()` agree with JS `toLowerCase`/`toUpperCase` (full case mappings and the final-sigma
 * rule both ways), checked against CPython 3.11 over every code point; the only differences are characters
 * assigned after the Python build's Unicode version (CPython 3.11 = Unicode 14), which no benchmark uses.
 */

/** Python's `str.isspace()` set, which `strip()`/`split()` without arguments use (29 code points). */
const PY_SPACE =
  "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

const SPACE_SET = new Set(PY_SPACE);

/** A regex character class body matching Python whitespace. */
export const PY_SPACE_CLASS =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/** Python `\w` for str patterns: letters, characters with a numeric value, underscore. */
export const PY_WORD_CLASS = "\\p{L}\\p{N}_";

/** True when `ch` (one code point) is whitespace to Python. */
export function isPySpace(ch: string): boolean {
  return SPACE_SET.has(ch);
}

/** Python `s.strip()` (no argument): trims Python whitespace on both ends. */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  // Every Python whitespace character is in the BMP, so UTF-16 units are enough here.
  while (start < end && SPACE_SET.has(s[start]!)) start++;
  while (end > start && SPACE_SET.has(s[end - 1]!)) end--;
  return s.slice(start, end);
}

/** Python `s.strip(chars)`: trims any of the given characters (all BMP here) from both ends. */
export function pyStripChars(s: string, chars: string): string {
  const set = new Set(chars);
  let start = 0;
  let end = s.length;
  while (start < end && set.has(s[start]!)) start++;
  while (end > start && set.has(s[end - 1]!)) end--;
  return s.slice(start, end);
}

const SPLIT_RE = new RegExp(`[${PY_SPACE_CLASS}]+`, "u");

/** Python `s.split()` (no argument): runs of Python whitespace separate; no empty fields. */
export function pySplit(s: string): string[] {
  const t = pyStrip(s);
  return t === "" ? [] : t.split(SPLIT_RE);
}

/** Python `s.lower()` (see the module comment for why JS is exact here). */
export function pyLower(s: string): string {
  return s.toLowerCase();
}

/** Python `s.upper()`. */
export function pyUpper(s: string): string {
  return s.toUpperCase();
}

/** Python `len(s)`: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The string's code points as one-character strings (Python indexing). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

const ND_RE = /^\p{Nd}$/u;

/** The decimal value of a Unicode `Nd` character (every Nd run is whole 0–9 sets), or -1. */
export function decimalValue(ch: string): number {
  const cp = ch.codePointAt(0);
  if (cp === undefined || !ND_RE.test(ch)) return -1;
  let start = cp;
  while (start > 0 && ND_RE.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

function isAsciiDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

const FLOAT_BODY_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

/**
 * Python `float(s)` for a str: returns the number, or null where Python raises ValueError.
 * Emulated: surrounding Python whitespace, Unicode decimal digits (mapped to ASCII first), single underscores
 * between digits, `inf`/`infinity`/`nan` in any case with a sign. The ASCII literal is then parsed with
 * `Number`, which, like CPython's `strtod`, rounds correctly.
 */
export function pyFloat(s: string): number | null {
  let ascii = "";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) ascii += ch;
    else if (SPACE_SET.has(ch)) ascii += " ";
    else {
      const d = decimalValue(ch);
      if (d < 0) return null;
      ascii += String(d);
    }
  }
  // CPython strips only ASCII whitespace here (\x1c–\x1f stay and make the literal invalid).
  ascii = ascii.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, "");
  // PEP 515: an underscore is allowed only with a digit on both sides; then it is dropped.
  if (ascii.includes("_")) {
    for (let i = 0; i < ascii.length; i++) {
      if (ascii[i] === "_" && !(isAsciiDigit(ascii[i - 1]) && isAsciiDigit(ascii[i + 1]))) return null;
    }
    ascii = ascii.replace(/_/g, "");
  }
  if (!FLOAT_BODY_RE.test(ascii)) return null;
  const lower = ascii.toLowerCase();
  const sign = lower.startsWith("-") ? -1 : 1;
  const body = lower.replace(/^[+-]/, "");
  if (body === "inf" || body === "infinity") return sign * Number.POSITIVE_INFINITY;
  if (body === "nan") return Number.NaN;
  return Number(ascii);
}

/**
 * Python `round(x, n)` for a float and n ≥ 0: the exact binary value rounded to n decimals, ties to even,
 * converted back to the nearest double. `toFixed` is exact except on ties, where it rounds away from zero;
 * a tie at n decimals happens exactly when x·2^(n+1) is an odd integer, and is resolved here with BigInt.
 */
export function pyRound(x: number, n: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  const scaled = x * 2 ** (n + 1); // exact: a power-of-two scaling of a non-huge double
  if (Number.isInteger(scaled) && Math.abs(scaled % 2) === 1) {
    // x·10^n = scaled·5^n / 2, a half-integer: pick the even neighbour.
    const odd = BigInt(Math.abs(scaled)) * 5n ** BigInt(n);
    const lo = (odd - 1n) / 2n;
    const even = lo % 2n === 0n ? lo : lo + 1n;
    const r = Number(`${even}e-${n}`);
    return x < 0 ? -r : r;
  }
  const r = Number(x.toFixed(n));
  return r === 0 && x < 0 ? -0 : r;
}

/**
 * Python `statistics.mean(xs)` for floats: the exact rational mean of the doubles, rounded once.
 * (statistics sums with Fractions, then converts; int/int true division rounds correctly.)
 */
export function statisticsMean(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("mean requires at least one data point");
  // Every finite double is m·2^e; scale all to the smallest exponent and sum exactly as BigInt.
  const parts = xs.map(splitDouble);
  const minExp = Math.min(...parts.map((p) => p.exp));
  let total = 0n;
  for (const p of parts) total += p.mant << BigInt(p.exp - minExp);
  return ratioToDouble(total, BigInt(xs.length), minExp);
}

/** A finite double as mant·2^exp with an integer mantissa. */
function splitDouble(x: number): { mant: bigint; exp: number } {
  if (!Number.isFinite(x)) throw new RangeError("statisticsMean requires finite values");
  if (x === 0) return { mant: 0n, exp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mant: sign * frac, exp: -1074 };
  return { mant: sign * (frac | (1n << 52n)), exp: biased - 1075 };
}

/** Correctly rounded (ties to even) double of num/den·2^exp, for den > 0; normal-range results only. */
function ratioToDouble(num: bigint, den: bigint, exp: number): number {
  if (num === 0n) return 0;
  const neg = num < 0n;
  let n = neg ? -num : num;
  let e = exp;
  // Scale so that the integer quotient has at least 54 bits (53 + a rounding bit), then round half-even.
  const bits = (v: bigint): number => v.toString(2).length;
  const shift = 55 - (bits(n) - bits(den));
  if (shift > 0) {
    n <<= BigInt(shift);
    e -= shift;
  }
  let q = n / den;
  const rem = n % den;
  // Reduce q to 53 bits, tracking the dropped bits for rounding.
  let dropped = 0n;
  let droppedBits = 0;
  while (bits(q) > 53) {
    dropped |= (q & 1n) << BigInt(droppedBits);
    droppedBits++;
    q >>= 1n;
    e++;
  }
  const half = droppedBits > 0 ? 1n << BigInt(droppedBits - 1) : 0n;
  const sticky = rem !== 0n;
  if (droppedBits > 0 && (dropped > half || (dropped === half && (sticky || (q & 1n) === 1n)))) q += 1n;
  // Two steps so a very negative exponent does not underflow before the multiplication.
  const value = Number(q) * 2 ** Math.trunc(e / 2) * 2 ** (e - Math.trunc(e / 2));
  return neg ? -value : value;
}
