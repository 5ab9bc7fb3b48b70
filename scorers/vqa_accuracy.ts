/**
 * TextVQA `vqa_accuracy` (lmms-eval `textvqa_process_results`): the prediction and every ground-truth answer
 * go through the EvalAI normaliser; for each answer i, acc_i = min(1, matches among the *other* answers / 3);
 * the score is `statistics.mean` of the acc_i (an exact rational mean, rounded once).
 *
 * With n answers the mean is over n leave-one-out subsets of n−1 (one answer alone can never be matched:
 * score 0). An empty answer list makes the reference crash (`statistics.mean([])`); here it scores 0 with
 * rule `no_answers`, and `checkReference` reports it.
 */
import type { Json, ScoredSample, Scorer } from "../src/core/types.js";
import {
  checkStringArrayField,
  isRecord,
  meanMetric,
  PARSE_FAILURE_RATE,
  parseFailureRate,
} from "./common.js";
import { evalAiNormalize } from "./evalai.js";
import { pyStrip, statisticsMean } from "./python.js";

/** TextVQA `vqa_accuracy` and DocVQA/InfoVQA `anls` reference: every annotator answer. */
export interface AnswersRef {
  [key: string]: Json;
  /** Ground-truth answers (TextVQA has 10). */
  answers: string[];
}

/** The TextVQA scorer. */
export const vqaAccuracy: Scorer<AnswersRef> = {
  name: "vqa_accuracy",
  version: 1,
  primary: "vqa_accuracy",
  metrics: {
    vqa_accuracy: meanMetric(
      "VQA accuracy: min(1, matching annotators / 3), averaged over annotator subsets",
    ),
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  scoreSample(prediction, reference) {
    const pred = evalAiNormalize(pyStrip(prediction));
    // The ~10 answers of a question repeat: normalise each distinct string once.
    const normalized = new Map<string, string>();
    const answers = reference.answers.map((a) => {
      let n = normalized.get(a);
      if (n === undefined) {
        n = evalAiNormalize(a);
        normalized.set(a, n);
      }
      return n;
    });
    const parseOk = pred !== "";
    if (answers.length === 0) return { score: 0, parsed: pred, parseOk, rule: "no_answers" };
    const accs = answers.map((_, i) => {
      let matches = 0;
      answers.forEach((a, j) => {
        if (j !== i && a === pred) matches++;
      });
      return Math.min(1, matches / 3);
    });
    return { score: statisticsMean(accs), parsed: pred, parseOk, rule: parseOk ? "normalized" : "empty" };
  },
  aggregate(samples: ScoredSample<AnswersRef>[]) {
    let sum = 0;
    for (const s of samples) sum += s.result.score;
    return {
      vqa_accuracy: samples.length === 0 ? 0 : sum / samples.length,
      parse_failure_rate: parseFailureRate(samples),
    };
  },
  checkReference(ref) {
    return isRecord(ref)
      ? checkStringArrayField(ref, "answers", true)
      : ["reference must be an object with an `answers` array"];
  },
};
