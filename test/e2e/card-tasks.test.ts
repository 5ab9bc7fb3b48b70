/**
 * The model-card tasks end to end through dist/src/cli.js: `fetch` of the seven new datasets from a fake Hub
 * holding them in their real layouts (AI2D and RealWorldQA only under lmms-lab-encoder/), `inspect` prompts,
 * `list` groups, `score --task` on raw dataset rows against the reference Python's values
 * (test/unit/scorers/fixtures/oracle-*.json), `run fastvlm-card` (a baseline; the demo test runs the tiny model
 * on every task), and the leaderboard and
 * `compare --card` over those runs.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FixtureTask } from "../../scripts/make-fixtures.js";
import type { RunRecord } from "../../src/core/records.js";
import { streamParquetRows } from "../../src/data/parquet.js";
import { TASKS } from "../../tasks/index.js";
import { fixtureDataset, fixtureRoot, fixtureSplitFiles } from "../helpers/fixtures.js";
import { type FixtureHub, runCli, startFixtureHub } from "./run-helpers.js";

const NEW_TASKS = ["chartqa", "infovqa", "ocrbench", "ai2d", "scienceqa_img", "realworldqa", "vqav2"];
const FIXTURES = fileURLToPath(new URL("../unit/scorers/fixtures/", import.meta.url));
const MC = "\nAnswer with the option's letter from the given choices directly.";

let fx: FixtureHub;
beforeAll(async () => {
  fx = await startFixtureHub({ rowsPerTask: 5 }, "e2e-card-");
});
afterAll(async () => {
  await fx?.close();
});

const cli = (args: string[]) => runCli(args, fx.env, fx.work);

describe("fetch, inspect and list", () => {
  it("fetches the seven new datasets (two only under the lmms-lab-encoder fallback)", async () => {
    const r = await cli(["fetch", ...NEW_TASKS, "--lock", "lock.json", "--json"]);
    expect(r.stderr).not.toMatch(/InternalError/);
    expect(r.code, r.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(fx.work, "lock.json"), "utf8")) as unknown;
    const text = JSON.stringify(lock);
    expect(text).toContain("lmms-lab-encoder/ai2d");
    expect(text).toContain("lmms-lab-encoder/RealWorldQA");
    expect(text).toContain("echo840/OCRBench");
  });

  it("fetch accepts a group and names groups when a name is unknown", async () => {
    const r = await cli(["fetch", "fastvlm-card", "--lock", "lock.json"]);
    expect(r.code, r.stderr).toBe(0);
    const lock = readFileSync(join(fx.work, "lock.json"), "utf8");
    for (const repo of ["lmms-lab/MMMU", "lmms-lab/SEED-Bench", "lmms-lab/textvqa"])
      expect(lock).toContain(repo);
    const bad = await cli(["fetch", "fastvlm-crad"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Did you mean 'fastvlm-card'/);
  });

  it("inspect prints each task's prompt as lmms-eval builds it from the row", async () => {
    const expected: Record<string, (d: Record<string, unknown>) => string> = {
      chartqa: (d) => `${d.question}\nAnswer the question with a single word.`,
      infovqa: (d) => `${d.question}\nAnswer the question using a single word or phrase.`,
      ocrbench: (d) => String(d.question).trim(),
      ai2d: (d) =>
        `${d.question}\n${(d.options as string[]).map((o, i) => `${"ABCDE"[i]}. ${o}`).join("\n")}${MC}`,
      scienceqa_img: (d) =>
        `${d.hint ? `Context: ${d.hint}\n` : ""}${d.question}\n${(d.choices as string[]).map((o, i) => `${"ABCDE"[i]}. ${o}`).join("\n")}${MC}`,
      realworldqa: (d) => String(d.question).trim(),
      vqav2: (d) => `${d.question}\nAnswer the question using a single word or phrase.`,
    };
    const root = await fixtureRoot({ rowsPerTask: 5 });
    for (const task of NEW_TASKS) {
      const r = await cli(["inspect", task, "--lock", "lock.json", "--json", "--n", "16"]);
      expect(r.code, `${task}: ${r.stderr}`).toBe(0);
      const prompts = r.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { prompt: string }).prompt);
      // The raw parquet rows, read without the task code.
      const { dir } = fixtureDataset(root, task as FixtureTask);
      const { config, split } = TASKS[task]!.dataset;
      const rows: Record<string, unknown>[] = [];
      for (const f of fixtureSplitFiles(dir, config, split))
        for await (const row of streamParquetRows(f)) rows.push(row);
      expect(prompts, task).toEqual(rows.map((row) => expected[task]!(row)));
    }
  });

  it("list shows the task groups", async () => {
    const r = await cli(["list", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      tasks: { name: string }[];
      groups: { name: string; tasks: string[] }[];
    };
    expect(j.tasks.map((t) => t.name)).toEqual(expect.arrayContaining(NEW_TASKS));
    const card = j.groups.find((g) => g.name === "fastvlm-card")!;
    expect(card.tasks).toHaveLength(11);
    expect(j.groups.find((g) => g.name === "all")!.tasks).toEqual(j.tasks.map((t) => t.name));
    const text = await cli(["list"]);
    expect(text.stdout).toMatch(/Task groups[\s\S]*fastvlm-card\s+ai2d scienceqa_img mmmu/);
  });
});

interface OracleCase {
  prediction: string;
  reference: Record<string, unknown>;
  score: number | null;
}

/** A raw dataset row (Hub column names) that carries the given reference. */
function docOf(task: string, ref: Record<string, unknown>): Record<string, unknown> {
  const letters = (letter: string) =>
    Array.from({ length: letter.charCodeAt(0) - 64 }, (_, i) => `option ${i}`);
  switch (task) {
    case "chartqa":
      return { question: "q?", answer: ref.answer, type: ref.type };
    case "infovqa":
      return { questionId: "1", question: "q?", answers: ref.answers, answer_type: ["single span"] };
    case "ocrbench":
      return { question: "q?", answer: ref.answers, dataset: ref.dataset, question_type: ref.questionType };
    case "ai2d": {
      const options = letters(String(ref.answer));
      return { question: "q?", options, answer: String(options.length - 1) };
    }
    case "scienceqa_img": {
      const choices = letters(String(ref.answer));
      return { question: "q?", choices, answer: choices.length - 1, hint: "", subject: "natural science" };
    }
    case "realworldqa":
      return { question: "q?", answer: ref.answer };
    default:
      return { question: "q?", answers: ref.answers, answer_type: ref.answerType, question_id: 1 };
  }
}

