/**
 * `fastvlm-eval score` end to end through dist/src/cli.js: predictions files for all six tasks scored and
 * compared with the reference Python's values (test/unit/scorers/fixtures/oracle-*.json), malformed input
 * reported all at once with nothing written, and re-scoring a saved run folder.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../unit/scorers/fixtures/", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "score-e2e-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface OracleCase {
  id?: string;
  prediction: string;
  reference: Record<string, unknown>;
  score: number | null;
  parsed?: unknown;
}

function oracle(name: string): {
  samples: OracleCase[];
  aggregate?: Record<string, number>;
  aggregate_ids?: string[];
} {
  const data = JSON.parse(readFileSync(join(FIXTURES, `oracle-${name}.json`), "utf8")) as unknown;
  return Array.isArray(data) ? { samples: data as OracleCase[] } : (data as ReturnType<typeof oracle>);
}

/** Python list literal of plain strings (the MMMU `options` column format). */
function pyList(items: string[]): string {
  return `[${items.map((s) => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`).join(", ")}]`;
}

/** The Hub doc fields each task reads, rebuilt from a scorer reference. */
function docOf(task: string, id: string, ref: Record<string, unknown>): Record<string, unknown> {
  switch (task) {
    case "gqa":
      return { question: "q?", answer: ref.answer };
    case "textvqa":
    case "docvqa":
      return { question: "q?", answers: ref.answers };
    case "pope":
      return { question: "q?", answer: ref.answer, category: ref.category };
    case "seedbench":
      return {
        question: "q?",
        choice_a: "a",
        choice_b: "b",
        choice_c: "c",
        choice_d: "d",
        answer: ref.answer,
        data_type: ref.dataType,
        question_type_id: ref.questionTypeId,
      };
    default: {
      const options = ref.options as string[];
      return {
        id,
        question: "q?",
        options: pyList(options),
        answer: ref.answer,
        question_type: ref.questionType,
      };
    }
  }
}

interface RunJson {
  metrics: Record<string, number>;
  ci: Record<string, [number, number]>;
  nSamples: { total: number; scored: number; failed: number; parseFailures: number };
  task: { name: string; version: number; scorer: { name: string; version: number } };
  notes?: string[];
}

function scoreTask(task: string, fixture: string, keep?: (c: OracleCase) => boolean) {
  const { samples, aggregate, aggregate_ids } = oracle(fixture);
  const ids = aggregate_ids ? new Set(aggregate_ids) : null;
  const cases = samples
    .map((c, i) => ({ ...c, id: c.id ?? `${task}-${i}` }))
    .filter((c) => c.score !== null && (!ids || ids.has(c.id)) && (keep ? keep(c) : true));
  const file = join(tmp, `${task}.jsonl`);
  writeFileSync(
    file,
    cases
      .map((c) => JSON.stringify({ id: c.id, prediction: c.prediction, doc: docOf(task, c.id, c.reference) }))
      .join("\n"),
  );
  const out = join(tmp, `out-${task}`);
  const r = cli(["score", "--task", task, "--predictions", file, "--out", out, "--json"]);
  return { r, out, cases, aggregate };
}

function readLines(
  dir: string,
): { id: string; score: number; parsed: unknown; parseOk: boolean; rule: string }[] {
  return readFileSync(join(dir, "samples.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map(
      (l) => JSON.parse(l) as { id: string; score: number; parsed: unknown; parseOk: boolean; rule: string },
    );
}

describe("fastvlm-eval score --predictions: every per-sample score and aggregate equals the reference", () => {
  const tasks: [string, string, string][] = [
    ["gqa", "exact_match", "exact_match"],
    ["textvqa", "vqa_accuracy", "vqa_accuracy"],
    ["docvqa", "anls", "anls"],
    ["pope", "pope", "f1"],
    ["seedbench", "seed", "seed_image"],
    ["mmmu", "mmmu", "accuracy"],
  ];
  it.each(tasks)("%s", (task, fixture, primary) => {
    const { r, out, cases, aggregate } = scoreTask(task, fixture);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const lines = readLines(out);
    expect(lines.map((l) => l.id)).toEqual(cases.map((c) => c.id)); // input order
    lines.forEach((l, i) => {
      expect(
        Math.abs(l.score - cases[i]!.score!),
        `${l.id}: ${JSON.stringify(cases[i]!.prediction)}`,
      ).toBeLessThan(1e-9);
    });
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as RunJson;
    const printed = JSON.parse(r.stdout) as RunJson & { dir: string };
    expect(printed.metrics).toEqual(run.metrics);
    expect(run.nSamples.total).toBe(cases.length);
    expect(run.metrics).toHaveProperty("parse_failure_rate");
    expect(run.ci[primary]).toHaveLength(2);
    expect(run.task.scorer.name).toBe(fixture);
    const mean = cases.reduce((a, c) => a + c.score!, 0) / cases.length;
    if (["gqa", "textvqa", "docvqa"].includes(task))
      expect(Math.abs(run.metrics[primary]! - mean)).toBeLessThan(1e-9);
    for (const [k, v] of Object.entries(aggregate ?? {})) {
      expect(Math.abs(run.metrics[k]! - v), k).toBeLessThan(1e-9);
    }
  });

  it("prints a metrics table on stdout without --json", () => {
    const file = join(tmp, "pope-small.jsonl");
    writeFileSync(
      file,
      [
        { id: "1", prediction: "Yes", doc: { question: "q", answer: "yes", category: "random" } },
        { id: "2", prediction: "Yes, there is", doc: { question: "q", answer: "yes", category: "random" } },
        { id: "3", prediction: "no", doc: { question: "q", answer: "no", category: "adversarial" } },
      ]
        .map((x) => JSON.stringify(x))
        .join("\n"),
    );
    const r = cli(["score", "--task", "pope", "--predictions", file, "--out", join(tmp, "pope-small")]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split("\n");
    expect(rows[2]).toMatch(/^f1\s+1\b/); // primary first: precision 1, recall 1 ("Yes, there is" is no FN)
    expect(r.stdout).toMatch(/accuracy\s+0\.6667/);
    expect(r.stdout).toMatch(/parse_failure_rate\s+0\.3333/);
    expect(r.stdout).toMatch(/f1\/adversarial/);
  });
});

describe("fastvlm-eval score: bad input", () => {
  it("reports every malformed line with its number, writes nothing, exits 2", () => {
    const file = join(tmp, "bad.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ id: "a", prediction: "yes", doc: { answer: "yes" } }), // gqa-valid
        "{not json",
        JSON.stringify({ id: "b", prediction: 3, doc: { answer: "x" } }),
        "",
        JSON.stringify({ id: "a", prediction: "no", doc: { answer: "no" } }),
        JSON.stringify({ id: "c", prediction: "x" }),
        JSON.stringify(["array"]),
        JSON.stringify({ id: "d", prediction: "x", doc: { answer: 5 } }),
      ].join("\n"),
    );
    const out = join(tmp, "bad-out");
    const r = cli(["score", "--task", "gqa", "--predictions", file, "--out", out]);
    expect(r.code).toBe(2);
    for (const n of [2, 3, 5, 6, 7, 8]) expect(r.stderr).toMatch(new RegExp(`line ${n}:`));
    expect(r.stderr).not.toMatch(/line 1:/);
    expect(r.stderr).not.toMatch(/line 4:/);
    expect(r.stderr).toMatch(/duplicate id "a" \(first on line 1\)/);
    expect(r.stderr).toMatch(/6 malformed line/);
    expect(existsSync(out)).toBe(false);
  });

  it("unknown task: did you mean, exit 2", () => {
    const r = cli(["score", "--task", "docvq", "--predictions", "x.jsonl", "--out", join(tmp, "x")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Did you mean 'docvqa'/);
  });

  it("missing flags and mixed forms are usage errors", () => {
    const a = cli(["score", "--task", "gqa"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/missing: --predictions, --out/);
    const b = cli(["score", tmp, "--task", "gqa"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/not both/);
  });
});

describe("fastvlm-eval score <run-dir>: re-score a saved run", () => {
  it("rewrites scores and metrics from the predictions and records the scorer change", () => {
    const { r, out, cases } = scoreTask("docvqa", "anls");
    expect(r.code).toBe(0);
    const good = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as RunJson;
    // Corrupt the folder as an older scorer might have left it: wrong scores, old version, stale metrics.
    const lines = readFileSync(join(out, "samples.jsonl"), "utf8").trim().split("\n");
    writeFileSync(
      join(out, "samples.jsonl"),
      `${lines.map((l) => JSON.stringify({ ...JSON.parse(l), score: 0, rule: "old" })).join("\n")}\n`,
    );
    writeFileSync(
      join(out, "run.json"),
      JSON.stringify({
        ...good,
        metrics: { anls: 0 },
        task: { ...good.task, scorer: { name: "anls", version: 0 } },
      }),
    );
    const rs = cli(["score", out, "--json"]);
    expect(rs.stderr).not.toMatch(/error:/);
    expect(rs.code).toBe(0);
    const after = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as RunJson;
    expect(after.task.scorer.version).toBe(1);
    expect(after.notes?.at(-1)).toMatch(/anls v0 → anls v1/);
    expect(Math.abs(after.metrics.anls! - good.metrics.anls!)).toBeLessThan(1e-12);
    const rescored = readLines(out);
    expect(rescored).toHaveLength(cases.length);
    const byId = new Map(cases.map((c) => [c.id, c.score!]));
    for (const l of rescored) {
      expect(Math.abs(l.score - byId.get(l.id)!)).toBeLessThan(1e-9);
      expect(l.rule).not.toBe("old");
    }
  });

  it("a folder without run.json is a data error (exit 2)", () => {
    const r = cli(["score", join(tmp, "nowhere")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No run.json/);
  });
});
