import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SCORERS } from "../../scorers/index.js";
import { readRunRecord, writeRunRecord } from "../../src/core/records.js";
import { compareTask } from "../../src/report/compare.js";
import { evaluateGate } from "../../src/report/gate.js";
import { buildLeaderboard, leaderboardOpenVlm, validateLeaderboard } from "../../src/report/leaderboard.js";
import { collectLeaderboard } from "../../src/report/leaderboard-collect.js";
import { embedJson } from "../../src/report/leaderboard-html.js";
import { findRunDirs, loadRun, loadRunSet } from "../../src/report/runs.js";
import { loadScorerLookup } from "../../src/report/scorers.js";
import {
  pairedBootstrap,
  pairedMeanBootstrap,
  quantile,
  relativeQuantileChange,
} from "../../src/stats/paired.js";
import { binaryScores, latencies, makeRun, tempDir } from "./report-fixtures.js";

describe("paired statistics", () => {
  it("quantile interpolates like numpy", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 0, 5], 0.9)).toBeCloseTo(9, 10);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });

  it("is reproducible for a seed and changes with it", () => {
    const a = binaryScores(300, 0.5);
    const b = binaryScores(300, 0.5, 3);
    const r1 = pairedMeanBootstrap(a, b, { seed: 1 });
    expect(pairedMeanBootstrap(a, b, { seed: 1 })).toEqual(r1);
    expect(pairedMeanBootstrap(a, b, { seed: 2 }).ci).not.toEqual(r1.ci);
    expect(r1.estimate).toBeCloseTo(0, 10);
    expect(r1.ci[0]).toBeLessThan(0);
    expect(r1.ci[1]).toBeGreaterThan(0);
  });

  it("gives a degenerate interval for identical runs and a tight one for a constant shift", () => {
    const a = binaryScores(100, 0.5);
    expect(pairedMeanBootstrap(a, a).ci).toEqual([0, 0]);
    const shifted = pairedMeanBootstrap(
      a.map(() => 0.2),
      a.map(() => 0.3),
    );
    expect(shifted.ci[0]).toBeCloseTo(0.1, 10);
    expect(shifted.ci[1]).toBeCloseTo(0.1, 10);
    expect(() => pairedMeanBootstrap([1], [1, 0])).toThrow(/differ in length/);
  });

  it("passes resampled indices (with repeats) to the metric", () => {
    const seen: number[] = [];
    pairedBootstrap(
      5,
      (side, idx) => {
        if (side === "candidate") seen.push(new Set(idx).size);
        return idx.length;
      },
      { resamples: 50 },
    );
    expect(seen).toHaveLength(51);
    expect(seen.some((n) => n < 5)).toBe(true);
  });

  it("bootstraps a relative median change", () => {
    const r = relativeQuantileChange(latencies(30, 100), latencies(30, 130), { seed: 0 });
    expect(r.estimate).toBeCloseTo(30, 0);
    expect(r.ci[0]).toBeGreaterThan(15);
  });
});

describe("run discovery", () => {
  it("finds run folders recursively and rejects two runs of one task under one argument", async () => {
    const root = tempDir();
    await makeRun(join(root, "m", "docvqa", "r1"), { scores: [1, 0] });
    await makeRun(join(root, "m", "pope", "r1"), { task: "pope", scores: [1] });
    expect(findRunDirs(root)).toHaveLength(2);
    expect([...loadRunSet(root).keys()].sort()).toEqual(["docvqa", "pope"]);
    await makeRun(join(root, "m", "docvqa", "r2"), { scores: [1, 1] });
    expect(() => loadRunSet(root)).toThrow(/more than one run of a task[\s\S]*docvqa/);
  });

  it("ignores shard folders beside the merged run, and says to merge when only shards are there", async () => {
    const root = tempDir();
    const markShard = async (dir: string, index: number): Promise<void> => {
      const run = readRunRecord(dir);
      await writeRunRecord(dir, { ...run, shard: { index, count: 2 } });
    };
    await markShard(await makeRun(join(root, "m", "pope", "s0"), { task: "pope", scores: [1] }), 0);
    await markShard(await makeRun(join(root, "m", "pope", "s1"), { task: "pope", scores: [0] }), 1);
    expect(() => loadRunSet(root)).toThrow(/pope: .*s0, .*s1 \(shards: `fastvlm-eval merge` them first\)/);
    await makeRun(join(root, "m", "pope", "merged"), { task: "pope", scores: [1, 0] });
    expect(loadRunSet(root).get("pope")?.dir).toBe(join(root, "m", "pope", "merged"));
  });
});

