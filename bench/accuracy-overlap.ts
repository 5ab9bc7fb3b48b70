/**
 * Accuracy-run wall time ÷ the model's own time over the same samples (target ≤ 1.05: reading parquet,
 * decoding rows, scoring and writing samples.jsonl hide under inference).
 *
 * The runner (runTask) runs fixture datasets on the tiny model at concurrency 1 with no latency pass;
 * model time is the sum of each sample's timing.totalMs read back from samples.jsonl (at concurrency 1
 * those spans do not overlap). The model is loaded and warmed up before the clock starts.
 *
 *   node --import tsx bench/accuracy-overlap.ts [--rows 16] [--max-new-tokens 8] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCORERS } from "../scorers/index.js";
import type { FixtureTask } from "../scripts/make-fixtures.js";
import { readSamples } from "../src/core/records.js";
import type { Json, TaskSample } from "../src/core/types.js";
import { loadSamples } from "../src/data/samples.js";
import { loadFastVLM } from "../src/models/fastvlm/engine.js";
import { silentProgress } from "../src/runner/progress.js";
import { runTask } from "../src/runner/task-run.js";
import { TASKS } from "../tasks/index.js";
import { fixtureDatasetFiles, fixtureRoot } from "../test/helpers/fixtures.js";
import { emit, ensureModel, intFlag, log, machine, round, target } from "./common.js";

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
  const warm = TASKS.docvqa!;
  const files = fixtureDatasetFiles(root, "docvqa", {
    config: warm.dataset.config,
    split: warm.dataset.split,
  });
  for await (const s of loadSamples(warm, files)) {
    await engine.generate({ images: s.images, prompt: s.prompt, generation: { maxNewTokens, stop: [] } });
    break;
  }
  for (const name of TASK_NAMES) {
    const task = TASKS[name]!;
    const dataset = fixtureDatasetFiles(root, name, {
      config: task.dataset.config,
      split: task.dataset.split,
    });
    const t0 = performance.now();
    const result = await runTask({
      task,
      scorer: SCORERS[task.scorer]!,
      dataset: {
        repo: dataset.repo,
        config: task.dataset.config,
        split: task.dataset.split,
        sha: dataset.sha,
      },
      samples: () => loadSamples(task, dataset) as AsyncIterable<TaskSample<Json>>,
      model: engine,
      settings: {
        out,
        limit: null,
        subsetSeed: 0,
        shard: null,
        concurrency: 1,
        latencySamples: 0,
        warmup: 0,
        maxNewTokens,
        fresh: true,
        maxErrorRate: 1,
        promptSettings: { imageMode: "pad" },
      },
      progress: silentProgress,
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
