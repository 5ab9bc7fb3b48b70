import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  createBaseline,
  isYesNoQuestion,
  optionLetters,
  parseBaselineSpec,
} from "../../src/models/baseline/index.js";
import { parseRunFlags } from "../../src/runner/flags.js";
import { modelSlug, runIdFor } from "../../src/runner/identity.js";
import { allocate, inShard, latencySubset, parseShard, selectSubset } from "../../src/runner/select.js";
import { latencyStats, percentile } from "../../src/stats/latency.js";

const population = Array.from({ length: 100 }, (_, i) => ({
  id: `s${i}`,
  stratum: i < 50 ? "adversarial" : i < 80 ? "popular" : "random",
}));

describe("selectSubset", () => {
  it("picks the same subset for the same seed regardless of row order", () => {
    const a = selectSubset(population, 20, 7);
    const b = selectSubset([...population].reverse(), 20, 7);
    expect([...a].sort()).toEqual([...b].sort());
    expect(a.size).toBe(20);
    const c = selectSubset(population, 20, 8);
    expect([...c].sort()).not.toEqual([...a].sort());
  });

  it("allocates proportionally to strata", () => {
    const chosen = selectSubset(population, 20, 0);
    const count = (s: string) => population.filter((p) => p.stratum === s && chosen.has(p.id)).length;
    expect([count("adversarial"), count("popular"), count("random")]).toEqual([10, 6, 4]);
  });

  it("uses largest remainders and never exceeds a stratum", () => {
    const q = allocate(
      new Map([
        ["a", 5],
        ["b", 3],
        ["c", 2],
      ]),
      4,
    );
    // exact shares 2.0, 1.2, 0.8 → 2, 1, 1
    expect(Object.fromEntries(q)).toEqual({ a: 2, b: 1, c: 1 });
    expect([...allocate(new Map([["a", 2]]), 10).values()]).toEqual([2]);
  });

  it("takes everything when the limit is null or large", () => {
    expect(selectSubset(population, null, 0).size).toBe(100);
    expect(selectSubset(population, 1000, 0).size).toBe(100);
  });
});

describe("shards", () => {
  it("partitions ids disjointly and completely", () => {
    const shards = [0, 1, 2].map((index) => population.filter((p) => inShard(p.id, { index, count: 3 })));
    expect(shards.reduce((s, x) => s + x.length, 0)).toBe(100);
    expect(new Set(shards.flat().map((p) => p.id)).size).toBe(100);
    expect(shards.every((s) => s.length > 10)).toBe(true);
  });

  it("parses i/n and auto, and rejects bad values", () => {
    expect(parseShard("1/3")).toEqual({ index: 1, count: 3 });
    expect(parseShard("3/3")).toMatch(/0 ≤ i < n/);
    expect(parseShard("x")).toMatch(/i\/n/);
    expect(parseShard("auto", { JOB_COMPLETION_INDEX: "2", EVAL_SHARD_COUNT: "4" })).toEqual({
      index: 2,
      count: 4,
    });
    expect(parseShard("auto", { JOB_COMPLETION_INDEX: "2" })).toMatch(/EVAL_SHARD_COUNT/);
    expect(parseShard("auto", { JOB_COMPLETION_INDEX: "4", EVAL_SHARD_COUNT: "4" })).toMatch(/0 ≤ i < n/);
  });

  it("latency subset is seeded and bounded", () => {
    const ids = population.map((p) => p.id);
    expect(latencySubset(ids, 5, 1)).toEqual(latencySubset([...ids].reverse(), 5, 1));
    expect(latencySubset(ids, 5, 1)).toHaveLength(5);
    expect(latencySubset(ids.slice(0, 3), 5, 1)).toHaveLength(3);
  });
});

