/**
 * GQA `exact_match` as lmms-eval computes it (`exact_match_hf_evaluate` with ignore_case and
 * ignore_punctuation; the runner strips the generation first): lower-case both, delete every ASCII
 * `string.punctuation` character from both, compare exactly. No article or number-word handling.
 *
 * NumPy details kept: `np.asarray` makes a fixed-width array (width = the string's length) and drops trailing
 * NULs from the value; `np.char.lower` keeps that width, so a lower-casing that lengthens the string
 * (`İ` → `i̇`) is cut back to the original length; `==` on NumPy
 * strings ignores trailing NULs.
 */
import type { Json, ScoredSample, Scorer } from "../src/core/types.js";
import { checkStringField, isRecord, meanMetric, PARSE_FAILURE_RATE, parseFailureRate } from "./common.js";
import { codePoints, pyLower, pyStrip } from "./python.js";

/** GQA `exact_match` reference: the single ground-truth answer. */
export interface ExactMatchRef {
  [key: string]: Json;
  /** The single ground-truth answer. */
  answer: string;
}

/** Python's `string.punctuation` (ASCII only), every character of it. */
const PUNCT_RE = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

function stripTrailingNuls(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return s.slice(0, end);
}

/** One side of the comparison: NumPy array round trip, lower-case at fixed width, punctuation deleted. */
export function normalizeExactMatch(s: string): string {
  // The array's width is the Python string's length, trailing NULs included; the stored value drops them.
  const width = codePoints(s).length;
  const stored = stripTrailingNuls(s);
  const lowered = codePoints(pyLower(stored)).slice(0, width).join("");
  return stripTrailingNuls(lowered.replace(PUNCT_RE, ""));
}

/** The GQA scorer. */
export const exactMatch: Scorer<ExactMatchRef> = {
  name: "exact_match",
  version: 1,
  primary: "exact_match",
  metrics: {
    exact_match: meanMetric(
      "share of answers equal to the reference after lower-casing and deleting punctuation",
    ),
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  scoreSample(prediction, reference) {
    const pred = normalizeExactMatch(pyStrip(prediction));
    const gold = normalizeExactMatch(reference.answer);
    return {
      score: pred === gold ? 1 : 0,
      parsed: pred,
      // Nothing is parsed beyond normalisation; an empty answer is the only failure to parse.
      parseOk: pred !== "",
      rule: pred === "" ? "empty" : "normalized",
    };
  },
  aggregate(samples: ScoredSample<ExactMatchRef>[]) {
    let sum = 0;
    for (const s of samples) sum += s.result.score;
    return {
      exact_match: samples.length === 0 ? 0 : sum / samples.length,
      parse_failure_rate: parseFailureRate(samples),
    };
  },
  checkReference(ref) {
    return isRecord(ref)
      ? checkStringField(ref, "answer")
      : ["reference must be an object with an `answer` string"];
  },
};
