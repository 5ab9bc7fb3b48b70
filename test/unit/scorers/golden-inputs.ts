/** Every scorer's golden cases as plain scored inputs (prediction, reference), by scorer key. */
import type { Json } from "../../../src/core/types.js";
import * as C from "./golden-card.js";
import * as G from "./golden-cases.js";

/** Scored inputs per scorer for the registry check: its golden cases, as the runner would score them. */
export const GOLDEN_INPUTS: Record<string, { prediction: string; reference: Json }[]> = {
  exact_match: G.EXACT_MATCH,
  vqa_accuracy: G.VQA,
  anls: G.ANLS,
  pope: G.POPE,
  seed: G.SEED,
  mmmu: G.MMMU_OPEN.map((c) => ({
    prediction: c.prediction,
    reference: { answer: c.answer, questionType: "open", options: [], subject: "Math" },
  })),
  relaxed_correctness: C.RELAXED,
  ocrbench: C.OCRBENCH,
  ai2d: C.AI2D,
  scienceqa: C.SCIENCEQA,
  realworldqa: C.REALWORLDQA,
  vqav2: C.VQAV2,
};