describe("latencyStats", () => {
  it("matches numpy's linear percentiles and the sample stdev", () => {
    // numpy.percentile([1,2,3,4,10], [50,90,99]) = [3, 7.6, 9.76]; np.std(ddof=1) = 3.5355339
    const s = latencyStats([4, 1, 10, 3, 2]);
    expect(s.p50).toBe(3);
    expect(s.p90).toBeCloseTo(7.6, 10);
    expect(s.p99).toBeCloseTo(9.76, 10);
    expect(s.mean).toBe(4);
    expect(s.stdev).toBeCloseTo(3.5355339, 6);
    expect(s.n).toBe(5);
    expect(percentile([5], 99)).toBe(5);
    expect(latencyStats([]).n).toBe(0);
  });
});

describe("run identity helpers", () => {
  it("slugs model names and keeps distinct names distinct", () => {
    expect(modelSlug("fastvlm-0.5b")).toBe("fastvlm-0.5b");
    expect(modelSlug("./a/b")).toMatch(/^a-b-[0-9a-f]{8}$/);
    // Never a name that reads as an option or a hidden folder.
    for (const name of ["./ckpt-a", "--ckpt", "-x", ".hidden", "..", "../../up", "-", "...", "/abs/-dash"]) {
      const slug = modelSlug(name);
      expect(slug, name).toMatch(/^[A-Za-z0-9]/);
      expect(slug, name).toMatch(/^[A-Za-z0-9._-]+$/);
    }
    expect(modelSlug("./ckpt-a")).not.toBe(modelSlug("ckpt-a"));
    expect(modelSlug("./a/b")).not.toBe(modelSlug("./a-b"));
    expect(modelSlug("baseline:constant=yes")).toMatch(/^baseline-constant-yes-[0-9a-f]{8}$/);
  });

  it("fresh run ids get a timestamp suffix", () => {
    expect(runIdFor("abc", null)).toBe("abc");
    expect(runIdFor("abc", new Date("2026-01-02T03:04:05.678Z"))).toBe("abc-20260102T030405Z");
  });
});

describe("baselines", () => {
  it("answers option letters, yes/no or nothing, deterministically per id", async () => {
    expect(optionLetters("Q?\nA. x\nB. y\nC. z\nAnswer with the option's letter")).toEqual(["A", "B", "C"]);
    expect(
      isYesNoQuestion("Is there a dog in the image?\nAnswer the question using a single word or phrase."),
    ).toBe(true);
    expect(isYesNoQuestion("What is written?\nAnswer the question using a single word or phrase.")).toBe(
      false,
    );
    const m = createBaseline("baseline:random");
    const gen = { maxNewTokens: 4, stop: [] };
    const mc = await m.generate({
      images: [],
      prompt: "Q?\nA. x\nB. y\nC. z\nD. w",
      generation: gen,
      id: "q1",
    });
    expect(["A", "B", "C", "D"]).toContain(mc.text);
    const again = await m.generate({
      images: [],
      prompt: "Q?\nA. x\nB. y\nC. z\nD. w",
      generation: gen,
      id: "q1",
    });
    expect(again.text).toBe(mc.text);
    const yn = new Set<string>();
    for (let i = 0; i < 20; i++) {
      yn.add((await m.generate({ images: [], prompt: "Is it red?", generation: gen, id: `y${i}` })).text);
    }
    expect([...yn].sort()).toEqual(["No", "Yes"]);
    expect((await m.generate({ images: [], prompt: "What?", generation: gen, id: "o" })).text).toBe("");
    const c = createBaseline("baseline:constant=hello world");
    const out = await c.generate({ images: [], prompt: "x", generation: gen });
    expect(out.text).toBe("hello world");
    expect(out.timing.ttftMs).toBe(0);
    expect(() => parseBaselineSpec("baseline:nope")).toThrow(UsageError);
    expect(() => parseBaselineSpec("baseline:constant")).toThrow(/needs its answer/);
  });
});

