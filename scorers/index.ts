import type { Json, Scorer } from "../src/core/types.js";
import { ai2d } from "./ai2d.js";
import { anls } from "./anls.js";
import { exactMatch } from "./exact_match.js";
import { mmmu } from "./mmmu.js";
import { ocrbench } from "./ocrbench.js";
import { pope } from "./pope.js";
import { realworldqa } from "./realworldqa.js";
import { relaxed } from "./relaxed_correctness.js";
import { scienceqa } from "./scienceqa.js";
import { seed } from "./seed.js";
import { vqaAccuracy } from "./vqa_accuracy.js";
import { vqav2 } from "./vqav2.js";

/** A scorer with its reference type erased. */
export type AnyScorer = Scorer<Json>;

/** Every metric, by registry key (a task's `scorer`). A new metric is its file (with `<key>.golden.ts` next to it) and one line here. */
export const SCORERS: Record<string, AnyScorer> = {
  exact_match: exactMatch,
  vqa_accuracy: vqaAccuracy,
  anls: anls,
  pope: pope,
  seed: seed,
  mmmu: mmmu,
  relaxed_correctness: relaxed,
  ocrbench: ocrbench,
  ai2d: ai2d,
  scienceqa: scienceqa,
  realworldqa: realworldqa,
  vqav2: vqav2,
};
