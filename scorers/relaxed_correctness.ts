/**
 * ChartQA `relaxed_correctness` as lmms-eval computes it (tasks/chartqa/utils.py at 75571cfe, ported there from
 * Qwen-VL): both strings go through Python `float()` (a trailing `%` — every trailing `%`, `rstrip("%")` —
 * divides by 100; whitespace, `1e3`, `+3`, `1_000`, `inf`, `nan` parse; `1,000` and `$5` do not). When the
 * prediction parses and the target parses to a *truthy* float (non-zero; NaN is truthy in Python), the answer
 * is right iff |p − t| / |t| ≤ 0.05; otherwise it is a case-insensitive exact string match. So a target of 0
 * needs the exact string, and "45%" against "45" compares 0.45 with 45.
 * The runner strips the prediction first. `relaxed_human_split` / `relaxed_augmented_split` are means over
 * their own split's samples (a `type` other than `human_test` counts as augmented, as in the reference).
 */
import type { Json, ScoredSample, Scorer } from "../src/core/types.js";
import {
  checkStringField,
  groupMeans,
  isRecord,
  meanMetric,
  meanScore,
  PARSE_FAILURE_RATE,
  parseFailureRate,
} from "./common.js";
import { pyFloat, pyLower, pyStrip } from "./python.js";

/** ChartQA reference: the gold answer and the row's split (`human_test` | `augmented_test`). */
export interface RelaxedRef {
  [key: string]: Json;
  /** Gold answer as stored (`answer` column). */
  answer: string;
  /** The `type` column. */
  type: string;
}

/** The reference's `max_relative_change`. */
export const MAX_RELATIVE_CHANGE = 0.05;

/** `_to_float`: Python float() of the text, a trailing run of `%` dividing by 100; null on ValueError. */
export function chartqaToFloat(text: string): number | null {
  if (text.endsWith("%")) {
    const v = pyFloat(text.replace(/%+$/, ""));
    return v === null ? null : v / 100;
  }
  return pyFloat(text);
}

/** `relaxed_correctness(prediction, target)` (the prediction already stripped). */
export function relaxedCorrectness(prediction: string, target: string): { ok: boolean; numeric: boolean } {
  const p = chartqaToFloat(prediction);
  const t = chartqaToFloat(target);
  // Python truthiness of a float: only 0.0 and -0.0 are false (NaN is true).
  if (p !== null && t !== null && t !== 0) {
    return { ok: Math.abs(p - t) / Math.abs(t) <= MAX_RELATIVE_CHANGE, numeric: true };
  }
  return { ok: pyLower(prediction) === pyLower(target), numeric: false };
}

const SPLIT_METRIC = (type: string): string =>
  type === "human_test" ? "relaxed_human_split" : "relaxed_augmented_split";

/** The ChartQA scorer. */
export const relaxed: Scorer<RelaxedRef> = {
  name: "relaxed_correctness",
  version: 1,
  primary: "relaxed_overall",
  metrics: {
    relaxed_overall: meanMetric("relaxed correctness (5% relative tolerance for numbers) on every question"),
    relaxed_human_split: meanMetric(
      "relaxed correctness on the human-written split",
      (r) => r.type === "human_test",
    ),
    relaxed_augmented_split: meanMetric(
      "relaxed correctness on the augmented split",
      (r) => r.type !== "human_test",
    ),
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  scoreSample(prediction, reference) {
    const pred = pyStrip(prediction);
    const r = relaxedCorrectness(pred, reference.answer);
    return {
      score: r.ok ? 1 : 0,
      parsed: pred,
      parseOk: pred !== "",
      rule: pred === "" ? "empty" : r.numeric ? "relative_tolerance" : "exact_string",
    };
  },
  aggregate(samples: ScoredSample<RelaxedRef>[]) {
    const splits = groupMeans(samples, "split", (s) => SPLIT_METRIC(s.reference.type));
    const out: Record<string, number> = { relaxed_overall: meanScore(samples) };
    // A split metric exists only when that split has samples (the reference never emits it otherwise).
    for (const [k, v] of Object.entries(splits)) out[k.slice("split/".length)] = v;
    out.parse_failure_rate = parseFailureRate(samples);
    return out;
  },
  checkReference(ref) {
    return isRecord(ref)
      ? [...checkStringField(ref, "answer"), ...checkStringField(ref, "type")]
      : ["reference must be an object with `answer` and `type` strings"];
  },
};
