/**
 * DocVQA validation, as lmms-eval defines it (lmms_eval/tasks/docvqa/docvqa_val.yaml + utils.py;
 * commit 75571cfe; docs/benchmarks.md#docvqa). Config `DocVQA`, split `validation`. Prompt:
 * `question + "\nAnswer the question using a single word or phrase."`; metric ANLS (τ = 0.5, the
 * reference keeps exactly 0.5); greedy, max_new_tokens 32.
 * Deviations: none.
 */

import { anls } from "../scorers/anls.js";
import type { AnswersRef } from "../scorers/vqa_accuracy.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { answerList, docOf, idStr, image, RefProblems, SHORT_ANSWER, str } from "./_common.js";

/** A validated DocVQA row. */
export interface DocVqaRow {
  /** `questionId`. */
  id: string;
  /** The question text. */
  question: string;
  /** The document page image. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

export const docvqa: TaskDefinition<DocVqaRow, AnswersRef> = {
  name: "docvqa",
  version: 1,
  description: "DocVQA validation: questions on scanned document pages (ANLS).",
  dataset: {
    repo: "lmms-lab/DocVQA",
    fallbackRepos: ["lmms-lab-encoder/DocVQA"],
    config: "DocVQA",
    split: "validation",
  },
  parseRow(raw: RawRow): DocVqaRow {
    // questionId is a string on the Hub; an integer keeps its decimal form.
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
    p.check("docvqa");
    return { answers };
  },
  scorer: anls,
  ttftRank: 1,
  generation: { maxNewTokens: 32, stop: [] },
  rows: 5349,
};
