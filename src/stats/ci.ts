/**
 * 95% confidence intervals for a run's metrics.
 *
 * Mean metrics (a plain average of per-sample scores: exact_match, vqa_accuracy, anls, seed_image, MMMU
 * accuracy) get the closed-form normal-approximation (Wald) interval: mean ± z·s/√n with z = Φ⁻¹(0.975) ≈ 1.96
 * and s the sample standard deviation (n − 1), clipped to [0, 1] because every score lies there. With
 * hundreds to thousands of samples the t and z quantiles differ by < 0.3%, so z is used.
 * Aggregates that are not means (POPE f1 = 2PR/(P+R)) get a seeded percentile bootstrap: 1000 resamples
 * of the samples, the scorer's own `aggregate` recomputed on each.
 * A metric with fewer than 2 samples gets no interval.
 */

import { pyLower, pyStrip } from "../../scorers/python.js";
import type { Json, ScoredSample, Scorer } from "../core/types.js";
import { bootstrap, DEFAULT_RESAMPLES } from "./bootstrap.js";

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

/**
 * For each scorer, the metrics that are plain means of `result.score`, and which samples they average.
 * Anything not listed here (or in the scorer's own `meanMetrics`) is bootstrapped.
 */
const MEAN_METRICS: Record<string, Record<string, (s: ScoredSample<Json>) => boolean>> = {
  exact_match: { exact_match: () => true },
  vqa_accuracy: { vqa_accuracy: () => true },
  anls: { anls: () => true },
  pope: { accuracy: () => true },
  seed: {
    seed_image: (s) => refField(s, "dataType") === "image",
    seed_video: (s) => refField(s, "dataType") === "video",
    seed_all: () => true,
  },
  mmmu: { accuracy: () => true },
};

/**
 * Fast per-resample statistics for bootstrapped metrics (same values as the scorer's aggregate, without
 * rebuilding sample arrays 1000 times). Anything not listed falls back to calling `scorer.aggregate`.
 */
const FAST_STATISTICS: Record<
  string,
  Record<string, (samples: readonly ScoredSample<Json>[]) => (idx: Uint32Array) => number>
> = {
  pope: {
    f1: (samples) => popeCounts(samples, (tp, fp, fn) => f1Of(tp, fp, fn)),
    precision: (samples) => popeCounts(samples, (tp, fp) => (tp + fp > 0 ? tp / (tp + fp) : 0)),
    recall: (samples) => popeCounts(samples, (tp, _fp, fn) => (tp + fn > 0 ? tp / (tp + fn) : 0)),
  },
};

/** POPE's F1 from counts, computed exactly as pope.ts / the reference does. */
function f1Of(tp: number, fp: number, fn: number): number {
  const p = tp + fp > 0 ? tp / (tp + fp) : 0;
  const r = tp + fn > 0 ? tp / (tp + fn) : 0;
  return p + r > 0 ? (2 * (p * r)) / (p + r) : 0;
}

/** Per-sample TP/FP/FN flags of POPE samples, then a statistic of the resampled counts. */
function popeCounts(
  samples: readonly ScoredSample<Json>[],
  stat: (tp: number, fp: number, fn: number) => number,
): (idx: Uint32Array) => number {
  // 1 = TP, 2 = FP, 3 = FN, 0 = neither (as pope.ts counts them: gt and pred.lower().strip()).
  const kind = new Uint8Array(samples.length);
  samples.forEach((s, i) => {
    const gt = pyStrip(pyLower(String(refField(s, "answer") ?? "")));
    const pred = typeof s.result.parsed === "string" ? s.result.parsed : "";
    if (gt === "yes" && pred === "yes") kind[i] = 1;
    else if (gt === "no" && pred === "yes") kind[i] = 2;
    else if (gt === "yes" && pred === "no") kind[i] = 3;
  });
  return (idx) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const i of idx) {
      const k = kind[i];
      if (k === 1) tp++;
      else if (k === 2) fp++;
      else if (k === 3) fn++;
    }
    return stat(tp, fp, fn);
  };
}

function refField(s: ScoredSample<Json>, key: string): Json | undefined {
  const ref = s.reference;
  return typeof ref === "object" && ref !== null && !Array.isArray(ref) ? ref[key] : undefined;
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
    const own = scorer.meanMetrics?.[metric];
    const filter = own ? (s: ScoredSample<Json>) => own(s.reference) : MEAN_METRICS[scorer.name]?.[metric];
    if (filter) {
      const ci = meanInterval(
        samples.filter(filter).map((s) => s.result.score),
        level,
      );
      if (ci) out[metric] = ci;
      continue;
    }
    if (samples.length < 2) continue;
    const all = [...samples];
    const fast = FAST_STATISTICS[scorer.name]?.[metric]?.(all);
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
