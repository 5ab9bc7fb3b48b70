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
import { answerList, docOf, idStr, image, imageKeyOf, RefProblems, SHORT_ANSWER, str } from "./_common.js";

/** A validated row of the DocVQA repo (DocVQA or InfographicVQA). */
export interface DocVqaRow {
  /** `questionId`. */
  id: string;
  /** The question text. */
  question: string;
  /** The page or infographic. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

/** What differs between the DocVQA repo's ANLS tasks (DocVQA and InfographicVQA): the rest is shared. */
export interface DocumentQaSpec {
  /** Task name. */
  name: string;
  /** One-line description for `list`. */
  description: string;
  /** Config of the lmms-lab/DocVQA repo. */
  config: string;
  /** Known row count of the validation split. */
  rows: number;
  /** Order for picking a leaderboard row's TTFT, if any. */
  ttftRank?: number;
  /** The doc columns naming a row's page or infographic, alternatives in order (TaskDefinition.imageKey). */
  imageKeyColumns: readonly (readonly string[])[];
}

/** A task over one config of the DocVQA repo: question + short-answer suffix, ANLS over `answers`. */
export function documentQaTask(spec: DocumentQaSpec): TaskDefinition<DocVqaRow, AnswersRef> {
  return {
    name: spec.name,
    version: 1,
    description: spec.description,
    dataset: {
      repo: "lmms-lab/DocVQA",
      fallbackRepos: ["lmms-lab-encoder/DocVQA"],
      config: spec.config,
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
    imageKey(row) {
      for (const columns of spec.imageKeyColumns) {
        const key = imageKeyOf(row.doc, ...columns);
        if (key !== "") return key;
      }
      return "";
    },
    doc: (row) => row.doc,
    referenceFromDoc(doc): AnswersRef {
      const p = new RefProblems(doc);
      const answers = p.answers("answers");
      p.check(spec.name);
      return { answers };
    },
    scorer: anls,
    ...(spec.ttftRank !== undefined ? { ttftRank: spec.ttftRank } : {}),
    generation: { maxNewTokens: 32, stop: [] },
    rows: spec.rows,
  };
}

export const docvqa = documentQaTask({
  name: "docvqa",
  description: "DocVQA validation: questions on scanned document pages (ANLS).",
  config: "DocVQA",
  rows: 5349,
  ttftRank: 1,
  // docId names the page image; the UCSF document and page number name it too.
  imageKeyColumns: [["docId"], ["ucsf_document_id", "ucsf_document_page_no"]],
});
