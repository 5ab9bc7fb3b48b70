/**
 * ScienceQA-IMG test, as lmms-eval defines it (lmms_eval/tasks/scienceqa/scienceqa_img.yaml + utils.py at
 * 75571cfe, default format). Config `ScienceQA-IMG` of the ScienceQA repo (already only the questions with an
 * image; the code filters nothing), split `test` (2,017 rows). Prompt: `"Context: {hint}\n"` when the hint is
 * truthy (a hint of only spaces is truthy and kept), otherwise the empty hint itself, then `question + "\n" +
 * "A. c1\nB. c2…" + "\nAnswer with the option's letter from the given choices directly."`; greedy,
 * max_new_tokens 16. A null hint would print as "None", as the Python f-string does. Target: the letter of
 * `choices[answer]` (int8); metric `sqa_process_results` (scorers/scienceqa.ts). A null image gives no image,
 * as `sqa_doc_to_visual` does.
 * The rows have no id column: the sample id is the row's position in the split (lmms-eval's doc_id).
 * Deviations: none.
 */

import type { LetterRef } from "../scorers/ai2d.js";
import { scienceqa } from "../scorers/scienceqa.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import {
  columnError,
  docOf,
  int,
  letteredChoices,
  MC_SUFFIX,
  optionalImage,
  positionId,
  RefProblems,
  str,
  strList,
} from "./_common.js";

/** A validated ScienceQA row. */
export interface ScienceQaRow {
  /** Row position in the split. */
  id: string;
  /** The question as stored. */
  question: string;
  /** The choices. */
  choices: string[];
  /** The hint (context), possibly empty; null when the column is null. */
  hint: string | null;
  /** `subject` (natural science, social science, language science). */
  subject: string;
  /** The image, or null. */
  image: ImageInput | null;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

export const scienceqaImg: TaskDefinition<ScienceQaRow, LetterRef> = {
  name: "scienceqa_img",
  version: 1,
  description: "ScienceQA-IMG test: school science multiple-choice questions with an image (exact match).",
  dataset: {
    repo: "lmms-lab/ScienceQA",
    fallbackRepos: ["lmms-lab-encoder/ScienceQA"],
    config: "ScienceQA-IMG",
    split: "test",
  },
  parseRow(raw: RawRow, position?: number): ScienceQaRow {
    const choices = strList(raw, "choices");
    const answer = int(raw, "answer");
    if (answer < 0 || answer >= choices.length)
      throw columnError("answer", `a choice index 0…${choices.length - 1}`, answer);
    const hint = raw.hint === null || raw.hint === undefined ? null : str(raw, "hint");
    return {
      id: positionId(position),
      question: str(raw, "question"),
      choices,
      hint,
      subject: typeof raw.subject === "string" ? raw.subject : "",
      image: optionalImage(raw, "image"),
      doc: docOf(raw, ["image"]),
    };
  },
  id: (row) => row.id,
  images: (row) => (row.image ? [row.image] : []),
  prompt(row) {
    const context = row.hint === null ? "None" : row.hint !== "" ? `Context: ${row.hint}\n` : "";
    return `${context}${row.question}\n${letteredChoices(row.choices)}${MC_SUFFIX}`;
  },
  doc: (row) => row.doc,
  referenceFromDoc(doc): LetterRef {
    const p = new RefProblems(doc);
    const choices = p.strList("choices");
    const answer = p.int("answer");
    if (Array.isArray(doc.choices) && (answer < 0 || answer >= choices.length)) {
      p.add(`'answer' should be a choice index 0…${choices.length - 1}, got ${answer}`);
    }
    p.check("scienceqa_img");
    return { answer: String.fromCharCode(65 + answer) };
  },
  strata: (row) => row.subject,
  scorer: scienceqa,
  generation: { maxNewTokens: 16, stop: [] },
  rows: 2017,
};
