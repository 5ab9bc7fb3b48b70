/**
 * OCRBench as lmms-eval scores it (tasks/ocrbench/utils.py at 75571cfe): a sample is right when any reference
 * is a *substring* of the prediction. Rows whose `dataset` is `HME100k` (handwritten formulas) compare
 * case-sensitively with every ASCII space removed (`.strip().replace("\n", " ").replace(" ", "")`); all other
 * rows fold full-width ASCII (U+FF01–U+FF5E → U+0021–U+007E, U+3000 → space; nothing else), lower-case,
 * strip, and turn newlines into spaces. An empty reference is a substring of everything.
 *
 * Aggregates: `ocrbench_accuracy` = correct / N (the reference returns `Final_score / 1000`, the same number on
 * the full 1,000-row split, and a smaller one on a subset), `ocrbench_score` = the number correct (the
 * reference's `Final_score`), `ocrbench_accuracy/<question_type>` per category. The reference sums into a
 * module-level dict that is never reset (a second aggregation in one process double-counts); here each
 * aggregation starts from zero. A `question_type` outside the ten is a reference error (the reference
 * raises KeyError).
 */
import type { Json, ScoredSample, Scorer } from "../src/core/types.js";
import {
  checkStringArrayField,
  checkStringField,
  groupMeans,
  isRecord,
  meanMetric,
  meanScore,
  PARSE_FAILURE_RATE,
  parseFailureRate,
  slashBreakdown,
} from "./common.js";
import { pyLower, pyStrip } from "./python.js";

/** OCRBench reference. */
export interface OcrBenchRef {
  [key: string]: Json;
  /** Accepted answers (`answer` column; a single string is wrapped). */
  answers: string[];
  /** Source dataset of the row (`dataset` column); `HME100k` switches the comparison. */
  dataset: string;
  /** One of OCRBENCH_CATEGORIES (`question_type` column). */
  questionType: string;
}

/** The ten categories of the reference's `OCRBench_score`, with their row counts on the test split. */
export const OCRBENCH_CATEGORIES: Readonly<Record<string, number>> = {
  "Regular Text Recognition": 50,
  "Irregular Text Recognition": 50,
  "Artistic Text Recognition": 50,
  "Handwriting Recognition": 50,
  "Digit String Recognition": 50,
  "Non-Semantic Text Recognition": 50,
  "Scene Text-centric VQA": 200,
  "Doc-oriented VQA": 200,
  "Key Information Extraction": 200,
  "Handwritten Mathematical Expression Recognition": 100,
};

/** `_fold_fullwidth_ascii`: full-width ASCII to ASCII, ideographic space to space. */
export function foldFullwidthAscii(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xff01 && cp <= 0xff5e) out += String.fromCharCode(cp - 0xfee0);
    else if (cp === 0x3000) out += " ";
    else out += ch;
  }
  return out;
}

/** The HME100k normalisation: strip, newlines to spaces, every space removed; case kept. */
function hmeNormalize(s: string): string {
  return pyStrip(s).replaceAll("\n", " ").replaceAll(" ", "");
}

/** The normalisation of every other row. */
function textNormalize(s: string): string {
  return pyStrip(pyLower(foldFullwidthAscii(s))).replaceAll("\n", " ");
}

/** The OCRBench scorer. */
export const ocrbench: Scorer<OcrBenchRef> = {
  name: "ocrbench",
  version: 1,
  primary: "ocrbench_accuracy",
  metrics: {
    ocrbench_accuracy: meanMetric("share of answers that contain a reference answer"),
    ocrbench_score: {
      description: "number of correct answers (the reference's Final_score, out of 1000 on the full split)",
      aggregation: "count",
      higherIsBetter: true,
      ci: { method: "bootstrap" },
    },
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  breakdowns: [slashBreakdown("ocrbench_accuracy", "OCRBench category")],
  scoreSample(prediction, reference) {
    const pred = pyStrip(prediction);
    const hme = reference.dataset === "HME100k";
    const norm = hme ? hmeNormalize : textNormalize;
    const predicted = norm(pred);
    const hit = reference.answers.some((a) => predicted.includes(norm(a)));
    return {
      score: hit ? 1 : 0,
      parsed: predicted,
      parseOk: pred !== "",
      rule: pred === "" ? "empty" : hme ? "hme_substring" : "substring",
    };
  },
  aggregate(samples: ScoredSample<OcrBenchRef>[]) {
    let correct = 0;
    for (const s of samples) correct += s.result.score;
    return {
      ocrbench_accuracy: meanScore(samples),
      ocrbench_score: correct,
      parse_failure_rate: parseFailureRate(samples),
      ...groupMeans(samples, "ocrbench_accuracy", (s) => s.reference.questionType),
    };
  },
  checkReference(ref) {
    if (!isRecord(ref)) return ["reference must be an object with answers, dataset and questionType"];
    const problems = [
      ...checkStringArrayField(ref, "answers", true),
      ...checkStringField(ref, "dataset"),
      ...checkStringField(ref, "questionType"),
    ];
    if (typeof ref.questionType === "string" && !(ref.questionType in OCRBENCH_CATEGORIES)) {
      problems.push(ocrbenchCategoryProblem(ref.questionType));
    }
    return problems;
  },
};

/** The message for a `question_type` that is none of the ten. */
export function ocrbenchCategoryProblem(questionType: string): string {
  return `question_type ${JSON.stringify(questionType)} is not one of OCRBench's ten categories (${Object.keys(OCRBENCH_CATEGORIES).join(", ")})`;
}
