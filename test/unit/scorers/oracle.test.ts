/**
 * Every scorer against the reference Python, case by case: fixtures/oracle-*.json hold generated predictions
 * scored by lmms-eval's own functions (fixtures/make_oracle.py; regenerate with a local lmms-eval git dir).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { anls } from "../../../scorers/anls.js";
import { evalAiNormalize } from "../../../scorers/evalai.js";
import { exactMatch } from "../../../scorers/exact_match.js";
import type { AnyScorer } from "../../../scorers/index.js";
import { mmmu } from "../../../scorers/mmmu.js";
import { pope } from "../../../scorers/pope.js";
import { pyStrip } from "../../../scorers/python.js";
import { seed } from "../../../scorers/seed.js";
import { vqaAccuracy } from "../../../scorers/vqa_accuracy.js";
import type { Json, ScoredSample } from "../../../src/core/types.js";

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`fixtures/oracle-${name}.json`, import.meta.url), "utf8")) as T;
}

interface Case {
  id?: string;
  prediction: string;
  reference: Json;
  score: number | null;
  parsed?: Json;
  normalized?: string;
}

function scoreAll(scorer: AnyScorer, cases: Case[]): ScoredSample[] {
  return cases.map((c, i) => {
    const id = c.id ?? String(i);
    return { id, reference: c.reference, result: scorer.scoreSample(c.prediction, c.reference, id) };
  });
}

function mismatches(scorer: AnyScorer, cases: Case[]): unknown[] {
  const bad: unknown[] = [];
  cases.forEach((c, i) => {
    if (c.score === null) return;
    const got = scorer.scoreSample(c.prediction, c.reference, c.id ?? String(i));
    if (Math.abs(got.score - c.score) > 1e-12) bad.push({ i, c, got });
  });
  return bad;
}

describe("scorers agree with the reference Python on generated cases", () => {
  it("exact_match (GQA)", () => {
    const cases = fixture<Case[]>("exact_match");
    expect(cases.length).toBeGreaterThan(500);
    expect(mismatches(exactMatch as unknown as AnyScorer, cases)).toEqual([]);
  });

  it("vqa_accuracy (TextVQA), including the normalised prediction", () => {
    const cases = fixture<Case[]>("vqa_accuracy");
    expect(mismatches(vqaAccuracy as unknown as AnyScorer, cases)).toEqual([]);
    const badNorm = cases.filter((c) => evalAiNormalize(pyStrip(c.prediction)) !== c.normalized);
    expect(badNorm).toEqual([]);
  });

  it("anls (DocVQA)", () => {
    expect(mismatches(anls as unknown as AnyScorer, fixture<Case[]>("anls"))).toEqual([]);
  });

  it("pope, samples and aggregates", () => {
    const { samples, aggregate } = fixture<{ samples: Case[]; aggregate: Record<string, number> }>("pope");
    const scorer = pope as unknown as AnyScorer;
    expect(mismatches(scorer, samples)).toEqual([]);
    const got = scorer.aggregate(scoreAll(scorer, samples));
    for (const [k, v] of Object.entries(aggregate)) expect(got[k], k).toBeCloseTo(v, 12);
  });

  it("seed, parse, samples and aggregates", () => {
    const { samples, aggregate } = fixture<{ samples: Case[]; aggregate: Record<string, number> }>("seed");
    const scorer = seed as unknown as AnyScorer;
    expect(mismatches(scorer, samples)).toEqual([]);
    const badParse = samples.filter(
      (c, i) => scorer.scoreSample(c.prediction, c.reference, String(i)).parsed !== c.parsed,
    );
    expect(badParse).toEqual([]);
    const got = scorer.aggregate(scoreAll(scorer, samples));
    for (const [k, v] of Object.entries(aggregate)) expect(got[k], k).toBeCloseTo(v, 12);
  });

  it("mmmu, parse, samples and aggregates (random fallbacks recorded, not compared)", () => {
    const { samples, aggregate, aggregate_ids } = fixture<{
      samples: Case[];
      aggregate: Record<string, number>;
      aggregate_ids: string[];
    }>("mmmu");
    const scorer = mmmu as unknown as AnyScorer;
    const bad: unknown[] = [];
    for (const c of samples) {
      const got = scorer.scoreSample(c.prediction, c.reference, c.id!);
      if (c.parsed === "<random>") {
        if (got.rule !== "random_fallback") bad.push({ c, got });
        continue;
      }
      const ref = c.reference as { questionType: string };
      const parsed =
        ref.questionType === "open"
          ? (got.parsed as Json[])
              .map((x) =>
                typeof x === "number"
                  ? ["f", pyRepr(x)]
                  : String(x).startsWith("float(")
                    ? ["f", String(x).slice(7, -2)]
                    : ["s", x],
              )
              .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
          : got.parsed;
      if (got.score !== c.score || JSON.stringify(parsed) !== JSON.stringify(c.parsed))
        bad.push({ c, got, parsed });
    }
    expect(bad).toEqual([]);
    const keep = new Set(aggregate_ids);
    const scored = scoreAll(
      scorer,
      samples.filter((c) => keep.has(c.id!)),
    );
    const got = scorer.aggregate(scored);
    for (const [k, v] of Object.entries(aggregate)) expect(got[k], k).toBe(v);
  });
});

/** Python float repr for the values in the fixtures (shortest round-trip, always with a point or exponent). */
function pyRepr(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return Object.is(x, -0) ? "-0.0" : `${x}.0`;
  const s = String(x);
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}
