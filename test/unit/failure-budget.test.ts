/** The failure budget rule (src/runner/failure-budget.ts): when a run is judged broken. */
import { describe, expect, it } from "vitest";
import {
  BUDGET_Z,
  MIN_FAILURES_TO_STOP,
  mostCommonError,
  overBudget,
  wilsonLower,
} from "../../src/runner/failure-budget.js";
import { mulberry32 } from "../../src/stats/rng.js";

describe("failure budget", () => {
  it("the Wilson lower bound: 0 with no failures, n/(n+z²) when all fail, below the observed rate", () => {
    expect(wilsonLower(0, 50)).toBe(0);
    for (const n of [1, 3, 10, 200]) expect(wilsonLower(n, n)).toBeCloseTo(n / (n + BUDGET_Z ** 2), 12);
    for (const [f, n] of [
      [1, 10],
      [5, 100],
      [40, 1000],
    ] as const) {
      expect(wilsonLower(f, n)).toBeGreaterThan(0);
      expect(wilsonLower(f, n)).toBeLessThan(f / n);
    }
    // More evidence at the same rate tightens the bound.
    expect(wilsonLower(50, 1000)).toBeGreaterThan(wilsonLower(5, 100));
  });

  it("a single failure never stops a run mid-way, wherever it falls in a 5,000-sample run", () => {
    for (const rate of [0, 0.01, 0.05])
      for (let attempted = 1; attempted <= 5000; attempted++)
        expect(overBudget(1, attempted, rate, false)).toBe(false);
  });

  it("a model that fails every sample is stopped after MIN_FAILURES_TO_STOP samples", () => {
    expect(overBudget(MIN_FAILURES_TO_STOP - 1, MIN_FAILURES_TO_STOP - 1, 0.01, false)).toBe(false);
    expect(overBudget(MIN_FAILURES_TO_STOP, MIN_FAILURES_TO_STOP, 0.01, false)).toBe(true);
    // At the end the bound alone judges: one sample, failed, is a failed run.
    expect(overBudget(1, 1, 0.01, true)).toBe(true);
    expect(overBudget(1, 100, 0.01, true)).toBe(false);
    expect(overBudget(40, 40, 1, true)).toBe(false);
  });

  it("stops runs failing well above the budget and rarely stops runs below it (seeded simulation)", () => {
    const simulate = (trueRate: number, maxRate: number, n: number, seed: number): number | null => {
      const rand = mulberry32(seed);
      let failed = 0;
      for (let i = 1; i <= n; i++) {
        if (rand() < trueRate) failed++;
        if (overBudget(failed, i, maxRate, i === n)) return i;
      }
      return null;
    };
    let falseStops = 0;
    let stoppedAt = 0;
    for (let seed = 1; seed <= 200; seed++) {
      if (simulate(0.005, 0.01, 2000, seed) !== null) falseStops++;
      const at = simulate(0.2, 0.01, 2000, seed);
      expect(at).not.toBeNull();
      stoppedAt = Math.max(stoppedAt, at!);
    }
    expect(falseStops).toBeLessThanOrEqual(4);
    expect(stoppedAt).toBeLessThan(100);
  });

  it("names the most common kind of error (numbers aside), first seen on ties", () => {
    expect(mostCommonError([])).toBeNull();
    expect(mostCommonError(["a", "b", "b", "c", "a", "b"])).toEqual({ text: "b", count: 3 });
    expect(mostCommonError(["x", "y"])).toEqual({ text: "x", count: 1 });
    const errors = [
      "image of q1 is corrupt",
      "timeout after 30 s",
      "image of q17 is corrupt",
      "image of q2 is corrupt",
    ];
    expect(mostCommonError(errors)).toEqual({ text: "image of q1 is corrupt", count: 3 });
  });
});
