/**
 * Seeded percentile bootstrap. The statistic receives resampled *indices* so the same draw can be applied
 * to several aligned arrays (paired bootstrap: two runs scored on the same sample ids).
 */
import { randomInt, rngFromSeed } from "./rng.js";

/** Options of a bootstrap. */
export interface BootstrapOptions {
  /** Seed for the resampling RNG (string or number); same seed → same interval. */
  seed: string | number;
  /** Number of resamples; default 1000. */
  resamples?: number;
  /** Two-sided confidence level; default 0.95. */
  level?: number;
}

/** A bootstrap result. */
export interface BootstrapResult {
  /** Lower percentile bound. */
  lo: number;
  /** Upper percentile bound. */
  hi: number;
  /** The statistic on every resample, in draw order (NaN resamples dropped). */
  distribution: number[];
}

/** Default number of resamples. */
export const DEFAULT_RESAMPLES = 1000;

/**
 * Linear-interpolated quantile of ascending-sorted values (NumPy's default "linear" method), q in [0, 1].
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

/**
 * Percentile bootstrap of `statistic` over n items: each resample draws n indices with replacement.
 * The statistic sees the index array (length n) and returns a number; NaN results are skipped.
 */
export function bootstrap(
  n: number,
  statistic: (indices: Uint32Array) => number,
  options: BootstrapOptions,
): BootstrapResult {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  if (n === 0) return { lo: Number.NaN, hi: Number.NaN, distribution: [] };
  const rng = rngFromSeed(options.seed);
  const indices = new Uint32Array(n);
  const distribution: number[] = [];
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = randomInt(rng, n);
    const v = statistic(indices);
    if (!Number.isNaN(v)) distribution.push(v);
  }
  const sorted = [...distribution].sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  return { lo: quantileSorted(sorted, alpha), hi: quantileSorted(sorted, 1 - alpha), distribution };
}
