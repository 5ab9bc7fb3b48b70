/** Golden cases for every scorer (tables in golden-cases.ts, each checked against the reference Python). */
import { describe, expect, it } from "vitest";
import { SCORERS } from "../../../scorers/index.js";
import type { Json, ScoredSample } from "../../../src/core/types.js";
import { TASKS } from "../../../tasks/index.js";
import * as G from "./golden-cases.js";
import { GOLDEN_INPUTS } from "./golden-inputs.js";

function sampleCases(scorerName: string, cases: G.Golden<Json>[]): void {
  const scorer = SCORERS[scorerName]!;
  it.each(cases.map((c) => [c.why, c] as const))("%s", (_why, c) => {
    const got = scorer.scoreSample(c.prediction, c.reference, "id-1");
    expect(got.score).toBe(c.score);
    if (c.parsed !== undefined) expect(got.parsed).toBe(c.parsed);
  });
}

describe("exact_match", () => {
  it("has at least 30 golden cases", () => expect(G.EXACT_MATCH.length).toBeGreaterThanOrEqual(30));
  sampleCases("exact_match", G.EXACT_MATCH);
});

describe("vqa_accuracy", () => {
  it("has at least 30 golden cases", () => expect(G.VQA.length).toBeGreaterThanOrEqual(30));
  sampleCases("vqa_accuracy", G.VQA);
  it("flags an empty normalised prediction and an empty answer list", () => {
    const s = SCORERS.vqa_accuracy!;
    expect(s.scoreSample("the", { answers: ["x"] }, "a")).toMatchObject({ parseOk: false, parsed: "" });
    expect(s.scoreSample("x", { answers: [] }, "a").rule).toBe("no_answers");
    expect(s.checkReference!({ answers: [] })).toEqual(["reference.answers must not be empty"]);
  });
});

describe("anls", () => {
  it("has at least 30 golden cases", () => expect(G.ANLS.length).toBeGreaterThanOrEqual(30));
  sampleCases("anls", G.ANLS);
  it("averages per-question scores", () => {
    const s = SCORERS.anls!;
    const samples = [
      ["abc", ["abc"]],
      ["ab", ["abcd"]],
      ["a", ["abc"]],
    ].map(([p, a], i) => {
      const reference = { answers: a as string[] };
      return { id: String(i), reference, result: s.scoreSample(p as string, reference, String(i)) };
    });
    expect(s.aggregate(samples)).toEqual({ anls: 0.5, parse_failure_rate: 0 });
  });
});

describe("pope", () => {
  it("has at least 30 golden cases", () => expect(G.POPE.length).toBeGreaterThanOrEqual(30));
  sampleCases("pope", G.POPE);
  it('"Yes." and "Yes, there is" are neither yes nor no', () => {
    for (const p of ["Yes.", "Yes, there is"]) {
      expect(SCORERS.pope!.scoreSample(p, { answer: "yes", category: "random" }, "x")).toEqual({
        score: 0,
        parsed: p.toLowerCase(),
        parseOk: false,
        rule: "neither",
      });
    }
  });
  it("aggregates a hand-built set exactly, overall and per category", () => {
    const s = SCORERS.pope!;
    const samples: ScoredSample[] = G.POPE_SET.map((x, i) => {
      const reference = { answer: x.answer, category: x.category };
      return { id: String(i), reference, result: s.scoreSample(x.prediction, reference, String(i)) };
    });
    const got = s.aggregate(samples);
    for (const [k, v] of Object.entries(G.POPE_SET_EXPECTED)) expect(got[k], k).toBe(v);
    expect(got["parse_failure_rate/popular"]).toBe(0.5);
  });
  it("rejects a ground truth that is not yes/no", () => {
    expect(SCORERS.pope!.checkReference!({ answer: "maybe", category: "random" })).toHaveLength(1);
  });
});

describe("seed", () => {
  it("has at least 30 golden cases", () => expect(G.SEED.length).toBeGreaterThanOrEqual(30));
  sampleCases("seed", G.SEED);
  it("aggregates by data type and question type", () => {
    const s = SCORERS.seed!;
    const rows: [string, string, number, string][] = [
      ["A", "A", 1, "image"],
      ["B", "A", 1, "image"],
      ["C", "C", 9, "image"],
      ["(D)", "D", 9, "image"],
      ["D", "D", 42, "image"],
      ["A", "A", 10, "video"],
    ];
    const samples: ScoredSample[] = rows.map(([p, a, t, d], i) => {
      const reference = { answer: a, questionTypeId: t, dataType: d };
      return { id: String(i), reference, result: s.scoreSample(p, reference, String(i)) };
    });
    expect(s.aggregate(samples)).toEqual({
      seed_image: 0.6,
      seed_video: 1,
      seed_all: 4 / 6,
      parse_failure_rate: 1 / 6,
      "seed_image/Scene Understanding": 0.5,
      "seed_image/Text Understanding": 0.5,
      "seed_image/42": 1,
    });
  });
});

