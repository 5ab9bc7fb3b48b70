/**
 * Thread settings for concurrent sessions: accuracy-pass throughput of the runner (fixture DocVQA, the same
 * N samples) with (concurrency 1, default threads), (concurrency 2, default threads) and (concurrency 2,
 * 1 intra-op thread per session). ORT's default intra-op pool is one thread per physical core per
 * session, so two in-flight prefills on a 2-core machine oversubscribe. Configurations alternate over
 * `--rounds` rounds; the figure is samples/s, median over rounds.
 *
 *   node --import tsx bench/threads.ts [--model real|tiny] [--samples 8] [--rounds 2] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCORERS } from "../scorers/index.js";
import type { FixtureTask } from "../scripts/make-fixtures.js";
import type { Json, ModelBackend, TaskSample } from "../src/core/types.js";
import { loadSamples } from "../src/data/samples.js";
import { loadFastVLM } from "../src/models/fastvlm/engine.js";
import { silentProgress } from "../src/runner/progress.js";
import { runTask } from "../src/runner/task-run.js";
import { TASKS } from "../tasks/index.js";
import { fixtureDatasetFiles, fixtureRoot } from "../test/helpers/fixtures.js";
import {
  type BenchModel,
  emit,
  ensureModel,
  flag,
  intFlag,
  log,
  machine,
  median,
  realModelProblem,
  round,
  target,
} from "./common.js";

const kind = (flag("model") ?? "real") as BenchModel;
const samples = intFlag("samples", 8);
const rounds = intFlag("rounds", 2);
const startMachine = machine();
if (kind === "real" && realModelProblem()) {
  emit({
    step: `threads-${kind}`,
    machine: startMachine,
    targets: [],
    details: { skipped: realModelProblem() },
  });
  process.exit(0);
}

const dir = await ensureModel(kind);
const root = await fixtureRoot({ rowsPerTask: Math.max(16, samples) });
const name: FixtureTask = "docvqa";
const task = TASKS[name]!;
const dataset = fixtureDatasetFiles(root, name, { config: task.dataset.config, split: task.dataset.split });
const engines = { default: await loadFastVLM(dir), one: await loadFastVLM(dir, { threads: 1 }) };
const configs: { label: string; engine: ModelBackend; concurrency: number }[] = [
  { label: "c1-default", engine: engines.default, concurrency: 1 },
  { label: "c2-default", engine: engines.default, concurrency: 2 },
  { label: "c2-threads1", engine: engines.one, concurrency: 2 },
];
const out = mkdtempSync(join(tmpdir(), "bench-threads-"));
const rates: Record<string, number[]> = Object.fromEntries(configs.map((c) => [c.label, []]));
try {
  for (const c of configs) {
    // Warm each engine once.
    for await (const s of loadSamples(task, dataset)) {
      await c.engine.generate({
        images: s.images,
        prompt: s.prompt,
        generation: { maxNewTokens: 4, stop: [] },
      });
      break;
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 === 0 ? configs : [...configs].reverse()) {
      const t0 = performance.now();
      await runTask({
        task,
        scorer: SCORERS[task.scorer]!,
        dataset: {
          repo: dataset.repo,
          config: task.dataset.config,
          split: task.dataset.split,
          sha: dataset.sha,
        },
        samples: () => loadSamples(task, dataset) as AsyncIterable<TaskSample<Json>>,
        model: c.engine,
        settings: {
          out: join(out, `${c.label}-${r}`),
          limit: samples,
          subsetSeed: 0,
          shard: null,
          concurrency: c.concurrency,
          latencySamples: 0,
          warmup: 0,
          maxNewTokens: 8,
          fresh: true,
          maxErrorRate: 1,
          promptSettings: { imageMode: "pad" },
        },
        progress: silentProgress,
      });
      const rate = samples / ((performance.now() - t0) / 1000);
      rates[c.label]!.push(rate);
      log(`  round ${r + 1}: ${c.label} ${rate.toFixed(2)} samples/s`);
    }
  }
} finally {
  await engines.default.dispose();
  await engines.one.dispose();
  rmSync(out, { recursive: true, force: true });
}
const med = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, round(median(v))]));
emit({
  step: `threads-${kind}`,
  machine: startMachine,
  targets: [
    target(
      `throughput c2-threads1 ÷ c2-default (${kind}, info)`,
      (med["c2-threads1"] ?? 0) / (med["c2-default"] ?? 1),
      ">=",
      1,
      "ratio",
      "≥ 1 means one intra-op thread per session is better under concurrency 2",
    ),
  ],
  details: {
    model: kind,
    samples,
    rounds,
    cores: startMachine.nproc,
    samplesPerSec: med,
    all: rates,
    loadavgEnd: machine().loadavg1,
  },
});
