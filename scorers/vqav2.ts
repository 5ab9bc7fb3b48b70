/**
 * VQAv2 `vqav2_process_results` (tasks/vqav2/utils.py at 75571cfe). Each ground-truth answer (a dict
 * `{answer, answer_confidence, answer_id}`) and the prediction get: newlines and tabs → spaces, Python strip,
 * then EvalAI's `process_punctuation` and `process_digit_article` only — *not* the full processor TextVQA
 * uses, so there is no first tokenising step (no lower-casing before the punctuation pass, `,` and `?` are not
 * deleted up front, `'s` is not split off). Then for each ground-truth dict the *other* dicts are those that
 * differ from it as dicts (after normalisation, so two identical dicts drop each other), acc = min(1,
 * matches among them / 3), and the score is `statistics.mean` of the accs. No answers → 0 (rule
 * `no_answers`; the reference's `statistics.mean([])` would raise).
 * `vqa_accuracy/<answer_type>` averages within each answer type (yes/no, number, other).
 */
import type { Json, ScoredSample, Scorer } from "../src/core/types.js";
import {
  checkStringField,
  describe,
  groupMeans,
  isRecord,
  meanMetric,
  meanScore,
  PARSE_FAILURE_RATE,
  parseFailureRate,
  slashBreakdown,
} from "./common.js";
import { processDigitArticle, processPunctuation } from "./evalai.js";
import { pyStrip, statisticsMean } from "./python.js";

/** One annotator answer as stored in VQAv2's `answers` column. */
export interface Vqav2Answer {
  [key: string]: Json;
  /** The answer text. */
  answer: string;
}

/** VQAv2 reference. */
export interface Vqav2Ref {
  [key: string]: Json;
  /** The annotator answers (usually 10), every field kept: dict equality decides the leave-one-out sets. */
  answers: Vqav2Answer[];
  /** `answer_type` (yes/no, number, other). */
  answerType: string;
}

/** The VQAv2 normalisation of one answer or prediction. */
export function vqav2Normalize(s: string): string {
  const t = pyStrip(s.replaceAll("\n", " ").replaceAll("\t", " "));
  return processDigitArticle(processPunctuation(t));
}

/** A dict's identity for Python `==`: its keys and values, the answer normalised. */
function dictKey(a: Vqav2Answer, normalized: string): string {
  const entries = Object.entries({ ...a, answer: normalized }).sort(([x], [y]) =>
    x < y ? -1 : x > y ? 1 : 0,
  );
  return JSON.stringify(entries);
}

/** The VQAv2 scorer. */
export const vqav2: Scorer<Vqav2Ref> = {
  name: "vqav2",
  version: 1,
  primary: "vqa_accuracy",
  metrics: {
    vqa_accuracy: meanMetric(
      "VQA accuracy: min(1, matching annotators / 3), averaged over annotator subsets",
    ),
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  breakdowns: [slashBreakdown("vqa_accuracy", "VQAv2 answer type")],
  scoreSample(prediction, reference) {
    const pred = vqav2Normalize(pyStrip(prediction));
    const parseOk = pred !== "";
    if (reference.answers.length === 0) return { score: 0, parsed: pred, parseOk, rule: "no_answers" };
    const norm = reference.answers.map((a) => vqav2Normalize(a.answer));
    const keys = reference.answers.map((a, i) => dictKey(a, norm[i]!));
    const accs = keys.map((key) => {
      let matches = 0;
      keys.forEach((other, j) => {
        if (other !== key && norm[j] === pred) matches++;
      });
      return Math.min(1, matches / 3);
    });
    return { score: statisticsMean(accs), parsed: pred, parseOk, rule: parseOk ? "normalized" : "empty" };
  },
  aggregate(samples: ScoredSample<Vqav2Ref>[]) {
    return {
      vqa_accuracy: meanScore(samples),
      parse_failure_rate: parseFailureRate(samples),
      ...groupMeans(samples, "vqa_accuracy", (s) => s.reference.answerType),
    };
  },
  checkReference(ref) {
    if (!isRecord(ref)) return ["reference must be an object with `answers` and `answerType`"];
    const problems = checkStringField(ref, "answerType");
    if (!Array.isArray(ref.answers))
      problems.push(`reference.answers must be an array (got ${describe(ref.answers)})`);
    else {
      ref.answers.forEach((a, i) => {
        if (!isRecord(a) || typeof a.answer !== "string") {
          problems.push(`reference.answers[${i}] must be an object with an \`answer\` string`);
        }
      });
    }
    return problems;
  },
};
