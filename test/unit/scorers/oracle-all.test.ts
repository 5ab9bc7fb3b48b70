/**
 * Every registered scorer against the reference Python, per sample, with no code of its own: the scorer's
 * `fixtures/oracle-<key>.json` (a list of cases, or `{ samples: [...] }` with aggregates that the scorer's own
 * oracle test checks) holds generated predictions scored by the reference code (make_oracle*.py). So a new
 * metric is checked case by case as soon as its oracle file exists (completeness.test.ts requires it).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCORERS } from "../../../scorers/index.js";
import type { Json } from "../../../src/core/types.js";

/** One reference-scored case. */
interface OracleCase {
  id?: string;
  prediction: string;
  reference: Json;
  score: number | null;
  parsed?: Json;
}

function cases(key: string): OracleCase[] {
  const data = JSON.parse(readFileSync(new URL(`fixtures/oracle-${key}.json`, import.meta.url), "utf8")) as
    | OracleCase[]
    | { samples: OracleCase[] };
  return Array.isArray(data) ? data : data.samples;
}

describe("every scorer scores each oracle case as the reference Python did", () => {
  for (const [key, scorer] of Object.entries(SCORERS)) {
    it(key, () => {
      const all = cases(key);
      expect(all.length, `fixtures/oracle-${key}.json has too few cases`).toBeGreaterThanOrEqual(100);
      const bad: unknown[] = [];
      let compared = 0;
      all.forEach((c, i) => {
        // A null score is a case the reference could not score; "<random>" is MMMU's seeded random pick,
        // whose value depends on each side's RNG (its own oracle test checks the rule that fired).
        if (c.score === null || c.parsed === "<random>") return;
        compared++;
        const got = scorer.scoreSample(c.prediction, c.reference, c.id ?? String(i));
        if (Math.abs(got.score - c.score) > 1e-12) bad.push({ i, case: c, got: got.score });
      });
      expect(bad.slice(0, 5)).toEqual([]);
      expect(compared).toBeGreaterThan(all.length / 2);
    });
  }
});
