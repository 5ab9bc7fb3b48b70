/**
 * Time to re-score 10,000 saved predictions (target ≤ 2 s): what `fastvlm-eval score <run-dir>` does —
 * read and schema-validate samples.jsonl, score every prediction again, aggregate, bootstrap CIs.
 * Two metrics: ANLS (DocVQA; Levenshtein per answer) and VQA accuracy (TextVQA; 10 answers each).
 * The samples.jsonl files are synthetic but valid records, written into a temp folder.
 *
 * The target is the CLI end to end: `fastvlm-eval score --task T --predictions 10k.jsonl --out D` writes a
 * run folder, then `fastvlm-eval score D` (re-score the saved run) is timed, process start included.
 * The in-process breakdown (read, score, aggregate, CI) is kept in the details.
 *
 *   node --import tsx bench/rescore.ts [--n 10000] [--json]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCORERS } from "../scorers/index.js";
import { readSamples, type SampleRecord } from "../src/core/records.js";
import type { Json, ScoredSample } from "../src/core/types.js";
import { loadCi, summarize } from "../src/runner/index.js";
import { emit, intFlag, log, machine, ROOT, round, target } from "./common.js";

const n = intFlag("n", 10_000);
const startMachine = machine();
const WORDS = [
  "total",
  "invoice",
  "march",
  "1998",
  "smith",
  "tobacco",
  "42",
  "report",
  "page",
  "yes",
  "no",
  "blue",
];

function synthetic(kind: "anls" | "vqa_accuracy", i: number): SampleRecord {
  const w = (k: number): string => WORDS[(i * 7 + k * 3) % WORDS.length]!;
  const answers =
    kind === "anls"
      ? [`${w(0)} ${w(1)}`, `${w(0)}`]
      : Array.from({ length: 10 }, (_, k) => (k < 6 ? w(0) : w(k)));
  const prediction = i % 3 === 0 ? answers[0]! : i % 3 === 1 ? `${w(0)}s ${w(2)}` : w(5);
  return {
    id: `s${i}`,
    stratum: null,
    prediction,
    parsed: prediction,
    parseOk: true,
    rule: "raw",
    score: 0,
    reference: { answers },
    error: null,
    timing: { preprocessMs: 10, visionMs: 20, prefillMs: 30, ttftMs: 60, decodeMs: 40, totalMs: 100 },
    tokens: { prompt: 300, visual: 256, output: 4 },
    concurrency: 1,
  };
}

const ci = await loadCi();
const results: Record<string, Record<string, number>> = {};
let worst = 0;
const root = mkdtempSync(join(tmpdir(), "bench-rescore-"));
try {
  for (const kind of ["anls", "vqa_accuracy"] as const) {
    const dir = join(root, kind);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "samples.jsonl"),
      `${Array.from({ length: n }, (_, i) => JSON.stringify(synthetic(kind, i))).join("\n")}\n`,
    );
    const scorer = SCORERS[kind]!;
    const t0 = performance.now();
    const { records } = readSamples(dir);
    const t1 = performance.now();
    const rescored: SampleRecord[] = records.map((r) => {
      const s = scorer.scoreSample(r.prediction ?? "", r.reference as Json, r.id);
      return { ...r, score: s.score, parsed: s.parsed, parseOk: s.parseOk, rule: s.rule };
    });
    const t2 = performance.now();
    const scored: ScoredSample<Json>[] = rescored.map((r) => ({
      id: r.id,
      reference: r.reference,
      result: { score: r.score ?? 0, parsed: r.parsed, parseOk: r.parseOk, rule: r.rule },
    }));
    scorer.aggregate(scored);
    const t3 = performance.now();
    const summary = summarize(scorer, rescored, 0, ci);
    const t4 = performance.now();
    const total = t4 - t0 - (t3 - t2); // aggregate once: summarize aggregates again
    results[kind] = {
      readValidateMs: round(t1 - t0),
      scoreMs: round(t2 - t1),
      aggregateMs: round(t3 - t2),
      summarizeWithCiMs: round(t4 - t3),
      totalS: round(total / 1000),
      ciMetrics: Object.keys(summary.ci ?? {}).length,
    };
    worst = Math.max(worst, total / 1000);
    log(`  ${kind}: ${n} predictions re-scored in ${(total / 1000).toFixed(2)} s`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const cli = join(ROOT, "dist", "src", "cli.js");
if (!existsSync(join(ROOT, "dist", "src", "commands", "score.js"))) {
  log("rescore: building dist/…");
  spawnSync(
    process.execPath,
    [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: ROOT,
      stdio: "inherit",
    },
  );
}
const cliTimes: Record<string, { scoreFileS: number; rescoreRunS: number }> = {};
let worstCli = 0;
const cliRoot = mkdtempSync(join(tmpdir(), "bench-rescore-cli-"));
try {
  for (const [task, kind] of [
    ["docvqa", "anls"],
    ["textvqa", "vqa_accuracy"],
  ] as const) {
    const file = join(cliRoot, `${task}.jsonl`);
    writeFileSync(
      file,
      `${Array.from({ length: n }, (_, i) => {
        const r = synthetic(kind, i);
        return JSON.stringify({ id: r.id, prediction: r.prediction, doc: r.reference });
      }).join("\n")}\n`,
    );
    const outDir = join(cliRoot, task);
    const run = (args: string[]): number => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`fastvlm-eval ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
      return (performance.now() - t0) / 1000;
    };
    const scoreFileS = run(["score", "--task", task, "--predictions", file, "--out", outDir, "--json"]);
    const rescoreRunS = run(["score", outDir, "--json"]);
    cliTimes[task] = { scoreFileS: round(scoreFileS), rescoreRunS: round(rescoreRunS) };
    worstCli = Math.max(worstCli, rescoreRunS);
    log(
      `  fastvlm-eval score (${task}, ${n}): file → run ${scoreFileS.toFixed(2)} s; re-score run ${rescoreRunS.toFixed(2)} s`,
    );
  }
} finally {
  rmSync(cliRoot, { recursive: true, force: true });
}

emit({
  step: "rescore",
  machine: startMachine,
  targets: [
    target(
      `fastvlm-eval score <run-dir>, ${n} predictions`,
      worstCli,
      "<=",
      2,
      "s",
      "worst of docvqa/textvqa, process start included",
    ),
  ],
  details: {
    n,
    cli: cliTimes,
    inProcessWorstS: round(worst),
    bootstrapCi: ci !== undefined,
    perMetric: results,
    loadavgEnd: machine().loadavg1,
  },
});
