/**
 * InfographicVQA validation, as lmms-eval defines it (lmms_eval/tasks/infovqa/infovqa_val.yaml +
 * _default_template_infovqa_yaml + utils.py at 75571cfe): the `InfographicVQA` config of the DocVQA dataset
 * repo, split `validation` (2,801 rows). Prompt: `question + "\nAnswer the question using a single word or
 * phrase."`; greedy, max_new_tokens 32. No custom process_results: lmms-eval's built-in ANLS over the whole
 * `answers` list (scorers/anls.ts, the same metric as DocVQA).
 * Deviations: none.
 */

import { anls } from "../scorers/anls.js";
import type { AnswersRef } from "../scorers/vqa_accuracy.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { answerList, docOf, idStr, image, RefProblems, SHORT_ANSWER, str } from "./_common.js";

/** A validated InfographicVQA row. */
export interface InfoVqaRow {
  /** `questionId`. */
  id: string;
  /** The question text. */
  question: string;
  /** The infographic. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

export const infovqa: TaskDefinition<InfoVqaRow, AnswersRef> = {
  name: "infovqa",
  version: 1,
  description: "InfographicVQA validation: questions on infographics (ANLS).",
  dataset: {
    repo: "lmms-lab/DocVQA",
    fallbackRepos: ["lmms-lab-encoder/DocVQA"],
    config: "InfographicVQA",
    split: "validation",
  },
  parseRow(raw: RawRow): InfoVqaRow {
    const id = idStr(raw, "questionId");
    answerList(raw, "answers");
    return { id, question: str(raw, "question"), image: image(raw, "image"), doc: docOf(raw, ["image"]) };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => row.question + SHORT_ANSWER,
  doc: (row) => row.doc,
  referenceFromDoc(doc): AnswersRef {
    const p = new RefProblems(doc);
    const answers = p.answers("answers");
    p.check("infovqa");
    return { answers };
  },
  scorer: anls,
  generation: { maxNewTokens: 32, stop: [] },
  rows: 2801,
};
