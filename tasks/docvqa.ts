/**
 * DocVQA validation, as lmms-eval defines it (lmms_eval/tasks/docvqa/docvqa_val.yaml + utils.py;
 * /work/shared/reference/benchmarks.md §3). Config `DocVQA`, split `validation`. Prompt:
 * `question + "\nAnswer the question using a single word or phrase."`; metric ANLS (τ = 0.5, the
 * reference keeps exactly 0.5); greedy, max_new_tokens 32.
 * Deviations: none.
 */
import type { AnswersRef, ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { docOf, image, RefProblems, SHORT_ANSWER, str, strList } from "./_common.js";

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
    // questionId is a string on the Hub; accept an integer too and keep its decimal form.
    const q = raw.questionId;
    const id = typeof q === "number" || typeof q === "bigint" ? String(q) : str(raw, "questionId");
    strList(raw, "answers");
    return { id, question: str(raw, "question"), image: image(raw, "image"), doc: docOf(raw, ["image"]) };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => row.question + SHORT_ANSWER,
  doc: (row) => row.doc,
  referenceFromDoc(doc): AnswersRef {
    const p = new RefProblems(doc);
    const answers = p.strList("answers");
    if (Array.isArray(doc.answers) && answers.length === 0) p.add("'answers' is empty");
    p.check("docvqa");
    return { answers };
  },
  scorer: "anls",
  primaryMetric: "anls",
  generation: { maxNewTokens: 32, stop: [] },
  rows: 5349,
};
