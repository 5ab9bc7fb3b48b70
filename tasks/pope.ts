/**
 * POPE (all three categories pooled, the lmms-eval `pope` task: lmms_eval/tasks/pope/pope.yaml +
 * utils.py at 75571cfe; docs/benchmarks.md#pope). Default config, split `test`, 9,000 rows.
 * Prompt: Python `question.strip()` + "\nAnswer the question using a single word or phrase.";
 * metrics accuracy/precision/recall/F1/yes_ratio (F1 headline); greedy, max_new_tokens 128.
 * Deviation: the sample id is the Hub `id` column, not `question_id`: lmms-eval only logs
 * `question_id`, which restarts at 1 in each category, so it is not unique across the 9,000 rows.
 * A copy without an `id` column gets `<category>-<question_id>` instead (also unique).
 */
import { type PopeRef, pope as popeScorer } from "../scorers/pope.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { docOf, idStr, image, imageKeyOf, pyStrip, RefProblems, SHORT_ANSWER, str } from "./_common.js";

/** A validated POPE row. */
export interface PopeRow {
  /** Hub `id` (unique across categories). */
  id: string;
  /** The question text as stored. */
  question: string;
  /** adversarial | popular | random. */
  category: string;
  /** The image. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

export const pope: TaskDefinition<PopeRow, PopeRef> = {
  name: "pope",
  version: 1,
  description: "POPE: yes/no object-hallucination probes, adversarial + popular + random (F1).",
  dataset: {
    repo: "lmms-lab/POPE",
    fallbackRepos: ["lmms-lab-encoder/POPE"],
    config: "default",
    split: "test",
  },
  parseRow(raw: RawRow): PopeRow {
    const category = str(raw, "category");
    const id =
      raw.id === undefined || raw.id === null ? `${category}-${idStr(raw, "question_id")}` : idStr(raw, "id");
    str(raw, "answer");
    return {
      id,
      question: str(raw, "question"),
      category,
      image: image(raw, "image"),
      doc: docOf(raw, ["image"]),
    };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => pyStrip(row.question) + SHORT_ANSWER,
  imageKey: (row) => imageKeyOf(row.doc, "image_source"),
  doc: (row) => row.doc,
  referenceFromDoc(doc): PopeRef {
    const p = new RefProblems(doc);
    const answer = p.str("answer");
    const category = p.str("category");
    // The reference asserts the normalised answer is yes or no.
    const norm = answer.toLowerCase().trim();
    if (typeof doc.answer === "string" && norm !== "yes" && norm !== "no") {
      p.add(`'answer' should be "yes" or "no", got ${JSON.stringify(answer)}`);
    }
    p.check("pope");
    return { answer: norm, category };
  },
  strata: (row) => row.category,
  scorer: popeScorer,
  ttftRank: 4,
  generation: { maxNewTokens: 128, stop: [] },
  rows: 9000,
};
