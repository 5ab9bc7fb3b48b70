/**
 * `runTasks`: the one entry point `run` and `demo` share. Resolves each task's data through the Hub layer,
 * loads the model once, runs every task (src/runner/task-run.ts) and returns their run records.
 */
import { humanBytes } from "../core/bytes.js";
import { InterruptedError, UsageError, unknownName } from "../core/errors.js";
import * as log from "../core/log.js";
import type { Json, ModelBackend, TaskDefinition, TaskSample } from "../core/types.js";
import type { HubEnv } from "../hub/env.js";
import type { DatasetFiles } from "../hub/index.js";
import type { ResolveOptions } from "../models/registry.js";
import { type ProgressSink, silentProgress, stderrProgress } from "./progress.js";
import { type CiFunction, type RunSettings, runTask, type TaskRunResult } from "./task-run.js";

export { type RunSettings, summarize, type TaskRunResult } from "./task-run.js";

/** Backend settings passed through to the backend registry (each backend reads its own part). */
export type ModelSettings = ResolveOptions;

/** Hub settings of the data side. */
export interface DataSettings {
  /** `--revision` for datasets: resolve this instead of the locked sha. */
  revision?: string;
  /** `--dataset-repo`: use this repo instead of the task's (one task only). */
  datasetRepo?: string;
  /** `--lock FILE`: the lock file (default datasets/lock.json). */
  lockFile?: string;
  /** `--retries` per request. */
  retries?: number;
  /** Hub env (endpoint, token, cache); default from process.env. */
  env?: HubEnv;
}

/** Options of runTasks. */
export interface RunTasksOptions {
  /** Task names (keys of TASKS), run in order. */
  tasks: string[];
  /** Model name, folder, `baseline:*` or `openai:*`; ignored when `backend` is given. */
  model: string;
  /** An already-open backend (tests, demo); runTasks does not dispose it. */
  backend?: ModelBackend;
  /** Run settings shared by the tasks. */
  settings: RunSettings;
  /** Engine settings. */
  modelSettings?: ModelSettings;
  /** Hub settings. */
  data?: DataSettings;
  /** Ctrl-C. */
  signal?: AbortSignal;
  /** Progress on stderr (default true). */
  progress?: boolean;
}

/** Opens a model through the backend registry (src/models/registry.ts), which picks the backend. */
export async function openModel(name: string, settings: ModelSettings = {}): Promise<ModelBackend> {
  const { resolveModel } = await import("../models/registry.js");
  return resolveModel(name, settings);
}

/** Bootstrap confidence intervals (src/stats/ci.ts), loaded lazily. */
export async function loadCi(): Promise<CiFunction> {
  const { confidenceIntervals } = await import("../stats/ci.js");
  return (scorer, samples, seed) => confidenceIntervals(scorer, samples, { seed });
}

/** Checks the task names; throws one UsageError listing every unknown name. */
export async function checkTaskNames(names: string[]): Promise<void> {
  const { TASKS } = await import("../../tasks/index.js");
  const valid = Object.keys(TASKS);
  const unknown = names.filter((n) => !(n in TASKS));
  if (unknown.length === 1) throw unknownName("task", unknown[0]!, valid);
  if (unknown.length > 1) {
    throw new UsageError(
      `Unknown tasks: ${unknown.map((n) => `'${n}'`).join(", ")}.`,
      `Valid tasks: ${valid.join(", ")}.`,
    );
  }
}

