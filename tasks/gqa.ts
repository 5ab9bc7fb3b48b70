/**
 * GQA testdev-balanced, as lmms-eval defines it (lmms_eval/tasks/gqa/gqa.yaml + utils.py at
 * commit 75571cfe; docs/benchmarks.md#gqa). Questions come from config `testdev_balanced_instructions`;
 * images from config `testdev_balanced_images`, joined on `instructions.imageId == images.id`.
 * Prompt: `question + "\nAnswer the question using a single word or phrase."`; metric exact_match
 * (ignore case and ASCII punctuation); greedy, max_new_tokens 16.
 * Deviations: none.
 */
import { type ExactMatchRef, exactMatch } from "../scorers/exact_match.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { docOf, idStr, image, imageKeyOf, RefProblems, SHORT_ANSWER, str } from "./_common.js";

/** A validated GQA question row (with its joined image). */
export interface GqaRow {
  /** Question id. */
  id: string;
  /** The question text. */
  question: string;
  /** The joined image. */
  image: ImageInput;
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

const IMAGES_CONFIG = "testdev_balanced_images";

export const gqa: TaskDefinition<GqaRow, ExactMatchRef> = {
  name: "gqa",
  version: 1,
  description: "GQA testdev-balanced: compositional questions on real images (exact match).",
  dataset: {
    repo: "lmms-lab/GQA",
    fallbackRepos: ["lmms-lab-encoder/GQA"],
    config: "testdev_balanced_instructions",
    split: "testdev",
    joins: [{ config: IMAGES_CONFIG, split: "testdev" }],
  },
  joinRows: [{ config: IMAGES_CONFIG, localKey: "imageId", foreignKey: "id", columns: ["image"] }],
  parseRow(raw: RawRow): GqaRow {
    const id = idStr(raw, "id");
    idStr(raw, "imageId");
    str(raw, "answer");
    return {
      id,
      question: str(raw, "question"),
      image: image(raw, "image", `${IMAGES_CONFIG}/image`),
      doc: docOf(raw, ["image"]),
    };
  },
  id: (row) => row.id,
  images: (row) => [row.image],
  prompt: (row) => row.question + SHORT_ANSWER,
  imageKey: (row) => imageKeyOf(row.doc, "imageId"),
  doc: (row) => row.doc,
  referenceFromDoc(doc): ExactMatchRef {
    const p = new RefProblems(doc);
    const answer = p.str("answer");
    p.check("gqa");
    return { answer };
  },
  scorer: exactMatch,
  ttftRank: 3,
  generation: { maxNewTokens: 16, stop: [] },
  rows: 12578,
};