describe("score --task on raw dataset rows reproduces the reference", () => {
  const cases: [string, string, string][] = [
    ["chartqa", "relaxed_correctness", "relaxed_overall"],
    ["infovqa", "infovqa_anls", "anls"],
    ["ocrbench", "ocrbench", "ocrbench_accuracy"],
    ["ai2d", "ai2d", "exact_match"],
    ["scienceqa_img", "scienceqa", "exact_match"],
    ["realworldqa", "realworldqa", "exact_match"],
    ["vqav2", "vqav2", "vqa_accuracy"],
  ];
  it.each(cases)("%s", async (task, fixture, primary) => {
    const data = JSON.parse(readFileSync(join(FIXTURES, `oracle-${fixture}.json`), "utf8")) as
      | OracleCase[]
      | { samples: OracleCase[]; aggregate?: Record<string, number> };
    const all = Array.isArray(data) ? data : data.samples;
    const aggregate = Array.isArray(data) ? {} : (data.aggregate ?? {});
    const scoredCases = all.filter((c) => c.score !== null);
    const file = join(fx.work, `${task}.jsonl`);
    writeFileSync(
      file,
      scoredCases
        .map((c, i) =>
          JSON.stringify({ id: `${task}-${i}`, prediction: c.prediction, doc: docOf(task, c.reference) }),
        )
        .join("\n"),
    );
    const out = join(fx.work, `scored-${task}`);
    const r = await cli(["score", "--task", task, "--predictions", file, "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(join(out, "samples.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; score: number });
    expect(lines).toHaveLength(scoredCases.length);
    const bad = lines.filter((l, i) => Math.abs(l.score - scoredCases[i]!.score!) > 1e-9);
    expect(bad).toEqual([]);
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as RunRecord;
    const mean = scoredCases.reduce((a, c) => a + c.score!, 0) / scoredCases.length;
    expect(Math.abs(run.metrics[primary]! - mean)).toBeLessThan(1e-9);
    for (const [k, v] of Object.entries(aggregate))
      expect(Math.abs(run.metrics[k]! - v), k).toBeLessThan(1e-9);
  });
});

describe("run fastvlm-card", () => {
  it("runs all eleven card tasks; the leaderboard and compare --card show the card beside them", async () => {
    const out = join(fx.work, "card-runs");
    const r = await cli([
      "run",
      "fastvlm-card",
      "--model",
      // The tiny ONNX model runs every task in the demo test; a baseline keeps this one quick.
      "baseline:random",
      "--limit",
      "20",
      "--out",
      out,
      "--latency-samples",
      "1",
      "--warmup",
      "0",
      "--json",
      "--lock",
      "lock.json",
    ]);
    expect(r.stderr).not.toMatch(/InternalError/);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const records = JSON.parse(r.stdout) as RunRecord[];
    expect(records.map((x) => x.task.name)).toEqual([
      "ai2d",
      "scienceqa_img",
      "mmmu",
      "vqav2",
      "chartqa",
      "textvqa",
      "infovqa",
      "docvqa",
      "ocrbench",
      "realworldqa",
      "seedbench",
    ]);
    for (const rec of records) {
      expect(rec.status, rec.task.name).toBe("complete");
      expect(rec.nSamples.scored, rec.task.name).toBeGreaterThan(0);
    }

    const lbDir = join(fx.work, "lb");
    const lb = await cli(["leaderboard", "--runs", out, "--out", lbDir, "--tasks", "fastvlm-card", "--json"]);
    expect(lb.code, lb.stderr).toBe(0);
    const board = JSON.parse(lb.stdout) as {
      columns: unknown[];
      rows: unknown[];
      references: { scores: object }[];
    };
    expect(board.columns).toHaveLength(11);
    expect(board.rows).toHaveLength(1);
    expect(board.references).toHaveLength(3);
    for (const ref of board.references) expect(Object.keys(ref.scores)).toHaveLength(11);

    const cmp = await cli(["compare", out, "--card", "fastvlm-0.5b", "--json"]);
    expect(cmp.code, cmp.stderr).toBe(0);
    const deltas = (JSON.parse(cmp.stdout) as { runs: { deltas: { task: string }[] }[] }).runs[0]!.deltas;
    expect(deltas).toHaveLength(11);
    const text = await cli(["compare", out, "--card", "fastvlm-0.5b"]);
    expect(text.stdout).toMatch(/ocrbench\s+ocrbench_accuracy\s+\d+\.\d\s+63\.9\s+[+−]\d/);
    expect(text.stdout).toMatch(/state neither the split/);
  });
});
