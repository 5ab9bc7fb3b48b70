/**
 * POPE (lmms-eval `pope/utils.py`): the prediction is only `pred.lower().strip()` — correct iff it equals the
 * ground truth ("yes"/"no") exactly, so "Yes." and "Yes, there is" score 0 and count as neither yes nor no.
 * Aggregates as the reference computes them, each also per category as `<metric>/<category>`:
 * accuracy = mean score; precision = TP/(TP+FP) (FP: gt no, pred "yes"); recall = TP/(TP+FN) (FN: gt yes,
 * pred "no" — other answers are not FNs); f1 = 2PR/(P+R); each 0 when its denominator is 0;
 * yes_ratio = share of *ground-truth* "yes" answers (a reference quirk, not the model's yes rate).
 */
import type { Json, MetricSpec, ScoredSample, Scorer } from "../src/core/types.js";
import {
  checkStringField,
  isRecord,
  meanMetric,
  PARSE_FAILURE_RATE,
  parseFailureRate,
  slashBreakdown,
} from "./common.js";
import { pyLower, pyStrip } from "./python.js";

/** POPE reference. */
export interface PopeRef {
  [key: string]: Json;
  /** "yes" or "no". */
  answer: string;
  /** adversarial | popular | random. */
  category: string;
}

/** POPE's metrics for one group of samples. */
export function popeMetrics(samples: readonly ScoredSample<PopeRef>[]): Record<string, number> {
  let score = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let yes = 0;
  let no = 0;
  for (const s of samples) {
    const pred = typeof s.result.parsed === "string" ? s.result.parsed : "";
    const gt = popeTruth(s.reference.answer);
    score += s.result.score;
    if (gt === "yes" && pred === "yes") tp++;
    else if (gt === "no" && pred === "yes") fp++;
    if (gt === "yes" && pred === "no") fn++;
    if (gt === "yes") yes++;
    else if (gt === "no") no++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return {
    accuracy: samples.length === 0 ? 0 : score / samples.length,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * (precision * recall)) / (precision + recall) : 0,
    yes_ratio: yes + no > 0 ? yes / (yes + no) : 0,
  };
}

/** The ground truth as the reference reads it. */
function popeTruth(answer: string): string {
  return pyStrip(pyLower(answer));
}

/**
 * A bootstrap statistic of POPE's counts: per-sample TP/FP/FN flags computed once (as popeMetrics counts them),
 * then the statistic of each resample's counts, the same numbers as aggregating the resample.
 */
function countStatistic(
  stat: (tp: number, fp: number, fn: number) => number,
): (samples: readonly ScoredSample<PopeRef>[]) => (idx: Uint32Array) => number {
  return (samples) => {
    // 1 = TP, 2 = FP, 3 = FN, 0 = neither.
    const kind = new Uint8Array(samples.length);
    samples.forEach((s, i) => {
      const gt = popeTruth(s.reference.answer);
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
  };
}

const precisionOf = (tp: number, fp: number): number => (tp + fp > 0 ? tp / (tp + fp) : 0);
const recallOf = (tp: number, fn: number): number => (tp + fn > 0 ? tp / (tp + fn) : 0);

/** A POPE count-based metric: higher is better, bootstrapped with its fast statistic. */
function countMetric(
  description: string,
  aggregation: string,
  stat: (tp: number, fp: number, fn: number) => number,
): MetricSpec<PopeRef> {
  return {
    description,
    aggregation,
    higherIsBetter: true,
    ci: { method: "bootstrap", statistic: countStatistic(stat) },
  };
}

/** The POPE scorer. */
export const pope: Scorer<PopeRef> = {
  name: "pope",
  version: 1,
  primary: "f1",
  metrics: {
    accuracy: meanMetric('share of answers that are exactly the ground truth ("yes" or "no")'),
    precision: countMetric('TP / (TP + FP), "yes" being the positive class', "precision", precisionOf),
    recall: countMetric(
      "TP / (TP + FN); an answer that is neither yes nor no is not a FN",
      "recall",
      (tp, _fp, fn) => recallOf(tp, fn),
    ),
    f1: countMetric("2PR / (P + R) of precision and recall", "f1", (tp, fp, fn) => {
      const p = precisionOf(tp, fp);
      const r = recallOf(tp, fn);
      return p + r > 0 ? (2 * (p * r)) / (p + r) : 0;
    }),
    yes_ratio: {
      description: 'share of ground-truth "yes" answers (a property of the data, not of the model)',
      aggregation: "share",
      higherIsBetter: true,
      ci: { method: "bootstrap" },
    },
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  breakdowns: ["accuracy", "precision", "recall", "f1", "yes_ratio", "parse_failure_rate"].map((m) =>
    slashBreakdown(m, "POPE category"),
  ),
  scoreSample(prediction, reference) {
    const pred = pyStrip(pyLower(pyStrip(prediction)));
    const ok = pred === "yes" || pred === "no";
    return {
      score: pred === popeTruth(reference.answer) ? 1 : 0,
      parsed: pred,
      parseOk: ok,
      rule: ok ? pred : "neither",
    };
  },
  aggregate(samples: ScoredSample<PopeRef>[]) {
    const out: Record<string, number> = {
      ...popeMetrics(samples),
      parse_failure_rate: parseFailureRate(samples),
    };
    const byCategory = new Map<string, ScoredSample<PopeRef>[]>();
    for (const s of samples) {
      const group = byCategory.get(s.reference.category);
      if (group) group.push(s);
      else byCategory.set(s.reference.category, [s]);
    }
    for (const [category, group] of byCategory) {
      for (const [metric, value] of Object.entries(popeMetrics(group))) out[`${metric}/${category}`] = value;
      out[`parse_failure_rate/${category}`] = parseFailureRate(group);
    }
    return out;
  },
  checkReference(ref) {
    if (!isRecord(ref)) return ["reference must be an object with `answer` and `category` strings"];
    const problems = [...checkStringField(ref, "answer"), ...checkStringField(ref, "category")];
    if (typeof ref.answer === "string" && !["yes", "no"].includes(popeTruth(ref.answer))) {
      problems.push(`reference.answer must be "yes" or "no" (got ${JSON.stringify(ref.answer)})`);
    }
    return problems;
  },
};