describe("leaderboard data", () => {
  it("leaves shard folders out so a merged run is the row's score", async () => {
    const root = tempDir();
    const shard = await makeRun(join(root, "m", "pope", "a-shard"), { task: "pope", scores: [0], metric: 0 });
    await writeRunRecord(shard, { ...readRunRecord(shard), shard: { index: 1, count: 2 } });
    await makeRun(join(root, "m", "pope", "merged"), { task: "pope", scores: [1, 0], metric: 0.4 });
    const { leaderboard: lb, skipped } = collectLeaderboard(root);
    expect(lb.rows).toHaveLength(1);
    expect(Object.values(lb.rows[0]!.scores)).toEqual([0.4]);
    expect(skipped).toEqual([expect.stringMatching(/a-shard: shard 1\/2 .*merge/)]);
  });

  it("never averages different task versions together and lets the latest re-run win", async () => {
    const root = tempDir();
    await makeRun(join(root, "a", "docvqa-old"), {
      scores: binaryScores(20, 0.2),
      model: "a",
      finishedAt: "2026-01-01T00:00:00Z",
    });
    await makeRun(join(root, "a", "docvqa-new"), {
      scores: binaryScores(20, 0.6),
      model: "a",
      finishedAt: "2026-02-01T00:00:00Z",
      ttft: latencies(5, 80),
    });
    await makeRun(join(root, "a", "pope"), { task: "pope", scores: binaryScores(20, 0.8), model: "a" });
    await makeRun(join(root, "b", "docvqa"), { scores: binaryScores(20, 0.9), model: "b", taskVersion: 2 });
    await makeRun(join(root, "b", "pope"), { task: "pope", scores: binaryScores(20, 0.7), model: "b" });
    await makeRun(join(root, "c", "docvqa"), {
      scores: binaryScores(20, 0.5),
      model: "c",
      revision: "b".repeat(40),
    });
    const { leaderboard: lb } = collectLeaderboard(root);
    expect(validateLeaderboard(lb)).toEqual([]);
    expect(lb.columns.map((c) => c.label)).toEqual([
      "docvqa v1 (aaaaaaa)",
      "docvqa v1 (bbbbbbb)",
      "docvqa v2 (aaaaaaa)",
      "pope",
    ]);
    const row = (name: string) => lb.rows.find((r) => r.model.name === name)!;
    expect(row("a").scores[lb.columns[0]!.key]).toBeCloseTo(0.6, 10);
    expect(row("a").average).toBeCloseTo(0.7, 10);
    expect(row("a").ttft).toMatchObject({ task: "docvqa", n: 5 });
    expect(row("a").date).toBe("2026-02-01");
    expect(row("b").average).toBeCloseTo(0.8, 10);
    // a and b average different docvqa versions: different groups.
    expect(row("a").group).not.toBe(row("b").group);
    expect(row("c").group).not.toBe(row("a").group);
    expect(new Set(lb.rows.map((r) => r.group)).size).toBe(3);
    expect(lb.groups).toHaveLength(3);
    const openvlm = leaderboardOpenVlm(lb) as {
      results: Record<string, Record<string, { Overall: number }>>;
    };
    expect(openvlm.results.a!.POPE!.Overall).toBe(80);
    expect(openvlm.results.a!.DocVQA_VAL_v1).toEqual({ Overall: 60 });
  });

  it("writes json, README and html, skipping partial runs, and escapes names in Markdown", async () => {
    const root = tempDir();
    await makeRun(join(root, "x", "docvqa"), { scores: [1, 0], model: "a|b <i>" });
    await makeRun(join(root, "y", "docvqa"), { scores: [1], model: "partial", status: "partial" });
    const out = join(root, "lb");
    const res = buildLeaderboard({ runsDir: root, outDir: out, format: "openvlm" });
    expect(res.files.map((f) => f.slice(out.length + 1))).toEqual([
      "leaderboard.json",
      "README.md",
      "index.html",
      "openvlm.json",
    ]);
    expect(res.skipped).toEqual(["y/docvqa: status partial"]);
    const md = readFileSync(join(out, "README.md"), "utf8");
    expect(md).toContain("| a\\|b &lt;i&gt; | 50.0 (n=2) | 50.0 |");
    expect(() => buildLeaderboard({ runsDir: join(root, "y"), outDir: out })).toThrow(/No complete runs/);
  });

  it("embeds JSON that cannot close its script element", () => {
    const text = embedJson({ name: "</script><script>alert(1)</script>\u2028&" });
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual({ name: "</script><script>alert(1)</script>\u2028&" });
  });
});

