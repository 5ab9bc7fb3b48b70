import type { Json, Scorer } from "../src/core/types.js";

/** A scorer with its reference type erased. */
export type AnyScorer = Scorer<Json>;

/** Every metric, by registry key (a task's `scorer`). A new metric is one file and one line here. */
export const SCORERS: Record<string, AnyScorer> = {};