describe("mmmu", () => {
  const scorer = SCORERS.mmmu!;
  it("has at least 30 multiple-choice and 30 open golden cases", () => {
    expect(G.MMMU_MC.length).toBeGreaterThanOrEqual(30);
    expect(G.MMMU_OPEN.length).toBeGreaterThanOrEqual(30);
  });
  it.each(G.MMMU_MC.map((c) => [c.why, c] as const))("MC: %s", (_why, c) => {
    const ref = { answer: "A", questionType: "multiple-choice", options: c.options, subject: "Art" };
    const got = scorer.scoreSample(c.prediction, ref, "validation_Art_1");
    expect(got.rule).toBe(c.rule);
    if (c.rule !== "random_fallback") {
      expect(got.parsed).toBe(c.letter);
      expect(got.parseOk).toBe(true);
      expect(got.score).toBe(c.letter === "A" ? 1 : 0);
    } else {
      expect(got.parseOk).toBe(false);
      expect(["A", "B", "C", "D"].slice(0, c.options.length)).toContain(got.parsed);
    }
  });
  it("random fallback is reproducible per id and independent of order", () => {
    const ref = {
      answer: "A",
      questionType: "multiple-choice",
      options: ["w", "x", "y", "z"],
      subject: "Art",
    };
    const picks = Array.from(
      { length: 40 },
      (_, i) => scorer.scoreSample("???", ref, `validation_Art_${i}`).parsed,
    );
    const again = Array.from({ length: 40 }, (_, i) => 39 - i)
      .map((i) => scorer.scoreSample("???", ref, `validation_Art_${i}`).parsed)
      .reverse();
    expect(again).toEqual(picks);
    expect(new Set(picks).size).toBeGreaterThan(1); // not a constant pick
  });
  it.each(G.MMMU_OPEN.map((c) => [c.why, c] as const))("open: %s", (_why, c) => {
    const ref = { answer: c.answer, questionType: "open", options: [], subject: "Math" };
    expect(scorer.scoreSample(c.prediction, ref, "validation_Math_1").score).toBe(c.score);
  });
  it("open parse keeps '1,000' and its '000'", () => {
    const ref = { answer: "1000", questionType: "open", options: [], subject: "Math" };
    expect(scorer.scoreSample("answer is 1,000", ref, "x").parsed).toEqual([1000, 0]);
  });
  it.each(G.MMMU_AGG.map((c) => [c.why, c] as const))("aggregate: %s", (_why, c) => {
    const samples: ScoredSample[] = c.samples.map(([subject, ok], i) => {
      const reference = { answer: "A", questionType: "multiple-choice", options: ["x", "y"], subject };
      return { id: String(i), reference, result: scorer.scoreSample(ok ? "A" : "B", reference, String(i)) };
    });
    const got = scorer.aggregate(samples);
    expect({ ...got, parse_failure_rate: undefined, random_fallbacks: undefined }).toEqual({
      ...c.expected,
      parse_failure_rate: undefined,
      random_fallbacks: undefined,
    });
    expect(got.parse_failure_rate).toBe(0);
  });
});

describe("registry", () => {
  it("every scorer reports parse_failure_rate and its primary metric", () => {
    for (const [key, scorer] of Object.entries(SCORERS)) {
      expect(scorer.name).toBe(key);
      expect(scorer.aggregate([]), key).toHaveProperty("parse_failure_rate");
      const inputs = GOLDEN_INPUTS[key];
      expect(inputs, `golden inputs for scorer '${key}' in GOLDEN_INPUTS`).toBeDefined();
      const samples: ScoredSample[] = inputs!.map((c, i) => ({
        id: `validation_Math_${i}`,
        reference: c.reference,
        result: scorer.scoreSample(c.prediction, c.reference, `validation_Math_${i}`),
      }));
      const agg = scorer.aggregate(samples);
      const primary = agg[scorer.primary];
      expect(primary, `${key}: aggregate() has no '${scorer.primary}'`).toBeTypeOf("number");
      expect(primary! >= 0 && primary! <= 1, `${key}: ${scorer.primary} = ${primary}`).toBe(true);
      expect(agg.parse_failure_rate! >= 0 && agg.parse_failure_rate! <= 1, key).toBe(true);
      // A metric declared a closed-form mean must be the plain mean of the scores it covers.
      for (const [metric, spec] of Object.entries(scorer.metrics)) {
        if (spec.ci.method !== "mean" || agg[metric] === undefined) continue;
        const over = spec.ci.over;
        const covered = samples.filter((x) => over === undefined || over(x.reference));
        const mean = covered.reduce((sum, x) => sum + x.result.score, 0) / covered.length;
        // Five decimals: MMMU rounds its aggregates as the reference does.
        expect(agg[metric], `${key}: ${metric} is declared a mean of score`).toBeCloseTo(mean, 5);
      }
    }
  });
  it("every task's scorer is the registered scorer of that name (its primary is the task's headline)", () => {
    for (const [name, task] of Object.entries(TASKS)) {
      expect(SCORERS[task.scorer.name], `task ${name}: scorer '${task.scorer.name}' in SCORERS`).toBe(
        task.scorer,
      );
    }
  });
});