describe("compare with the real POPE scorer", () => {
  it("recomputes F1 from parsed answers on every resample", async () => {
    const root = tempDir();
    const refs = Array.from({ length: 120 }, (_, i) => ({
      answer: i % 2 ? "no" : "yes",
      category: "random",
    }));
    const says = (flipEvery: number) =>
      refs.map((r, i) => (i % flipEvery === 0 ? (r.answer === "yes" ? "no" : "yes") : r.answer));
    const write = async (name: string, preds: string[]) => {
      const dir = join(root, name);
      const scored = preds.map((p, i) => SCORERS.pope!.scoreSample(p, refs[i]!, `s${i}`));
      await makeRun(dir, {
        task: "pope",
        scorer: "pope",
        scores: scored.map((x) => x.score),
        predictions: preds,
        references: refs,
        metric: SCORERS.pope!.aggregate(
          scored.map((x, i) => ({ id: `s${i}`, reference: refs[i]!, result: x })),
        ).f1,
      });
      // makeRun writes parsed: null; rewrite with the scorer's parse like the runner does.
      const { readFileSync, writeFileSync } = await import("node:fs");
      const lines = readFileSync(join(dir, "samples.jsonl"), "utf8").trim().split("\n");
      writeFileSync(
        join(dir, "samples.jsonl"),
        `${lines.map((l, i) => JSON.stringify({ ...JSON.parse(l), parsed: scored[i]!.parsed })).join("\n")}\n`,
      );
      return loadRun(dir);
    };
    const b = await write("b", says(10));
    const c = await write("c", says(4));
    const cmp = compareTask(b, c, { scorers: await loadScorerLookup(), resamples: 300 });
    expect(cmp.method).toBe("scorer-aggregate");
    expect(cmp.delta).toBeCloseTo(c.run.metrics.f1! - b.run.metrics.f1!, 10);
    expect(cmp.values).toEqual([b.run.metrics.f1, c.run.metrics.f1]);
    expect(cmp.ci[1]).toBeLessThan(0);
  });
});

