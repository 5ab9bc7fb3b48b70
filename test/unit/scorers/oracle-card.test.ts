/**
 * The model-card scorers against the reference Python, case by case: fixtures/oracle-<scorer>.json hold
 * generated predictions scored by lmms-eval's own functions at 75571cfe (fixtures/make_oracle_card.py).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ai2dFilter } from "../../../scorers/ai2d.js";
import { type AnyScorer, SCORERS } from "../../../scorers/index.js";
import { pyStrip } from "../../../scorers/python.js";
import { extractMcqAnswer } from "../../../scorers/realworldqa.js";
import type { Json, ScoredSample } from "../../../src/core/types.js";

interface Case {
  prediction: string;
  reference: Json;
  score: number | null;
  parsed?: string;
}

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`fixtures/oracle-${name}.json`, import.meta.url), "utf8")) as T;
}

function scoreAll(scorer: AnyScorer, cases: Case[]): ScoredSample[] {
  return cases.map((c, i) => ({
    id: String(i),
    reference: c.reference,
    result: scorer.scoreSample(c.prediction, c.reference, String(i)),
  }));
}

function mismatches(scorer: AnyScorer, cases: Case[]): unknown[] {
  const bad: unknown[] = [];
  cases.forEach((c, i) => {
    if (c.score === null) return;
    const got = scorer.scoreSample(c.prediction, c.reference, String(i));
    if (got.score !== c.score) bad.push({ i, c, got });
  });
  return bad;
}

describe("model-card scorers agree with the reference Python on generated cases", () => {
  it("relaxed_correctness (ChartQA): samples and split aggregates", () => {
    const { samples, aggregate } = fixture<{ samples: Case[]; aggregate: Record<string, number> }>(
      "relaxed_correctness",
    );
    const scorer = SCORERS.relaxed_correctness!;
    expect(samples.length).toBeGreaterThan(500);
    expect(mismatches(scorer, samples)).toEqual([]);
    const got = scorer.aggregate(scoreAll(scorer, samples));
    for (const [k, v] of Object.entries(aggregate)) expect(got[k], k).toBe(v);
  });

  it("anls over InfoVQA-shaped answers", () => {
    const cases = fixture<Case[]>("infovqa_anls");
    const bad = cases.filter(
      (c, i) =>
        Math.abs(SCORERS.anls!.scoreSample(c.prediction, c.reference, String(i)).score - c.score!) > 1e-12,
    );
    expect(bad).toEqual([]);
  });

  it("ocrbench: samples, per-category accuracy and the reference's Final_score", () => {
    const f = fixture<{
      samples: Case[];
      final_score_over_1000: number;
      ocrbench_score: number;
      aggregate: Record<string, number>;
    }>("ocrbench");
    const scorer = SCORERS.ocrbench!;
    expect(mismatches(scorer, f.samples)).toEqual([]);
    const got = scorer.aggregate(scoreAll(scorer, f.samples));
    expect(got.ocrbench_score).toBe(f.ocrbench_score);
    expect(got.ocrbench_score! / 1000).toBe(f.final_score_over_1000);
    expect(got.ocrbench_accuracy).toBe(f.ocrbench_score / f.samples.length);
    for (const [k, v] of Object.entries(f.aggregate)) expect(got[k], k).toBe(v);
  });

  it("ai2d: the MultiChoiceRegexFilter output and the exact_match score", () => {
    const cases = fixture<Case[]>("ai2d");
    expect(mismatches(SCORERS.ai2d!, cases)).toEqual([]);
    expect(cases.filter((c) => ai2dFilter(c.prediction) !== c.parsed)).toEqual([]);
  });

  it("scienceqa (ScienceQA-IMG)", () => {
    expect(mismatches(SCORERS.scienceqa!, fixture<Case[]>("scienceqa"))).toEqual([]);
  });

  it("realworldqa: extract_mcq_answer's letter and the score", () => {
    const cases = fixture<Case[]>("realworldqa");
    expect(mismatches(SCORERS.realworldqa!, cases)).toEqual([]);
    const bad = cases.filter(
      (c) => extractMcqAnswer(pyStrip(c.prediction), ["A", "B", "C", "D"]).letter !== c.parsed,
    );
    expect(bad).toEqual([]);
  });

  it("vqav2: dict answers, leave-one-out by dict inequality", () => {
    const cases = fixture<Case[]>("vqav2");
    expect(cases.some((c) => c.score === null)).toBe(true); // the reference crashes on no answers
    expect(mismatches(SCORERS.vqav2!, cases)).toEqual([]);
  });
});