/** Runs every task on one model; returns one result per task, in order. */
export async function runTasks(options: RunTasksOptions): Promise<TaskRunResult[]> {
  // An unwritable --out fails now, not after the download and the model load.
  const { checkOutputDir } = await import("../core/fs-errors.js");
  checkOutputDir(options.settings.out, "the run folders (--out)");
  try {
    return await runTasksInner(options);
  } catch (err) {
    // Ctrl-C during a download or model load surfaces as whatever that layer throws: report it as what it is.
    if (options.signal?.aborted && !(err instanceof InterruptedError)) {
      throw new InterruptedError(
        "Interrupted.",
        "Finished samples are kept; re-run the same command to resume.",
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

async function runTasksInner(options: RunTasksOptions): Promise<TaskRunResult[]> {
  await checkTaskNames(options.tasks);
  const { TASKS } = await import("../../tasks/index.js");
  if (options.data?.datasetRepo !== undefined && options.tasks.length > 1) {
    throw new UsageError(
      "--dataset-repo applies to one task, but several were given.",
      "Run that task on its own.",
    );
  }
  // A mistyped --model fails before any download; loading it waits until the data is in hand.
  if (options.backend === undefined) (await import("../models/registry.js")).checkModelName(options.model);
  // Data first: a Hub problem should surface before minutes of model loading.
  const files = await resolveDatasets(options, TASKS);
  const { openSampleSource } = await import("../data/sample-source.js");
  const ci = await loadCi();
  const backend = options.backend ?? (await openRunModel(options));
  const results: TaskRunResult[] = [];
  try {
    for (const [i, name] of options.tasks.entries()) {
      const task = TASKS[name]!;
      const scorer = task.scorer;
      const dataset = files[i]!;
      let progress: ProgressSink = silentProgress;
      if (options.progress !== false) progress = await stderrProgress();
      const family = backend.info.family;
      const settings = settingsFor(task, family, options.settings);
      // One source per task: the selection pass notes where each row is, later passes read rows in order.
      const source = openSampleSource(task, dataset, family !== undefined ? { family } : {});
      const result = await runTask({
        task,
        scorer,
        dataset: {
          repo: dataset.repo,
          config: task.dataset.config,
          split: task.dataset.split,
          sha: dataset.sha,
        },
        samples: () => source.samples() as AsyncIterable<TaskSample<Json>>,
        samplesInOrder: (ids) => source.samplesInOrder(ids) as AsyncIterable<TaskSample<Json>>,
        model: backend,
        settings,
        ci,
        progress,
        signal: options.signal,
      });
      results.push(result);
    }
  } finally {
    if (options.backend === undefined) await backend.dispose();
  }
  return results;
}

/** Resolves (downloads or finds in the cache) every task's files, in order. */
async function resolveDatasets(
  options: RunTasksOptions,
  TASKS: Record<string, TaskDefinition<unknown, Json>>,
): Promise<DatasetFiles[]> {
  const { ensureDataset } = await import("../hub/index.js");
  const files: DatasetFiles[] = [];
  for (const name of options.tasks) {
    const task = TASKS[name]!;
    log.info(
      `${name}: resolving ${options.data?.datasetRepo ?? task.dataset.repo} (${task.dataset.config}/${task.dataset.split})…`,
    );
    files.push(
      await ensureDataset(task.dataset, {
        env: options.data?.env,
        lockFile: options.data?.lockFile,
        revision: options.data?.revision,
        repoOverride: options.data?.datasetRepo,
        retries: options.data?.retries,
        signal: options.signal,
        onProgress: (p) => {
          if (p.bytes === p.total && options.progress !== false) {
            log.info(`  downloaded ${name}: ${p.path} (${humanBytes(p.total)})`);
          }
        },
      }),
    );
  }
  return files;
}

/** Opens `--model` through the registry with the run's Hub settings and its concurrency and retries. */
function openRunModel(options: RunTasksOptions): Promise<ModelBackend> {
  return openModel(options.model, {
    ...options.modelSettings,
    hub: {
      ...(options.modelSettings?.hub ?? {}),
      env: options.data?.env,
      retries: options.data?.retries,
      signal: options.signal,
    },
    lockFile: options.modelSettings?.lockFile ?? options.data?.lockFile,
    // The run's bound and retries, for backends that keep requests of their own in flight (openai:).
    run: {
      concurrency: options.settings.concurrency,
      ...(options.data?.retries !== undefined ? { retries: options.data.retries } : {}),
    },
  });
}

/** The run settings for one task: a prompt variant for the model's family changes what the model sees. */
function settingsFor(
  task: Pick<TaskDefinition<unknown, Json>, "promptVariants">,
  family: string | undefined,
  settings: RunSettings,
): RunSettings {
  if (family === undefined || task.promptVariants?.[family] === undefined) return settings;
  return { ...settings, promptSettings: { ...settings.promptSettings, promptVariant: family } };
}
