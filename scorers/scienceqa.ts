/**
 * ScienceQA-IMG `sqa_process_results` (tasks/scienceqa/utils.py at 75571cfe): with the target letter
 * lower-cased and the stripped prediction, the answer is right when `pred.lower() == target`, or when the
 * prediction has at least two characters, the first is upper-case (Python `isupper()`) and the second is a
 * period, and that first letter lower-cased is the target. Nothing else counts: "B", "b", "B. xyz" are right;
 * "(B)", "b." and "B)" are wrong.
 * lmms-eval v0.2.2 lower-cased the prediction before the `isupper()` test, so its "X." rule never fired.
 */
import type { ScoredSample, Scorer } from "../src/core/types.js";
import type { LetterRef } from "./ai2d.js";
import {
  checkStringField,
  isRecord,
  meanMetric,
  meanScore,
  PARSE_FAILURE_RATE,
  parseFailureRate,
} from "./common.js";
import { codePoints, pyLower, pyStrip } from "./python.js";

const UPPER = /^\p{Uppercase}$/u;

/** The ScienceQA scorer. */
export const scienceqa: Scorer<LetterRef> = {
  name: "scienceqa",
  version: 1,
  primary: "exact_match",
  metrics: {
    exact_match: meanMetric("share of answers whose option letter is the reference letter"),
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  scoreSample(prediction, reference) {
    const target = pyLower(pyStrip(reference.answer));
    const pred = pyStrip(prediction);
    const parseOk = pred !== "";
    if (pyLower(pred) === target) return { score: 1, parsed: pred, parseOk, rule: "exact_letter" };
    const cps = codePoints(pred);
    if (cps.length >= 2 && UPPER.test(cps[0]!) && cps[1] === ".") {
      return { score: pyLower(cps[0]!) === target ? 1 : 0, parsed: cps[0]!, parseOk, rule: "letter_period" };
    }
    return { score: 0, parsed: pred, parseOk, rule: parseOk ? "no_match" : "empty" };
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
