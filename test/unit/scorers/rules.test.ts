/**
 * Scorer behaviour beyond the golden tables (scorers/<key>.golden.ts): reference checks, the rule names of
 * fallbacks, and MMMU's seeded random pick.
 */
import { describe, expect, it } from "vitest";
import { SCORERS } from "../../../scorers/index.js";

describe("vqa_accuracy", () => {
  it("flags an empty normalised prediction and an empty answer list", () => {
    const s = SCORERS.vqa_accuracy!;
    expect(s.scoreSample("the", { answers: ["x"] }, "a")).toMatchObject({ parseOk: false, parsed: "" });
    expect(s.scoreSample("x", { answers: [] }, "a").rule).toBe("no_answers");
    expect(s.checkReference!({ answers: [] })).toEqual(["reference.answers must not be empty"]);
  });
});

describe("pope", () => {
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
  it("rejects a ground truth that is not yes/no", () => {
    expect(SCORERS.pope!.checkReference!({ answer: "maybe", category: "random" })).toHaveLength(1);
  });
});

describe("mmmu", () => {
  const scorer = SCORERS.mmmu!;
  it("a random fallback picks one of the options' letters", () => {
    for (const options of [
      ["w", "x"],
      ["w", "x", "y", "z"],
    ]) {
      const ref = { answer: "A", questionType: "multiple-choice", options, subject: "Art" };
      const got = scorer.scoreSample("???", ref, "validation_Art_1");
      expect(got.rule).toBe("random_fallback");
      expect(["A", "B", "C", "D"].slice(0, options.length)).toContain(got.parsed);
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
  it("open parse keeps '1,000' and its '000'", () => {
    const ref = { answer: "1000", questionType: "open", options: [], subject: "Math" };
    expect(scorer.scoreSample("answer is 1,000", ref, "x").parsed).toEqual([1000, 0]);
  });
});

describe("ocrbench", () => {
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
