/**
 * Every scorer of SCORERS against its golden cases (scorers/<key>.golden.ts, each confirmed by the reference
 * Python through check_golden*.py): per-sample results, set-level aggregates, and what the registry relies on
 * (parse_failure_rate reported, the primary metric in [0, 1], declared means that are means).
 */
import { describe, expect, it } from "vitest";
import type { GoldenAggregate } from "../../../scorers/golden.js";
import { type AnyScorer, SCORERS } from "../../../scorers/index.js";
import type { Json, ScoredSample } from "../../../src/core/types.js";
import { loadGolden } from "../../helpers/golden.js";

// Loaded at collection time: `it.each` needs the tables before any hook runs.
const TABLES = new Map(
  await Promise.all(Object.keys(SCORERS).map(async (key) => [key, await loadGolden(key)] as const)),
);

function scoreSet(scorer: AnyScorer, samples: GoldenAggregate<Json>["samples"]): ScoredSample[] {
  return samples.map((s, i) => {
    const id = s.id ?? String(i);
    return { id, reference: s.reference, result: scorer.scoreSample(s.prediction, s.reference, id) };
  });
}

for (const [key, scorer] of Object.entries(SCORERS)) {
  const golden = TABLES.get(key)!;
  describe(key, () => {
    it.each(golden.cases.map((c) => [c.why, c] as const))("%s", (_why, c) => {
      const got = scorer.scoreSample(c.prediction, c.reference, c.id ?? "id-1");
      if (c.score !== undefined) expect(got.score).toBe(c.score);
      if (c.parsed !== undefined) expect(got.parsed).toEqual(c.parsed);
      if (c.parseOk !== undefined) expect(got.parseOk).toBe(c.parseOk);
      if (c.rule !== undefined) expect(got.rule).toBe(c.rule);
    });
    it.each((golden.aggregates ?? []).map((a) => [a.why, a] as const))("aggregate: %s", (_why, a) => {
      const got = scorer.aggregate(scoreSet(scorer, a.samples));
      for (const [metric, want] of Object.entries(a.expected)) expect(got[metric], metric).toBe(want);
      if (a.complete) {
        const names = [...Object.keys(a.expected), ...(a.alsoReported ?? [])].sort();
        expect(Object.keys(got).sort()).toEqual(names);
      }
    });
    it("reports parse_failure_rate and its primary metric in [0, 1]; declared means are means", () => {
      const samples = scoreSet(scorer, golden.cases);
      expect(scorer.aggregate([])).toHaveProperty("parse_failure_rate");
      const agg = scorer.aggregate(samples);
      const primary = agg[scorer.primary];
      expect(primary, `aggregate() has no '${scorer.primary}'`).toBeTypeOf("number");
      expect(primary! >= 0 && primary! <= 1, `${scorer.primary} = ${primary}`).toBe(true);
      expect(agg.parse_failure_rate! >= 0 && agg.parse_failure_rate! <= 1).toBe(true);
      for (const [metric, spec] of Object.entries(scorer.metrics)) {
        if (spec.ci.method !== "mean" || agg[metric] === undefined) continue;
        const over = spec.ci.over;
        const covered = samples.filter((x) => over === undefined || over(x.reference));
        const mean = covered.reduce((sum, x) => sum + x.result.score, 0) / covered.length;
        // Five decimals: MMMU rounds its aggregates as the reference does.
        expect(agg[metric], `${metric} is declared a mean of score`).toBeCloseTo(mean, 5);
      }
    });
  });
}
