/**
 * TextVQA validation, as lmms-eval defines it (lmms_eval/tasks/textvqa/textvqa_val.yaml + utils.py;
 * commit 75571cfe; docs/benchmarks.md#textvqa). Prompt: Python `question.capitalize()` (which lower-cases
 * the rest: "NOKIA" → "nokia") + "\nAnswer the question using a single word or phrase."; OCR tokens
 * off. Metric: VQA accuracy over the 10 answers with EvalAI normalisation. No max_new_tokens in the
 * YAML, so the LLaVA model default (1024) applies; generation stops at "ASSISTANT:".
 * Deviations: none.
 */
import { type AnswersRef, vqaAccuracy } from "../scorers/vqa_accuracy.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import {
  answerList,
  docOf,
  idStr,
  image,
  imageKeyOf,
  pyCapitalize,
  RefProblems,
  SHORT_ANSWER,
  str,
} from "./_common.js";

/** A validated TextVQA row. */
export interface TextVqaRow {
  /** `question_id` (int32 on the Hub) as a string. */
  id: string;
  /** The question text as stored. */
  question: string;
  /** The image. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

export const textvqa: TaskDefinition<TextVqaRow, AnswersRef> = {
  name: "textvqa",
  version: 1,
  description: "TextVQA validation: questions that need reading text in images (VQA accuracy).",
  dataset: {
    repo: "lmms-lab/textvqa",
    fallbackRepos: ["lmms-lab-encoder/textvqa"],
    config: "default",
    split: "validation",
  },
  parseRow(raw: RawRow): TextVqaRow {
    const id = idStr(raw, "question_id");
    answerList(raw, "answers");
    return { id, question: str(raw, "question"), image: image(raw, "image"), doc: docOf(raw, ["image"]) };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => pyCapitalize(row.question) + SHORT_ANSWER,
  imageKey: (row) => imageKeyOf(row.doc, "image_id"),
  doc: (row) => row.doc,
  referenceFromDoc(doc): AnswersRef {
    const p = new RefProblems(doc);
    const answers = p.answers("answers");
    p.check("textvqa");
    return { answers };
  },
  scorer: vqaAccuracy,
  ttftRank: 2,
  generation: { maxNewTokens: 1024, stop: ["ASSISTANT:"] },
  rows: 5000,
};
