/**
 * OCRBench, as lmms-eval defines it (lmms_eval/tasks/ocrbench/ocrbench.yaml + utils.py at 75571cfe).
 * `echo840/OCRBench` (not moved to lmms-lab-encoder), default config, split `test` (1,000 rows in ten
 * categories). Prompt: Python `question.strip()` and nothing else; greedy, max_new_tokens 128. Metric: a
 * reference substring of the prediction (HME100k rows case-sensitive without spaces, the rest lower-cased
 * with full-width ASCII folded; scorers/ocrbench.ts); `ocrbench_accuracy` = correct / N.
 * A `question_type` outside the ten categories is rejected (the reference raises KeyError at aggregation).
 * The rows have no id column: the sample id is the row's position in the split (lmms-eval's doc_id).
 * Deviations: none on the full split; on a subset `ocrbench_accuracy` divides by the subset size where the
 * reference always divides by 1000.
 */

import {
  OCRBENCH_CATEGORIES,
  type OcrBenchRef,
  ocrbenchCategoryProblem,
  ocrbench as ocrbenchScorer,
} from "../scorers/ocrbench.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { columnError, docOf, image, positionId, pyStrip, RefProblems, str } from "./_common.js";

/** A validated OCRBench row. */
export interface OcrBenchRow {
  /** Row position in the split. */
  id: string;
  /** The question as stored. */
  question: string;
  /** One of the ten categories. */
  questionType: string;
  /** The image. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

/** `answer` is a list of strings on the Hub; the reference also accepts a single string. */
function answersOf(v: unknown): string[] | null {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) return v as string[];
  return null;
}

export const ocrbench: TaskDefinition<OcrBenchRow, OcrBenchRef> = {
  name: "ocrbench",
  version: 1,
  description: "OCRBench: text recognition, scene/document VQA, key information, formulas (accuracy).",
  dataset: { repo: "echo840/OCRBench", config: "default", split: "test" },
  parseRow(raw: RawRow, position?: number): OcrBenchRow {
    if (answersOf(raw.answer) === null)
      throw columnError("answer", "a non-empty list of strings", raw.answer);
    str(raw, "dataset");
    const questionType = str(raw, "question_type");
    if (!(questionType in OCRBENCH_CATEGORIES))
      throw columnError("question_type", "an OCRBench category", raw.question_type);
    return {
      id: positionId(position),
      question: str(raw, "question"),
      questionType,
      image: image(raw, "image"),
      doc: docOf(raw, ["image"]),
    };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => pyStrip(row.question),
  doc: (row) => row.doc,
  referenceFromDoc(doc): OcrBenchRef {
    const p = new RefProblems(doc);
    const answers = answersOf(doc.answer);
    if (answers === null) p.add("'answer' should be a non-empty list of strings");
    const dataset = p.str("dataset");
    const questionType = p.str("question_type");
    if (typeof doc.question_type === "string" && !(questionType in OCRBENCH_CATEGORIES)) {
      p.add(ocrbenchCategoryProblem(questionType));
    }
    p.check("ocrbench");
    return { answers: answers ?? [], dataset, questionType };
  },
  strata: (row) => row.questionType,
  scorer: ocrbenchScorer,
  generation: { maxNewTokens: 128, stop: [] },
  rows: 1000,
};
