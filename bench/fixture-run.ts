/**
 * Bench helpers that run the harness over the test fixture datasets: a fixture task and its files, a
 * warm-up generation, and an accuracy pass of the runner. Heavy modules load inside the functions so steps
 * that only need bench/common.ts stay light.
 */
import type { FixtureTask } from "../scripts/make-fixtures.js";
import type { ModelBackend } from "../src/core/types.js";
import type { DatasetFiles } from "../src/data/samples.js";
import type { TaskRunResult } from "../src/runner/task-run.js";
import type { AnyTask } from "../tasks/index.js";

/** A fixture task (test/helpers/fixtures.ts) and its dataset files under a fixture root. */
export async function fixtureTask(
  root: string,
  name: FixtureTask,
): Promise<{ task: AnyTask; dataset: DatasetFiles }> {
  // Imported here so that steps which only need bench/common.ts (and bench/data.ts's children) stay light.
  const { TASKS } = await import("../tasks/index.js");
  const { fixtureDatasetFiles } = await import("../test/helpers/fixtures.js");
  const task = TASKS[name]!;
  return {
    task,
    dataset: fixtureDatasetFiles(root, name, { config: task.dataset.config, split: task.dataset.split }),
  };
}

/** One generation on the task's first sample (warms the model's sessions before anything is timed). */
export async function warmOnFirstSample(
  model: ModelBackend,
  task: AnyTask,
  dataset: DatasetFiles,
  maxNewTokens: number,
): Promise<void> {
  const { loadSamples } = await import("../src/data/samples.js");
  for await (const s of loadSamples(task, dataset)) {
    await model.generate({ images: s.images, prompt: s.prompt, generation: { maxNewTokens, stop: [] } });
    break;
  }
}

/** An accuracy pass of the runner over a fixture dataset: no latency pass, fresh, greedy, pad images. */
export async function runFixtureTask(opts: {
  task: AnyTask;
  dataset: DatasetFiles;
  model: ModelBackend;
  out: string;
  limit: number | null;
  concurrency: number;
  maxNewTokens: number;
}): Promise<TaskRunResult> {
  const { openSampleSource } = await import("../src/data/sample-source.js");
  const { silentProgress } = await import("../src/runner/progress.js");
  const { runTask } = await import("../src/runner/task-run.js");
  const { task, dataset } = opts;
  const source = openSampleSource(task, dataset);
  return runTask({
    task,
    scorer: task.scorer,
    dataset: { repo: dataset.repo, config: task.dataset.config, split: task.dataset.split, sha: dataset.sha },
    samples: () => source.samples(),
    samplesInOrder: (ids) => source.samplesInOrder(ids),
    model: opts.model,
    settings: {
      out: opts.out,
      limit: opts.limit,
      subsetSeed: 0,
      shard: null,
      concurrency: opts.concurrency,
      latencySamples: 0,
      warmup: 0,
      maxNewTokens: opts.maxNewTokens,
      fresh: true,
      maxErrorRate: 1,
      reuse: true,
      promptSettings: { imageMode: "pad" },
    },
    progress: silentProgress,
  });
}
