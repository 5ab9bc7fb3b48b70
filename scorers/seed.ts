/**
 * SEED-Bench (lmms-eval `seedbench/utils.py`): the stripped prediction is cut to its first character when
 * longer than one ("B." → "B", but "The answer is B" → "T" and "(B)" → "("); correct iff
 * `pred.lower().strip() == answer.lower().strip()`. Aggregates: `seed_<data_type>` (accuracy over that
 * data type: `seed_image`, `seed_video`), `seed_all`, and per question type of image samples
 * `seed_image/<SEED-Bench v1 dimension name>` (not in lmms-eval; an unknown id is reported by number).
 */
import type { Json, ScoredSample, Scorer } from "../src/core/types.js";
import {
  checkStringField,
  isRecord,
  meanMetric,
  PARSE_FAILURE_RATE,
  parseFailureRate,
  slashBreakdown,
} from "./common.js";
import { codePoints, pyLower, pyStrip } from "./python.js";

/** SEED-Bench reference. */
export interface SeedRef {
  [key: string]: Json;
  /** Correct letter A–D. */
  answer: string;
  /** `question_type_id` from the row. */
  questionTypeId: number;
  /** "image" or "video". */
  dataType: string;
}

/** SEED-Bench v1 evaluation dimensions by `question_type_id` (SEED-Bench.json `question_type`). */
export const SEED_QUESTION_TYPES: Readonly<Record<number, string>> = {
  1: "Scene Understanding",
  2: "Instance Identity",
  3: "Instance Attributes",
  4: "Instance Location",
  5: "Instances Counting",
  6: "Spatial Relation",
  7: "Instance Interaction",
  8: "Visual Reasoning",
  9: "Text Understanding",
  10: "Action Recognition",
  11: "Action Prediction",
  12: "Procedure Understanding",
};

/** The label of a question type id (the number itself when unknown). */
export function seedQuestionTypeName(id: number): string {
  return SEED_QUESTION_TYPES[id] ?? String(id);
}

/** The parse: strip, then keep the first character (code point) if longer than one. */
export function seedParse(prediction: string): string {
  const pred = pyStrip(prediction);
  const chars = codePoints(pred);
  return chars.length > 1 ? chars[0]! : pred;
}

function accuracy(samples: readonly ScoredSample<SeedRef>[]): number {
  let correct = 0;
  for (const s of samples) correct += s.result.score;
  return correct / samples.length;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The SEED-Bench scorer. */
export const seed: Scorer<SeedRef> = {
  name: "seed",
  version: 1,
  primary: "seed_image",
  metrics: {
    seed_image: meanMetric("accuracy on the image questions", (r) => r.dataType === "image"),
    seed_video: meanMetric("accuracy on the video questions", (r) => r.dataType === "video"),
    seed_all: meanMetric("accuracy on every question"),
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  breakdowns: [slashBreakdown("seed_image", "SEED-Bench question type")],
  scoreSample(prediction, reference) {
    const pred = seedParse(pyStrip(prediction));
    const letter = pyStrip(pyLower(pred));
    const parseOk = ["a", "b", "c", "d"].includes(letter);
    const rule =
      pred === "" ? "empty" : codePoints(pyStrip(prediction)).length > 1 ? "first_char" : "single_char";
    return {
      score: letter === pyStrip(pyLower(reference.answer)) ? 1 : 0,
      parsed: pred,
      parseOk,
      rule,
    };
  },
  aggregate(samples: ScoredSample<SeedRef>[]) {
    const out: Record<string, number> = {};
    // A data type's metric exists only when that type has samples (as in the reference).
    for (const [type, group] of groupBy(samples, (s) => s.reference.dataType))
      out[`seed_${type}`] = accuracy(group);
    if (samples.length > 0) out.seed_all = accuracy(samples);
    out.parse_failure_rate = parseFailureRate(samples);
    const images = samples.filter((s) => s.reference.dataType === "image");
    const byType = groupBy(images, (s) => seedQuestionTypeName(s.reference.questionTypeId));
    for (const [name, group] of byType) out[`seed_image/${name}`] = accuracy(group);
    return out;
  },
  checkReference(ref) {
    if (!isRecord(ref)) return ["reference must be an object with answer, questionTypeId and dataType"];
    const problems = [...checkStringField(ref, "answer"), ...checkStringField(ref, "dataType")];
    if (typeof ref.questionTypeId !== "number" || !Number.isInteger(ref.questionTypeId)) {
      problems.push("reference.questionTypeId must be an integer");
    }
    return problems;
  },
};
