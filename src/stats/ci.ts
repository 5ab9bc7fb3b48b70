/**
 * 95% confidence intervals for a run's metrics.
 *
 * Each metric's method is declared by its scorer (`metrics[name].ci`, see scorers/README.md).
 * Mean metrics (a plain average of per-sample scores: exact_match, vqa_accuracy, anls, seed_image, MMMU
 * accuracy) get the closed-form normal-approximation (Wald) interval: mean ± z·s/√n with z = Φ⁻¹(0.975) ≈ 1.96
 * and s the sample standard deviation (n − 1), clipped to [0, 1] because every score lies there. With
 * hundreds to thousands of samples the t and z quantiles differ by < 0.3%, so z is used.
 * Aggregates that are not means (POPE f1 = 2PR/(P+R)) get a seeded percentile bootstrap: 1000 resamples
 * of the samples, the scorer's own `aggregate` (or its declared faster statistic) recomputed on each; so do
 * breakdown metrics and any name the scorer does not declare.
 * A metric with fewer than 2 samples gets no interval.
 */

import type { Json, ScoredSample, Scorer } from "../core/types.js";
import { bootstrap, DEFAULT_RESAMPLES } from "./bootstrap.js";
import { metricSpec } from "./metrics.js";

/** Options of `confidenceIntervals`. */
export interface CiOptions {
  /** Seed of the bootstrap RNG (same seed → same interval). */
  seed: string | number;
  /** Bootstrap resamples; default 1000. */
  resamples?: number;
  /** Confidence level; default 0.95. */
  level?: number;
  /** Metrics to cover; default the scorer's primary metric. */
  metrics?: string[];
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  const poly = (k: number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/** Normal-approximation interval of the mean of `xs`, clipped to [0, 1]; null below 2 values. */
export function meanInterval(xs: readonly number[], level = 0.95): [number, number] | null {
  const n = xs.length;
  if (n < 2) return null;
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  const half = normalQuantile(1 - (1 - level) / 2) * Math.sqrt(ss / (n - 1) / n);
  return [Math.max(0, mean - half), Math.min(1, mean + half)];
}

/** Confidence intervals of a scorer's metrics (by default its primary one) over scored samples. */
export function confidenceIntervals(
  scorer: Scorer<Json>,
  samples: readonly ScoredSample<Json>[],
  options: CiOptions,
): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  const level = options.level ?? 0.95;
  for (const metric of options.metrics ?? [scorer.primary]) {
    const method = metricSpec(scorer, metric)?.ci ?? { method: "bootstrap" };
    if (method.method === "mean") {
      const over = method.over;
      const kept = over === undefined ? samples : samples.filter((s) => over(s.reference));
      const ci = meanInterval(
        kept.map((s) => s.result.score),
        level,
      );
      if (ci) out[metric] = ci;
      continue;
    }
    if (samples.length < 2) continue;
    const all = [...samples];
    const fast = method.statistic?.(all);
    const result = bootstrap(
      all.length,
      fast ??
        ((idx) => {
          const resample = Array.from(idx, (i) => all[i]!);
          return scorer.aggregate(resample)[metric] ?? Number.NaN;
        }),
      {
        seed: `${options.seed}:${scorer.name}:${metric}`,
        resamples: options.resamples ?? DEFAULT_RESAMPLES,
        level,
      },
    );
    if (Number.isFinite(result.lo) && Number.isFinite(result.hi)) out[metric] = [result.lo, result.hi];
  }
  return out;
}
