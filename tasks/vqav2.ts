/**
 * VQAv2 validation, as lmms-eval defines it (lmms_eval/tasks/vqav2/vqav2_val.yaml +
 * _default_template_vqav2_yaml + utils.py at 75571cfe). Default config, split `validation` (214,354 rows).
 * Prompt: the question as stored + "\nAnswer the question using a single word or phrase."; max_new_tokens
 * 16 (the YAML sets nothing else). Metric: `vqav2_process_results` (scorers/vqav2.ts) over the `answers`
 * dicts; `vqa_accuracy/<answer_type>` per answer type. `multiple_choice_answer` is not used for scoring.
 * Deviations: none. (lmms-eval's `vqav2_test` only writes an EvalAI submission file; there is no local score
 * for test or test-dev, so validation is the split scored here.)
 */

import { type Vqav2Answer, type Vqav2Ref, vqav2 as vqav2Scorer } from "../scorers/vqav2.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import {
  columnError,
  docOf,
  idStr,
  image,
  imageKeyOf,
  RefProblems,
  SHORT_ANSWER,
  str,
  toJson,
} from "./_common.js";

/** A validated VQAv2 row. */
export interface Vqav2Row {
  /** `question_id` (int64) as a string. */
  id: string;
  /** The question as stored. */
  question: string;
  /** yes/no | number | other. */
  answerType: string;
  /** The image. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

/** The `answers` dicts, every field kept (JSON), or the index of the first bad entry. */
function answerDicts(v: unknown): Vqav2Answer[] | number {
  if (!Array.isArray(v)) return -1;
  const out: Vqav2Answer[] = [];
  for (const [i, a] of v.entries()) {
    const j = toJson(a);
    if (j === null || typeof j !== "object" || Array.isArray(j) || typeof j.answer !== "string") return i;
    out.push(j as Vqav2Answer);
  }
  return out;
}

export const vqav2: TaskDefinition<Vqav2Row, Vqav2Ref> = {
  name: "vqav2",
  version: 1,
  description: "VQAv2 validation: open questions on COCO images (VQA accuracy over 10 answers).",
  dataset: {
    repo: "lmms-lab/VQAv2",
    fallbackRepos: ["lmms-lab-encoder/VQAv2"],
    config: "default",
    split: "validation",
  },
  parseRow(raw: RawRow): Vqav2Row {
    const id = idStr(raw, "question_id");
    const answers = answerDicts(raw.answers);
    if (typeof answers === "number") {
      const col = answers < 0 ? "answers" : `answers[${answers}]`;
      throw columnError(
        col,
        answers < 0 ? "a list of {answer, answer_confidence, answer_id}" : "an {answer, …} struct",
        answers < 0 ? raw.answers : (raw.answers as unknown[])[answers],
      );
    }
    return {
      id,
      question: str(raw, "question"),
      answerType: str(raw, "answer_type"),
      image: image(raw, "image"),
      doc: docOf(raw, ["image"]),
    };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => row.question + SHORT_ANSWER,
  imageKey: (row) => imageKeyOf(row.doc, "image_id"),
  doc: (row) => row.doc,
  referenceFromDoc(doc): Vqav2Ref {
    const p = new RefProblems(doc);
    const answers = answerDicts(doc.answers);
    if (typeof answers === "number")
      p.add("'answers' should be a list of {answer, answer_confidence, answer_id}");
    const answerType = p.str("answer_type");
    p.check("vqav2");
    return { answers: typeof answers === "number" ? [] : answers, answerType };
  },
  strata: (row) => row.answerType,
  scorer: vqav2Scorer,
  generation: { maxNewTokens: 16, stop: [] },
  rows: 214354,
};
