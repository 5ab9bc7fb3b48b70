/**
 * DocVQA `anls` as lmms-eval computes it (`metrics.anls`, from Qwen-VL): for each reference, the edit
 * distance between `" ".join(s.strip().lower().split())` of answer and prediction, divided by
 * max(len(answer.upper()), len(prediction.upper())) of the *un-normalised* strings (code points, after
 * upper-casing: "ß" counts 2); score = 1 − the smallest ratio, set to 0 when below 0.5 (exactly 0.5 stays).
 * The runner strips the prediction before scoring. An empty reference list crashes the reference; here it
 * scores 0 with rule `no_answers`.
 */
import type { ScoredSample, Scorer } from "../src/core/types.js";
import {
  checkStringArrayField,
  isRecord,
  meanMetric,
  PARSE_FAILURE_RATE,
  parseFailureRate,
} from "./common.js";
import { codePoints, pyLen, pyLower, pySplit, pyStrip, pyUpper } from "./python.js";
import type { AnswersRef } from "./vqa_accuracy.js";

/** The ANLS threshold: scores below it become 0. */
export const ANLS_THRESHOLD = 0.5;

/** Levenshtein distance over code points (Python `str` indexing). */
export function levenshtein(a: string, b: string): number {
  let s1 = codePoints(a);
  let s2 = codePoints(b);
  if (s1.length > s2.length) [s1, s2] = [s2, s1];
  let prev = Array.from({ length: s1.length + 1 }, (_, i) => i);
  for (let i2 = 0; i2 < s2.length; i2++) {
    const c2 = s2[i2];
    const cur = [i2 + 1];
    for (let i1 = 0; i1 < s1.length; i1++) {
      cur.push(s1[i1] === c2 ? prev[i1]! : 1 + Math.min(prev[i1]!, prev[i1 + 1]!, cur[i1]!));
    }
    prev = cur;
  }
  return prev[prev.length - 1]!;
}

/** `" ".join(s.strip().lower().split())`. */
export function anlsNormalize(s: string): string {
  return pySplit(pyLower(pyStrip(s))).join(" ");
}

/** The DocVQA scorer. */
export const anls: Scorer<AnswersRef> = {
  name: "anls",
  version: 1,
  primary: "anls",
  metrics: {
    anls: meanMetric("average normalized Levenshtein similarity to the closest answer (0 below 0.5)"),
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  scoreSample(prediction, reference) {
    const pred = pyStrip(prediction);
    const det = anlsNormalize(pred);
    const parseOk = det !== "";
    if (reference.answers.length === 0) return { score: 0, parsed: det, parseOk, rule: "no_answers" };
    const predLen = pyLen(pyUpper(pred));
    let minNl = Number.POSITIVE_INFINITY;
    for (const answer of reference.answers) {
      const dist = levenshtein(anlsNormalize(answer), det);
      const length = Math.max(pyLen(pyUpper(answer)), predLen);
      const nl = length === 0 ? 0 : dist / length;
      if (nl < minNl) minNl = nl;
    }
    const raw = 1 - minNl;
    return {
      score: raw < ANLS_THRESHOLD ? 0 : raw,
      parsed: det,
      parseOk,
      rule: !parseOk ? "empty" : raw < ANLS_THRESHOLD ? "below_threshold" : "anls",
    };
  },
  aggregate(samples: ScoredSample<AnswersRef>[]) {
    let sum = 0;
    for (const s of samples) sum += s.result.score;
    return {
      anls: samples.length === 0 ? 0 : sum / samples.length,
      parse_failure_rate: parseFailureRate(samples),
    };
  },
  checkReference(ref) {
    return isRecord(ref)
      ? checkStringArrayField(ref, "answers", true)
      : ["reference must be an object with an `answers` array"];
  },
};
