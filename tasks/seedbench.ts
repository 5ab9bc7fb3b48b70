/**
 * SEED-Bench, image part, as lmms-eval defines it (lmms_eval/tasks/seedbench/seedbench.yaml +
 * utils.py at 75571cfe; docs/benchmarks.md#seedbench). Default config, split `test`; rows with
 * `data_type != "image"` (video questions, several frames each) are dropped. Every image in the
 * `image` list is passed. Prompt: `question + "\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nAnswer with the
 * option's letter from the given choices directly."`; metric `seed_image` accuracy. No
 * max_new_tokens in the YAML, so the LLaVA default (1024) applies; generation stops at "ASSISTANT:".
 * Deviation: lmms-eval's `seed` task also scores the video rows (seed_video, seed_all); we run the
 * image part only, which is what FastVLM reports as SeedBench-Img.
 */
import { type SeedRef, seed } from "../scorers/seed.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { docOf, idStr, imageKeyOf, imageList, intLike, MC_ANSWER, RefProblems, str } from "./_common.js";

/** A validated SEED-Bench row. */
export interface SeedRow {
  /** `question_id`. */
  id: string;
  /** "image" or "video". */
  dataType: string;
  /** `question_type_id`. */
  questionTypeId: number;
  /** The prompt pieces. */
  question: string;
  /** choice_a..choice_d. */
  choices: [string, string, string, string];
  /** Every image (video rows hold several frames). */
  images: ImageInput[];
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

export const seedbench: TaskDefinition<SeedRow, SeedRef> = {
  name: "seedbench",
  version: 1,
  description: "SEED-Bench image part: 4-way multiple choice over 9 dimensions (seed_image accuracy).",
  dataset: {
    repo: "lmms-lab/SEED-Bench",
    fallbackRepos: ["lmms-lab-encoder/SEED-Bench"],
    config: "default",
    split: "test",
  },
  parseRow(raw: RawRow): SeedRow {
    const dataType = str(raw, "data_type");
    str(raw, "answer");
    const choices: [string, string, string, string] = [
      str(raw, "choice_a"),
      str(raw, "choice_b"),
      str(raw, "choice_c"),
      str(raw, "choice_d"),
    ];
    return {
      id: idStr(raw, "question_id"),
      dataType,
      questionTypeId: intLike(raw, "question_type_id"),
      question: str(raw, "question"),
      choices,
      // Video rows are dropped by keep(); skip decoding their frame list checks.
      images: dataType === "image" ? imageList(raw, "image") : [],
      doc: docOf(raw, ["image"]),
    };
  },
  keep: (row) => row.dataType === "image",
  id: (row) => row.id,
  images: (row) => row.images,
  prompt: (row) => {
    const [a, b, c, d] = row.choices;
    return `${row.question}\nA. ${a}\nB. ${b}\nC. ${c}\nD. ${d}\n${MC_ANSWER}`;
  },
  // `data_id` names the image file the question is about.
  imageKey: (row) => imageKeyOf(row.doc, "data_id"),
  doc: (row) => row.doc,
  referenceFromDoc(doc): SeedRef {
    const p = new RefProblems(doc);
    const answer = p.str("answer");
    const questionTypeId = p.int("question_type_id");
    const dataType = p.str("data_type");
    p.check("seedbench");
    return { answer, questionTypeId, dataType };
  },
  strata: (row) => String(row.questionTypeId),
  scorer: seed,
  ttftRank: 5,
  generation: { maxNewTokens: 1024, stop: ["ASSISTANT:"] },
};
