/**
 * AI2D as lmms-eval scores it (tasks/ai2d/ai2d.yaml + utils.py at 75571cfe): the `flexible-extract` filter
 * (`MultiChoiceRegexFilter.apply`) runs first on the raw generation: when `^\s*([A-Z])\.` matches (Python `\s`,
 * an upper-case ASCII letter, a period) the output becomes that letter, otherwise it is kept unchanged. Then
 * the runner strips it and the built-in `exact_match` (ignore_case, ignore_punctuation; scorers/exact_match.ts)
 * compares it with the gold letter. So "B", "b", "B.", "(B)" and " B. foo" are right; "B) foo" (→ "b foo")
 * and "The answer is B" are wrong.
 */
import type { Json, ScoredSample, Scorer } from "../src/core/types.js";
import {
  checkStringField,
  isRecord,
  meanMetric,
  meanScore,
  PARSE_FAILURE_RATE,
  parseFailureRate,
} from "./common.js";
import { normalizeExactMatch } from "./exact_match.js";
import { PY_SPACE_CLASS, pyStrip } from "./python.js";

/** AI2D reference: the gold option letter. */
export interface LetterRef {
  [key: string]: Json;
  /** Gold letter (`A` + the `answer` index). */
  answer: string;
}

const OPTION_LETTER = new RegExp(`^[${PY_SPACE_CLASS}]*([A-Z])\\.`, "u");

/** `MultiChoiceRegexFilter.apply` on one response. */
export function ai2dFilter(response: string): string {
  const m = OPTION_LETTER.exec(response);
  return m ? m[1]! : response;
}

/** The AI2D scorer. */
export const ai2d: Scorer<LetterRef> = {
  name: "ai2d",
  version: 1,
  primary: "exact_match",
  metrics: {
    exact_match: meanMetric("share of answers whose option letter is the reference letter"),
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  scoreSample(prediction, reference) {
    const filtered = ai2dFilter(prediction);
    const pred = normalizeExactMatch(pyStrip(filtered));
    return {
      score: pred === normalizeExactMatch(reference.answer) ? 1 : 0,
      parsed: pred,
      parseOk: pred !== "",
      rule: pred === "" ? "empty" : filtered !== prediction ? "letter_period" : "as_is",
    };
  },
  aggregate(samples: ScoredSample<LetterRef>[]) {
    return { exact_match: meanScore(samples), parse_failure_rate: parseFailureRate(samples) };
  },
  checkReference(ref) {
    return isRecord(ref)
      ? checkStringField(ref, "answer")
      : ["reference must be an object with an `answer` letter"];
  },
};