describe("parseRunFlags", () => {
  it("reports every problem at once", () => {
    let err: unknown;
    try {
      parseRunFlags(["pope", "mmmu"], {
        limit: "0",
        concurrency: "x",
        maxErrorRate: "2",
        shard: "5/2",
        imageMode: "zoom",
        datasetRepo: "a/b",
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const msg = (err as Error).message;
    for (const part of [
      "--model is required",
      "--limit",
      "--concurrency",
      "--max-error-rate",
      "0 ≤ i < n",
      "--image-mode",
      "--dataset-repo",
    ]) {
      expect(msg).toContain(part);
    }
  });

  it("fills defaults", () => {
    const p = parseRunFlags(["pope"], { model: "baseline:random" });
    expect(p.settings).toMatchObject({
      limit: null,
      concurrency: 1,
      latencySamples: 20,
      warmup: 2,
      maxErrorRate: 0.01,
      shard: null,
    });
  });
});

describe("prefetch", () => {
  it("reads at most `depth` items ahead and closes the source when the consumer stops", async () => {
    const { prefetch } = await import("../../src/runner/prefetch.js");
    let produced = 0;
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        for (let i = 0; i < 100; i++) {
          produced += 1;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const seen: number[] = [];
    for await (const x of prefetch(source(), 3)) {
      seen.push(x);
      // Give the read-ahead time to run.
      await new Promise((r) => setTimeout(r, 1));
      expect(produced - seen.length).toBeLessThanOrEqual(3);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(closed).toBe(true);
  });

  it("passes a source error through at its turn", async () => {
    const { prefetch } = await import("../../src/runner/prefetch.js");
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error("row 2 is broken");
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of prefetch(failing(), 4)) seen.push(x);
      })(),
    ).rejects.toThrow("row 2 is broken");
    expect(seen).toEqual([1]);
  });
});

describe("env and summary", () => {
  it("collects the device record without loading onnxruntime, and fingerprints execution settings", async () => {
    const { collectEnv, envFingerprint } = await import("../../src/core/env.js");
    const env = collectEnv({ executionProvider: "cpu", threads: 2, dtype: { vision_encoder: "fp32" } });
    expect(env.onnxruntime).toBe("1.30.0");
    expect(env.harness).toMatch(/^\d+\.\d+\.\d+/);
    expect(env.cores).toBeGreaterThan(0);
    expect(env.gitSha === null || /^[0-9a-f]{40}$/.test(env.gitSha)).toBe(true);
    expect(env.fingerprint).toBe(
      envFingerprint(env, { executionProvider: "cpu", threads: 2, dtype: { vision_encoder: "fp32" } }),
    );
    expect(
      envFingerprint(env, { executionProvider: "cpu", threads: 4, dtype: { vision_encoder: "fp32" } }),
    ).not.toBe(env.fingerprint);
  });

  it("prints one row per run with the primary metric, CI and TTFT", async () => {
    const { summaryTable } = await import("../../src/runner/summary.js");
    const stats = { p50: 12.34, p90: 20, p99: 30, mean: 14, stdev: 3, n: 5 };
    const table = summaryTable([
      {
        schemaVersion: 1,
        runId: "abc",
        status: "complete",
        task: {
          name: "pope",
          version: 1,
          primaryMetric: "f1",
          dataset: { repo: "r", config: "c", split: "s", revision: null },
        },
        model: { name: "m", source: "s", revision: null, dtype: {}, executionProvider: "cpu", threads: 0 },
        config: {},
        env: {
          os: "x",
          cpu: "y",
          cores: 1,
          memoryBytes: 1,
          node: "v20",
          onnxruntime: null,
          harness: "0",
          gitSha: null,
        },
        nSamples: { total: 10, scored: 9, failed: 1, parseFailures: 0 },
        metrics: { f1: 0.5 },
        ci: { f1: [0.25, 0.75] },
        latency: {
          ttftMs: stats,
          preprocessMs: stats,
          visionMs: stats,
          prefillMs: stats,
          decodeTokensPerSec: 1,
          warmup: 2,
          measuredAtConcurrency: 1,
        },
        startedAt: "t",
        finishedAt: "t",
      },
    ]);
    expect(table.split("\n")[2]).toMatch(
      /^pope\s+10\s+f1\s+0\.5000\s+\[0\.2500, 0\.7500\]\s+1\s+12\.3\s+20\.0\s+complete$/,
    );
  });
});
