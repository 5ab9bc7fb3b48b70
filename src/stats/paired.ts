/**
 * Paired comparisons of two runs: a seeded paired bootstrap of a metric difference over shared sample ids,
 * and an unpaired bootstrap of a relative change in median latency.
 *
 * Randomness comes from src/stats/rng.ts (seeded sfc32), so a seed reproduces an interval exactly.
 */
import { rngFromSeed } from "./rng.js";

/** A function returning uniform numbers in [0, 1). */
export type Rng = () => number;

/** Quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const low = sorted[lo]!;
  return low + (sorted[hi]! - low) * (pos - lo);
}

/** Result of a bootstrap: point estimate and a percentile interval. */
export interface BootstrapResult {
  /** The statistic on the original data. */
  estimate: number;
  /** Percentile interval [low, high] at the requested level. */
  ci: [number, number];
  /** Resamples drawn. */
  resamples: number;
}

/** Options shared by the bootstraps. */
export interface BootstrapOptions {
  /** RNG seed; default 0. */
  seed?: number | string;
  /** Number of resamples; default 1000. */
  resamples?: number;
  /** Interval level; default 0.95. */
  level?: number;
}

function interval(stats: number[], level: number): [number, number] {
  const alpha = (1 - level) / 2;
  const finite = stats.filter((s) => Number.isFinite(s));
  return [quantile(finite, alpha), quantile(finite, 1 - alpha)];
}

/**
 * Paired bootstrap of `metric(candidate) − metric(baseline)` over n paired items.
 * `metric(side, indices)` computes a side's aggregate over the items at `indices` (with repeats), so
 * set-level metrics such as F1 are recomputed on every resample rather than averaged per sample.
 */
export function pairedBootstrap(
  n: number,
  metric: (side: "baseline" | "candidate", indices: readonly number[]) => number,
  options: BootstrapOptions = {},
): BootstrapResult {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const all = Array.from({ length: n }, (_, i) => i);
  const estimate = metric("candidate", all) - metric("baseline", all);
  if (n === 0) return { estimate: Number.NaN, ci: [Number.NaN, Number.NaN], resamples: 0 };
  const rng: Rng = rngFromSeed(options.seed ?? 0);
  const stats: number[] = new Array(resamples);
  const idx: number[] = new Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rng() * n);
    stats[r] = metric("candidate", idx) - metric("baseline", idx);
  }
  return { estimate, ci: interval(stats, level), resamples };
}

/** Paired bootstrap of a difference of means (fast path of pairedBootstrap for per-sample scores). */
export function pairedMeanBootstrap(
  baseline: readonly number[],
  candidate: readonly number[],
  options: BootstrapOptions = {},
): BootstrapResult {
  if (baseline.length !== candidate.length) {
    throw new RangeError(`paired arrays differ in length (${baseline.length} vs ${candidate.length})`);
  }
  const diff = candidate.map((c, i) => c - baseline[i]!);
  const mean = (indices: readonly number[]): number => {
    let s = 0;
    for (const i of indices) s += diff[i]!;
    return indices.length > 0 ? s / indices.length : Number.NaN;
  };
  return pairedBootstrap(diff.length, (side, indices) => (side === "candidate" ? mean(indices) : 0), options);
}

/**
 * Unpaired bootstrap of the relative change of a quantile (default the median), in percent:
 * `100 × (q(candidate) / q(baseline) − 1)`. Each side is resampled independently.
 */
export function relativeQuantileChange(
  baseline: readonly number[],
  candidate: readonly number[],
  options: BootstrapOptions & { q?: number } = {},
): BootstrapResult {
  const q = options.q ?? 0.5;
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const change = (b: number, c: number): number => 100 * (c / b - 1);
  const estimate = change(quantile(baseline, q), quantile(candidate, q));
  if (baseline.length === 0 || candidate.length === 0) {
    return { estimate: Number.NaN, ci: [Number.NaN, Number.NaN], resamples: 0 };
  }
  const rng: Rng = rngFromSeed(options.seed ?? 0);
  const draw = (xs: readonly number[]): number[] => xs.map(() => xs[Math.floor(rng() * xs.length)]!);
  const stats: number[] = new Array(resamples);
  for (let r = 0; r < resamples; r++) {
    stats[r] = change(quantile(draw(baseline), q), quantile(draw(candidate), q));
  }
  return { estimate, ci: interval(stats, level), resamples };
}
