/** rng, bootstrap and confidence intervals. */
import { describe, expect, it } from "vitest";
import { SCORERS } from "../../scorers/index.js";
import type { ScoredSample } from "../../src/core/types.js";
import { bootstrap, quantileSorted } from "../../src/stats/bootstrap.js";
import { confidenceIntervals, meanInterval, normalQuantile } from "../../src/stats/ci.js";
import { hashString, randomInt, rngFromSeed } from "../../src/stats/rng.js";

describe("rng", () => {
  it("hashString is 32-bit FNV-1a over UTF-8", () => {
    expect(hashString("")).toBe(0x811c9dc5);
    expect(hashString("a")).toBe(0xe40c292c);
    expect(hashString("foobar")).toBe(0xbf9cf968);
    expect(hashString("\u00e9")).not.toBe(hashString("e"));
  });
  it("same seed → same sequence; different seeds differ", () => {
    const a = rngFromSeed("x");
    const b = rngFromSeed("x");
    const c = rngFromSeed("y");
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
    expect(Array.from({ length: 3 }, rngFromSeed(7))).toEqual(Array.from({ length: 3 }, rngFromSeed(7)));
  });
  it("is roughly uniform in [0, 1)", () => {
    const r = rngFromSeed(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const v = r();
      expect(v >= 0 && v < 1).toBe(true);
      counts[randomInt(() => v, 4)]!++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
});

describe("bootstrap", () => {
  it("quantiles interpolate linearly like NumPy", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([0, 10], 0.025)).toBeCloseTo(0.25, 12);
  });
  it("is reproducible and brackets the statistic", () => {
    const xs: number[] = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const mean = (idx: Uint32Array): number =>
      Array.from(idx, (i) => xs[i]!).reduce((a, b) => a + b, 0) / idx.length;
    const r1 = bootstrap(xs.length, mean, { seed: "s", resamples: 300 });
    const r2 = bootstrap(xs.length, mean, { seed: "s", resamples: 300 });
    expect(r1.lo).toBe(r2.lo);
    expect(r1.hi).toBe(r2.hi);
    expect(r1.lo).toBeLessThan(67 / 200);
    expect(r1.hi).toBeGreaterThan(67 / 200);
    expect(r1.distribution).toHaveLength(300);
  });
});

describe("confidence intervals", () => {
  it("normal quantile", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263478740408408, 8);
  });
  it("closed form for a mean metric: mean ± 1.96·s/√n", () => {
    const xs = [1, 0, 1, 1, 0, 1, 0, 1];
    const [lo, hi] = meanInterval(xs)!;
    const s = Math.sqrt((5 * (1 - 0.625) ** 2 + 3 * 0.625 ** 2) / 7);
    expect(lo).toBeCloseTo(0.625 - (1.959963984540054 * s) / Math.sqrt(8), 8);
    expect(hi).toBeCloseTo(0.625 + (1.959963984540054 * s) / Math.sqrt(8), 8);
    expect(meanInterval([1, 1, 1, 1, 1, 1, 1, 0])![1]).toBe(1); // clipped to [0, 1]
    expect(meanInterval([1])).toBeNull();
  });
  it("exact_match uses the closed form; pope f1 is bootstrapped and seeded", () => {
    const em = SCORERS.exact_match!;
    const emSamples: ScoredSample[] = Array.from({ length: 50 }, (_, i) => {
      const reference = { answer: "yes" };
      return { id: String(i), reference, result: em.scoreSample(i % 4 ? "yes" : "no", reference, String(i)) };
    });
    const ci = confidenceIntervals(em, emSamples, { seed: 1 });
    expect(ci.exact_match).toEqual(meanInterval(emSamples.map((s) => s.result.score)));

    const pope = SCORERS.pope!;
    const popeSamples: ScoredSample[] = Array.from({ length: 120 }, (_, i) => {
      const reference = { answer: i % 2 ? "yes" : "no", category: "random" };
      return {
        id: String(i),
        reference,
        result: pope.scoreSample(i % 3 ? "yes" : "no", reference, String(i)),
      };
    });
    const a = confidenceIntervals(pope, popeSamples, { seed: "s", resamples: 200 });
    const b = confidenceIntervals(pope, popeSamples, { seed: "s", resamples: 200 });
    const f1 = pope.aggregate(popeSamples).f1!;
    expect(a).toEqual(b);
    expect(a.f1![0]).toBeLessThan(f1);
    expect(a.f1![1]).toBeGreaterThan(f1);
    // The fast POPE statistic gives exactly what recomputing the scorer's aggregate gives.
    const slow = bootstrap(
      popeSamples.length,
      (idx) => pope.aggregate(Array.from(idx, (i) => popeSamples[i]!)).f1!,
      { seed: "s:pope:f1", resamples: 200 },
    );
    expect(a.f1).toEqual([slow.lo, slow.hi]);
  });
});

describe("a scorer's own meanMetrics", () => {
  it("give the closed-form interval over the metric's own samples (ChartQA's human split), seed-free", () => {
    const s = SCORERS.relaxed_correctness!;
    const samples: ScoredSample[] = Array.from({ length: 60 }, (_, i) => {
      const reference = { answer: "12", type: i % 3 === 0 ? "augmented_test" : "human_test" };
      const prediction = i % 5 === 0 || i % 7 === 0 ? "13" : "12";
      return { id: String(i), reference, result: s.scoreSample(prediction, reference, String(i)) };
    });
    const human = samples.filter((x) => (x.reference as { type: string }).type === "human_test");
    const want = meanInterval(
      human.map((x) => x.result.score),
      0.95,
    );
    const metrics = ["relaxed_human_split"];
    expect(confidenceIntervals(s, samples, { seed: 1, metrics }).relaxed_human_split).toEqual(want);
    expect(confidenceIntervals(s, samples, { seed: 2, metrics }).relaxed_human_split).toEqual(want);
  });
});
