/**
 * RealWorldQA test, as lmms-eval defines it (lmms_eval/tasks/realworldqa/realworldqa.yaml + utils.py at
 * 75571cfe). Default config, split `test` (765 rows). Prompt: Python `question.strip()` only — the question
 * already carries the options and the dataset's own instruction, which stays in (it is removed only when a
 * post_prompt is set, and the default sets none); greedy, max_new_tokens 16. Metric: letter answers through
 * lmms-eval's `extract_mcq_answer`, open answers by lower-cased exact match (scorers/realworldqa.ts).
 * The rows have no id column: the sample id is the row's position in the split (lmms-eval's doc_id).
 * Deviations: none.
 */

import { type RealWorldQaRef, realworldqa as realworldqaScorer } from "../scorers/realworldqa.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { docOf, image, positionId, pyStrip, RefProblems, str } from "./_common.js";

/** A validated RealWorldQA row. */
export interface RealWorldQaRow {
  /** Row position in the split. */
  id: string;
  /** The question (with options and instruction) as stored. */
  question: string;
  /** The photo. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

export const realworldqa: TaskDefinition<RealWorldQaRow, RealWorldQaRef> = {
  name: "realworldqa",
  version: 1,
  description: "RealWorldQA test: real-world spatial questions from vehicle and street photos (exact match).",
  dataset: {
    repo: "lmms-lab/RealWorldQA",
    fallbackRepos: ["lmms-lab-encoder/RealWorldQA"],
    config: "default",
    split: "test",
  },
  parseRow(raw: RawRow, position?: number): RealWorldQaRow {
    str(raw, "answer");
    return {
      id: positionId(position),
      question: str(raw, "question"),
      image: image(raw, "image"),
      doc: docOf(raw, ["image"]),
    };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => pyStrip(row.question),
  doc: (row) => row.doc,
  referenceFromDoc(doc): RealWorldQaRef {
    const p = new RefProblems(doc);
    const answer = p.str("answer");
    p.check("realworldqa");
    return { answer };
  },
  scorer: realworldqaScorer,
  generation: { maxNewTokens: 16, stop: [] },
  rows: 765,
};
