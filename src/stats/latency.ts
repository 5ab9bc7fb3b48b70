/** Latency statistics of the serial pass: percentiles by linear interpolation (numpy's default), mean, stdev. */
import type { LatencyStats } from "../core/types.js";

/**
 * The q-th percentile (0..100) of sorted values by linear interpolation between closest ranks, as
 * `numpy.percentile(values, q)` computes it. NaN for an empty list.
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

/** p50/p90/p99, mean, sample stdev (n − 1) and n of a list of measurements; all zero when empty. */
export function latencyStats(values: readonly number[]): LatencyStats {
  const n = values.length;
  if (n === 0) return { p50: 0, p90: 0, p99: 0, mean: 0, stdev: 0, n: 0 };
  const sorted = [...values].sort((x, y) => x - y);
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean,
    stdev: Math.sqrt(variance),
    n,
  };
}
