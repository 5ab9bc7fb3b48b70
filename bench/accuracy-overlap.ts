/**
 * Accuracy-run wall time ÷ the model's own time over the same samples (target ≤ 1.05: reading parquet,
 * decoding rows, scoring and writing samples.jsonl hide under inference).
 *
 * The runner (runTask) runs fixture datasets on the tiny model at concurrency 1 with no latency pass;
 * model time is the sum of each sample's timing.totalMs read back from samples.jsonl (at concurrency 1
 * those spans do not overlap). The model is loaded and warmed up before the clock starts, and one untimed
 * two-sample run loads the runner's, scorers' and data layer's modules first (a one-off per process, not
 * part of any run's overhead).
 *
 *   node --import tsx bench/accuracy-overlap.ts [--rows 16] [--max-new-tokens 8] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FixtureTask } from "../scripts/make-fixtures.js";
import { readSamples } from "../src/core/records.js";
import { loadFastVLM } from "../src/models/fastvlm/engine.js";
import { fixtureRoot } from "../test/helpers/fixtures.js";
import { emit, ensureModel, intFlag, log, machine, round, target } from "./common.js";
import { fixtureTask, runFixtureTask, warmOnFirstSample } from "./fixture-run.js";

const rows = intFlag("rows", 16);
const maxNewTokens = intFlag("max-new-tokens", 8);
const startMachine = machine();
const TASK_NAMES: FixtureTask[] = ["docvqa", "pope"];

log(`accuracy-overlap: fixtures (${rows} rows per task) and the tiny model…`);
const root = await fixtureRoot({ rowsPerTask: rows });
const dir = await ensureModel("tiny");
const engine = await loadFastVLM(dir);
const out = mkdtempSync(join(tmpdir(), "bench-overlap-"));
const perTask: Record<string, { samples: number; wallMs: number; modelMs: number; ratio: number }> = {};
let wallSum = 0;
let modelSum = 0;
try {
  const warm = await fixtureTask(root, "docvqa");
  await warmOnFirstSample(engine, warm.task, warm.dataset, maxNewTokens);
  await runFixtureTask({ ...warm, model: engine, out, limit: 2, concurrency: 1, maxNewTokens });
  for (const name of TASK_NAMES) {
    const { task, dataset } = await fixtureTask(root, name);
    const t0 = performance.now();
    const result = await runFixtureTask({
      task,
      dataset,
      model: engine,
      out,
      limit: null,
      concurrency: 1,
      maxNewTokens,
    });
    const wallMs = performance.now() - t0;
    const records = readSamples(result.dir).records;
    const modelMs = records.reduce((s, r) => s + (r.timing?.totalMs ?? 0), 0);
    perTask[name] = {
      samples: records.length,
      wallMs: round(wallMs),
      modelMs: round(modelMs),
      ratio: round(wallMs / modelMs),
    };
    wallSum += wallMs;
    modelSum += modelMs;
    log(`  ${name}: ${records.length} samples, wall ${wallMs.toFixed(0)} ms, model ${modelMs.toFixed(0)} ms`);
  }
} finally {
  await engine.dispose();
  rmSync(out, { recursive: true, force: true });
}

emit({
  step: "accuracy-overlap",
  machine: startMachine,
  targets: [
    target(
      "accuracy-run wall/model time",
      wallSum / modelSum,
      "<=",
      1.05,
      "ratio",
      `tiny model, concurrency 1, ${TASK_NAMES.join("+")} fixtures`,
    ),
  ],
  details: {
    rowsPerTask: rows,
    maxNewTokens,
    perTask,
    wallMs: round(wallSum),
    modelMs: round(modelSum),
    loadavgEnd: machine().loadavg1,
  },
});
