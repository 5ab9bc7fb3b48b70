/** Task groups and the model cards' published numbers: registry consistency, leaderboard rows, compare deltas. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CARD_METRICS, cardDeltas, PUBLISHED, publishedModel } from "../../src/report/card-reference.js";
import { buildLeaderboard, validateLeaderboard } from "../../src/report/leaderboard.js";
import { collectLeaderboard } from "../../src/report/leaderboard-collect.js";
import { loadRunSet } from "../../src/report/runs.js";
import { expandTaskNames, TASK_GROUPS, taskAndGroupNames } from "../../tasks/groups.js";
import { TASKS } from "../../tasks/index.js";
import { binaryScores, latencies, makeRun, tempDir } from "./report-fixtures.js";

describe("task groups", () => {
  it("name only registered tasks, and `all` is the whole registry", () => {
    for (const [name, g] of Object.entries(TASK_GROUPS)) {
      expect(
        g.tasks.filter((t) => !(t in TASKS)),
        name,
      ).toEqual([]);
      expect(name in TASKS, `${name} is also a task`).toBe(false);
    }
    expect(expandTaskNames(["all"])).toEqual(Object.keys(TASKS));
  });

  it("fastvlm-card is the eleven card benchmarks, the ones with published numbers", () => {
    const card = expandTaskNames(["fastvlm-card"]);
    expect(card).toHaveLength(11);
    expect([...card].sort()).toEqual(Object.keys(CARD_METRICS).sort());
    expect(card).not.toContain("gqa");
    expect(card).not.toContain("pope");
  });

  it("expands in place, keeps unknown names for the caller's check, and drops repeats", () => {
    expect(expandTaskNames(["pope", "fastvlm-card", "textvqa", "nope"])).toEqual([
      "pope",
      ...TASK_GROUPS["fastvlm-card"]!.tasks,
      "nope",
    ]);
    expect(taskAndGroupNames()).toContain("fastvlm-card");
  });
});

describe("published card numbers", () => {
  it("are read as each task's primary metric, for every card task and model", () => {
    for (const [task, metric] of Object.entries(CARD_METRICS))
      expect(TASKS[task]?.scorer.primary, task).toBe(metric);
    for (const p of PUBLISHED) {
      expect(Object.keys(p.points).sort(), p.model).toEqual(Object.keys(CARD_METRICS).sort());
      for (const v of Object.values(p.points)) expect(v > 0 && v <= 100, p.model).toBe(true);
      expect(p.source.url).toContain(p.repo);
      if (p.source.commit !== null) {
        expect(p.source.commit).toMatch(/^[0-9a-f]{40}$/);
        expect(p.source.url).toContain(p.source.commit);
      }
    }
    expect(publishedModel("FastVLM-0.5B")?.repo).toBe("apple/FastVLM-0.5B");
    expect(publishedModel("fastvlm-3b")).toBeUndefined();
  });

  it("become marked leaderboard rows on the card columns only, outside averages and groups", async () => {
    const root = tempDir();
    await makeRun(join(root, "m", "docvqa"), {
      scores: binaryScores(20, 0.5),
      model: "m",
      ttft: latencies(4, 50),
    });
    await makeRun(join(root, "m", "pope"), { task: "pope", scores: binaryScores(20, 0.9), model: "m" });
    const { leaderboard: lb } = collectLeaderboard(root);
    expect(validateLeaderboard(lb)).toEqual([]);
    expect(lb.rows).toHaveLength(1);
    const row = lb.rows[0]!;
    const measured = Object.values(row.scores);
    expect(row.average).toBe(measured.reduce((a, b) => a + b, 0) / measured.length);
    const docvqa = lb.columns.find((c) => c.task === "docvqa")!.key;
    expect(lb.references?.map((r) => r.model)).toEqual(PUBLISHED.map((p) => p.model));
    for (const [k, ref] of (lb.references ?? []).entries()) {
      expect(ref.scores).toEqual({ [docvqa]: PUBLISHED[k]!.points.docvqa! / 100 });
      expect(ref).not.toHaveProperty("ttft");
      expect(ref).not.toHaveProperty("average");
      expect(ref.caveat).toMatch(/neither the split .* nor the evaluation tool/);
    }
    expect(collectLeaderboard(root, { cardReference: false }).leaderboard.references).toBeUndefined();
    expect(collectLeaderboard(root, { tasks: ["pope"] }).leaderboard.references).toBeUndefined();
    expect(collectLeaderboard(root, { tasks: ["pope"] }).leaderboard.columns.map((c) => c.task)).toEqual([
      "pope",
    ]);

    const out = join(root, "lb");
    buildLeaderboard({ runsDir: root, outDir: out });
    const md = readFileSync(join(out, "README.md"), "utf8");
    const refLines = md.split("\n").filter((l) => l.includes("(model card) — reference"));
    expect(refLines).toHaveLength(3);
    expect(refLines[0]).toContain(PUBLISHED[0]!.points.docvqa!.toFixed(1));
    expect(md).toContain(PUBLISHED[0]!.source.url);
  });

  it("leave out a column whose metric is not the card's", async () => {
    const root = tempDir();
    await makeRun(join(root, "m", "docvqa"), { scores: [1, 0], model: "m", primaryMetric: "other" });
    expect(collectLeaderboard(root).leaderboard.references).toBeUndefined();
  });

  it("give compare --card one delta per card task, in points", async () => {
    const root = tempDir();
    await makeRun(join(root, "m", "docvqa"), { scores: binaryScores(40, 0.75), model: "m", metric: 0.75 });
    await makeRun(join(root, "m", "pope"), { task: "pope", scores: binaryScores(40, 0.9), model: "m" });
    const card = publishedModel("fastvlm-7b")!;
    const deltas = cardDeltas(loadRunSet(root), card);
    expect(deltas.map((d) => d.task)).toEqual(["docvqa"]);
    expect(deltas[0]!.measured).toBe(0.75);
    expect(deltas[0]!.deltaPoints).toBeCloseTo(75 - card.points.docvqa!, 10);
    expect(deltas[0]!.n).toBe(40);
  });
});