describe("leaderboard TTFT only from an on-device clock", () => {
  it("a baseline timed by a latency pass (TTFT ~0 ms) gets no TTFT and no Pareto point; cells carry n", async () => {
    const root = tempDir();
    const model = await makeRun(join(root, "m"), {
      model: "real",
      scores: [1, 0, 1, 1],
      ttft: [120, 130, 125],
    });
    const base = await makeRun(join(root, "b"), {
      model: "baseline:random",
      scores: [0, 1, 0, 0],
      ttft: [0, 0, 0],
    });
    // The baseline backend has no model and no clock: executionProvider "none".
    const rec = readRunRecord(base);
    await writeRunRecord(base, { ...rec, model: { ...rec.model, executionProvider: "none" } });
    const { leaderboard } = collectLeaderboard(root);
    const byName = new Map(leaderboard.rows.map((r) => [r.model.name, r]));
    expect(byName.get("real")!.ttft?.p50).toBe(125);
    expect(byName.get("baseline:random")!.ttft).toBeNull();
    expect(byName.get("baseline:random")!.runs[0]!.ttft).toBeNull();
    const key = leaderboard.columns[0]!.key;
    expect(byName.get("real")!.cells?.[key]?.n).toBe(readRunRecord(model).nSamples.scored);
  });
});

describe("TTFT by the recorded clock", () => {
  it("decides by run.json's model.clock, and by the execution provider only for runs written before it", async () => {
    const root = tempDir();
    const ttft = [120, 130, 125];
    // A clock is the fact: a remote clock hides TTFT even under an ordinary-looking execution provider.
    await makeRun(join(root, "device"), { model: "on-device", scores: [1, 0], ttft, clock: "device" });
    await makeRun(join(root, "remote"), { model: "remote", scores: [1, 0], ttft, clock: "remote" });
    await makeRun(join(root, "old-remote"), {
      model: "old-remote",
      scores: [1, 0],
      ttft,
      executionProvider: "remote",
    });
    await makeRun(join(root, "old-cpu"), { model: "old-cpu", scores: [1, 0], ttft });
    const { leaderboard } = collectLeaderboard(root);
    const row = (name: string) => leaderboard.rows.find((r) => r.model.name === name)!;
    expect(row("on-device").ttft?.p50).toBe(125);
    expect(row("old-cpu").ttft?.p50).toBe(125);
    for (const name of ["remote", "old-remote"]) {
      expect(row(name).ttft, name).toBeNull();
      expect(row(name).runs[0]!.ttft, name).toBeNull();
      expect(row(name).model.clock, name).toBe("remote");
    }
    expect(row("old-cpu").model.clock).toBe("device");
    expect(validateLeaderboard(leaderboard)).toEqual([]);
  });

  it("compare and gate refuse a TTFT that is not on-device, saying which side", async () => {
    const root = tempDir();
    const ttft = latencies(20, 100);
    const scores = binaryScores(40, 0.5);
    const dev = loadRun(await makeRun(join(root, "a"), { scores, ttft, clock: "device" }));
    const remote = loadRun(await makeRun(join(root, "b"), { scores, ttft, clock: "remote" }));
    const none = loadRun(await makeRun(join(root, "c"), { scores, ttft, clock: "none" }));
    expect(compareTask(dev, dev).latency.status).toBe("compared");
    expect(compareTask(dev, remote).latency).toEqual({
      status: "no-device-clock",
      reason: "no on-device TTFT: the candidate's clock is a remote server's",
    });
    expect(compareTask(none, remote).latency).toMatchObject({
      reason:
        "no on-device TTFT: the baseline's clock is no model's and the candidate's clock is a remote server's",
    });
    const gate = evaluateGate(new Map([["docvqa", dev]]), new Map([["docvqa", remote]]), {
      maxDropPoints: 0,
      min: {},
      maxTtftIncreasePct: 10,
    });
    expect(gate.rules.find((r) => r.name === "latency/docvqa")).toMatchObject({ pass: true, skipped: true });
    expect(gate.rules.find((r) => r.name === "latency/docvqa")!.detail).toMatch(
      /not judged: no on-device TTFT/,
    );
  });

  it("run.json accepts only the three clocks", async () => {
    const dir = await makeRun(join(tempDir(), "r"), { scores: [1], clock: "device" });
    const rec = readRunRecord(dir);
    expect(rec.model.clock).toBe("device");
    await expect(
      writeRunRecord(dir, { ...rec, model: { ...rec.model, clock: "wall" as unknown as "device" } }),
    ).rejects.toThrow(/clock/);
  });
});
