/**
 * Helpers shared by the scorers: reference checks, the `parse_failure_rate` every aggregate carries, and the
 * metric metadata most scorers declare the same way.
 */
import type { Breakdown, Json, MeanFilter, MetricSpec, ScoredSample } from "../src/core/types.js";

/** Metadata of `parse_failure_rate`, which every aggregate carries (lower is better; bootstrapped). */
export const PARSE_FAILURE_RATE: MetricSpec<Json> = {
  description: "share of samples whose answer could not be parsed (`parseOk: false`)",
  aggregation: "share",
  higherIsBetter: false,
  ci: { method: "bootstrap" },
};

/** Metadata of a metric that is the plain mean of `score` (over the samples `over` keeps; default all). */
export function meanMetric<Ref extends Json>(description: string, over?: MeanFilter<Ref>): MetricSpec<Ref> {
  return {
    description,
    aggregation: "mean",
    higherIsBetter: true,
    ci: over === undefined ? { method: "mean" } : { method: "mean", over },
  };
}

/** A breakdown whose names are `<metric>/<group>` (POPE `f1/random`, OCRBench `ocrbench_accuracy/<category>`). */
export function slashBreakdown(metric: string, by: string): Breakdown {
  const prefix = `${metric}/`;
  return { metric, by, matches: (name) => name.startsWith(prefix) && name.length > prefix.length };
}

/** Share of samples whose parse fell back (`parseOk: false`); 0 for an empty set. */
export function parseFailureRate(samples: readonly ScoredSample<Json>[]): number {
  if (samples.length === 0) return 0;
  let failed = 0;
  for (const s of samples) if (!s.result.parseOk) failed++;
  return failed / samples.length;
}

/** True for a plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Problems with a string field of a reference object (empty list when fine). */
export function checkStringField(ref: Record<string, unknown>, key: string): string[] {
  return typeof ref[key] === "string"
    ? []
    : [`reference.${key} must be a string (got ${describe(ref[key])})`];
}

/** Problems with a string-array field of a reference object. */
export function checkStringArrayField(
  ref: Record<string, unknown>,
  key: string,
  nonEmpty: boolean,
): string[] {
  const v = ref[key];
  if (!Array.isArray(v)) return [`reference.${key} must be an array of strings (got ${describe(v)})`];
  const problems: string[] = [];
  v.forEach((x, i) => {
    if (typeof x !== "string") problems.push(`reference.${key}[${i}] must be a string (got ${describe(x)})`);
  });
  if (nonEmpty && v.length === 0) problems.push(`reference.${key} must not be empty`);
  return problems;
}

/** Short type description for messages. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (v === undefined) return "nothing";
  return typeof v;
}

/** Mean `score` of the samples (lmms-eval's `mean` aggregation: float sum in order, one division); 0 when empty. */
export function meanScore(samples: readonly ScoredSample<Json>[]): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s.result.score;
  return sum / samples.length;
}

/** `<prefix>/<group>` → mean score within each group, groups in first-seen order. */
export function groupMeans<R extends Json>(
  samples: readonly ScoredSample<R>[],
  prefix: string,
  key: (s: ScoredSample<R>) => string,
): Record<string, number> {
  const groups = new Map<string, ScoredSample<R>[]>();
  for (const s of samples) {
    const k = key(s);
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  const out: Record<string, number> = {};
  for (const [k, g] of groups) out[`${prefix}/${k}`] = meanScore(g);
  return out;
}
