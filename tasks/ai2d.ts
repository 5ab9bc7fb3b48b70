/**
 * AI2D test, as lmms-eval defines it (lmms_eval/tasks/ai2d/ai2d.yaml + utils.py at 75571cfe, default
 * `prompt_format: mcq`). Default config, split `test` (3,088 rows). Prompt: `question + "\n" +
 * "A. o1\nB. o2…" + "\nAnswer with the option's letter from the given choices directly."` (the question is
 * not stripped); greedy, max_new_tokens 16. Target: the letter of `options[int(answer)]`; metric
 * `exact_match` after the `flexible-extract` filter (scorers/ai2d.ts).
 * The rows have no id column: the sample id is the row's position in the split (lmms-eval's doc_id).
 * Deviations: none.
 */

import { ai2d as ai2dScorer, type LetterRef } from "../scorers/ai2d.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import {
  columnError,
  docOf,
  image,
  letteredChoices,
  MC_SUFFIX,
  positionId,
  RefProblems,
  str,
  strList,
} from "./_common.js";

/** A validated AI2D row. */
export interface Ai2dRow {
  /** Row position in the split. */
  id: string;
  /** The question as stored. */
  question: string;
  /** The answer options. */
  options: string[];
  /** The diagram. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

/** `int(answer)` as Python reads a decimal string index, checked against the options. */
function answerIndex(answer: unknown, options: readonly string[]): number | null {
  if (typeof answer !== "string" || !/^\s*[+-]?\d+\s*$/.test(answer)) return null;
  const i = Number(answer);
  return i >= 0 && i < options.length ? i : null;
}

export const ai2d: TaskDefinition<Ai2dRow, LetterRef> = {
  name: "ai2d",
  version: 1,
  description: "AI2D test: multiple-choice questions on science diagrams (exact match on the letter).",
  dataset: {
    repo: "lmms-lab/ai2d",
    fallbackRepos: ["lmms-lab-encoder/ai2d"],
    config: "default",
    split: "test",
  },
  parseRow(raw: RawRow, position?: number): Ai2dRow {
    const options = strList(raw, "options");
    if (answerIndex(raw.answer, options) === null) {
      throw columnError("answer", `an option index "0"…"${options.length - 1}" as a string`, raw.answer);
    }
    return {
      id: positionId(position),
      question: str(raw, "question"),
      options,
      image: image(raw, "image"),
      doc: docOf(raw, ["image"]),
    };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => `${row.question}\n${letteredChoices(row.options)}${MC_SUFFIX}`,
  doc: (row) => row.doc,
  referenceFromDoc(doc): LetterRef {
    const p = new RefProblems(doc);
    const options = p.strList("options");
    const i = answerIndex(doc.answer, options);
    if (Array.isArray(doc.options) && i === null) {
      p.add(`'answer' should be an option index "0"…"${options.length - 1}" as a string`);
    }
    p.check("ai2d");
    return { answer: String.fromCharCode(65 + (i ?? 0)) };
  },
  scorer: ai2dScorer,
  generation: { maxNewTokens: 16, stop: [] },
  rows: 3088,
};
