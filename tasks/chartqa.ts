/**
 * ChartQA test, as lmms-eval defines it (lmms_eval/tasks/chartqa/chartqa.yaml + utils.py at 75571cfe).
 * Default config, split `test` (2,500 rows: `human_test` and `augmented_test` questions). Prompt: the
 * question as stored (not stripped) + "\nAnswer the question with a single word."; greedy,
 * max_new_tokens 16. Metric `relaxed_overall` (5% relative tolerance for numbers, exact case-insensitive
 * string otherwise; scorers/relaxed_correctness.ts) and the two split means.
 * The rows have no id column: the sample id is the row's position in the split (lmms-eval's doc_id).
 * Deviations: none.
 */

import { type RelaxedRef, relaxed } from "../scorers/relaxed_correctness.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { docOf, image, positionId, RefProblems, str } from "./_common.js";

/** A validated ChartQA row. */
export interface ChartQaRow {
  /** Row position in the split. */
  id: string;
  /** The question as stored. */
  question: string;
  /** `human_test` | `augmented_test`. */
  type: string;
  /** The chart. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

export const chartqa: TaskDefinition<ChartQaRow, RelaxedRef> = {
  name: "chartqa",
  version: 1,
  description: "ChartQA test: questions on charts, numbers within 5% (relaxed accuracy).",
  dataset: {
    repo: "lmms-lab/ChartQA",
    fallbackRepos: ["lmms-lab-encoder/ChartQA"],
    config: "default",
    split: "test",
  },
  parseRow(raw: RawRow, position?: number): ChartQaRow {
    str(raw, "answer");
    return {
      id: positionId(position),
      question: str(raw, "question"),
      type: str(raw, "type"),
      image: image(raw, "image"),
      doc: docOf(raw, ["image"]),
    };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => `${row.question}\nAnswer the question with a single word.`,
  doc: (row) => row.doc,
  referenceFromDoc(doc): RelaxedRef {
    const p = new RefProblems(doc);
    const answer = p.str("answer");
    const type = p.str("type");
    p.check("chartqa");
    return { answer, type };
  },
  strata: (row) => row.type,
  scorer: relaxed,
  generation: { maxNewTokens: 16, stop: [] },
  rows: 2500,
};
