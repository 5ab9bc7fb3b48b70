/** Golden cases of the model-card scorers (tables in golden-card.ts, each checked against the reference Python). */
import { describe, expect, it } from "vitest";
import { SCORERS } from "../../../scorers/index.js";
import type { Json, ScoredSample } from "../../../src/core/types.js";
import * as G from "./golden-card.js";
import type { Golden } from "./golden-cases.js";

function table(scorerName: string, cases: Golden<Json>[]): void {
  const scorer = SCORERS[scorerName]!;
  it("has at least 30 golden cases", () => expect(cases.length).toBeGreaterThanOrEqual(30));
  it.each(cases.map((c) => [c.why, c] as const))("%s", (_why, c) => {
    const got = scorer.scoreSample(c.prediction, c.reference, "id-1");
    expect(got.score).toBe(c.score);
    if (c.parsed !== undefined) expect(got.parsed).toBe(c.parsed);
  });
}

function scored(scorerName: string, rows: [string, Json][]): ScoredSample[] {
  const s = SCORERS[scorerName]!;
  return rows.map(([p, reference], i) => ({
    id: String(i),
    reference,
    result: s.scoreSample(p, reference, String(i)),
  }));
}

describe("relaxed_correctness (ChartQA)", () => {
  table("relaxed_correctness", G.RELAXED);
  it("split metrics average their own split only, and exist only when the split has samples", () => {
    const s = SCORERS.relaxed_correctness!;
    const rows: [string, Json][] = [
      ["12", { answer: "12", type: "human_test" }],
      ["13", { answer: "12", type: "human_test" }],
      ["no", { answer: "No", type: "augmented_test" }],
    ];
    expect(s.aggregate(scored("relaxed_correctness", rows))).toEqual({
      relaxed_overall: 2 / 3,
      relaxed_human_split: 0.5,
      relaxed_augmented_split: 1,
      parse_failure_rate: 0,
    });
    expect(Object.keys(s.aggregate(scored("relaxed_correctness", rows.slice(0, 2))))).not.toContain(
      "relaxed_augmented_split",
    );
  });
});

describe("ocrbench", () => {
  table("ocrbench", G.OCRBENCH);
  it("aggregates correct / N, the count, and per category", () => {
    const s = SCORERS.ocrbench!;
    const ref = (questionType: string) => ({ answers: ["x"], dataset: "IIIT5K", questionType });
    const got = s.aggregate(
      scored("ocrbench", [
        ["x", ref("Doc-oriented VQA")],
        ["y", ref("Doc-oriented VQA")],
        ["x", ref("Regular Text Recognition")],
        ["", ref("Regular Text Recognition")],
      ]),
    );
    expect(got).toEqual({
      ocrbench_accuracy: 0.5,
      ocrbench_score: 2,
      parse_failure_rate: 0.25,
      "ocrbench_accuracy/Doc-oriented VQA": 0.5,
      "ocrbench_accuracy/Regular Text Recognition": 0.5,
    });
  });
  it("rejects a category outside the ten with a message naming them", () => {
    const problems = SCORERS.ocrbench!.checkReference!({
      answers: ["x"],
      dataset: "d",
      questionType: "Math",
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/"Math" is not one of OCRBench's ten categories .*Doc-oriented VQA/);
  });
});

describe("ai2d", () => table("ai2d", G.AI2D));
describe("scienceqa", () => table("scienceqa", G.SCIENCEQA));
describe("realworldqa", () => table("realworldqa", G.REALWORLDQA));

describe("vqav2", () => {
  table("vqav2", G.VQAV2);
  it("aggregates overall and per answer type", () => {
    const v = (a: string, answerType: string) => ({
      answers: Array.from({ length: 10 }, (_, i) => ({
        answer: a,
        answer_confidence: "yes",
        answer_id: i + 1,
      })),
      answerType,
    });
    const got = SCORERS.vqav2!.aggregate(
      scored("vqav2", [
        ["yes", v("yes", "yes/no")],
        ["no", v("yes", "yes/no")],
        ["2", v("2", "number")],
      ]),
    );
    expect(got).toEqual({
      vqa_accuracy: 2 / 3,
      parse_failure_rate: 0,
      "vqa_accuracy/yes/no": 0.5,
      "vqa_accuracy/number": 1,
    });
  });
});
