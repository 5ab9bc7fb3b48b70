/** The types a task run takes and returns (src/runner/task-run.ts runs it, phase by phase). */
import type { RunRecord } from "../core/records.js";
import type {
  GenerationSettings,
  Json,
  ModelBackend,
  ScoredSample,
  Scorer,
  TaskSample,
} from "../core/types.js";
import type { ProgressSink } from "./progress.js";
import type { Shard } from "./select.js";

/** Settings of a run, as the `run` flags give them. */
export interface RunSettings {
  /** Root of run folders (`predictions/`). */
  out: string;
  /** `--limit`: size of the seeded stratified subset, or null for every sample. */
  limit: number | null;
  /** `--subset-seed`: seeds the subset, the latency subset and the bootstrap. */
  subsetSeed: number;
  /** `--shard`: this process's shard, or null. */
  shard: Shard | null;
  /** `--concurrency`: generations in flight during the accuracy pass. */
  concurrency: number;
  /** `--latency-samples`: samples timed in the serial pass (0 = no latency pass). */
  latencySamples: number;
  /** `--warmup`: uncounted generations before the latency pass. */
  warmup: number;
  /** `--max-new-tokens`: overrides the task's, or null. */
  maxNewTokens: number | null;
  /** `--fresh`: start a new run folder instead of resuming. */
  fresh: boolean;
  /** `--max-error-rate`: the failure budget (failure-budget.ts says how it is judged; exit 5). */
  maxErrorRate: number;
  /**
   * `--reuse on|off`: on, the accuracy pass may use the backend's caches across questions of one image, runs
   * those questions together and `--shard` partitions by image. Outputs are the same either way, so it is not
   * part of an unsharded run's identity; the shard rule is part of a shard's.
   */
  reuse: boolean;
  /** Prompt and image settings that change outputs (e.g. `{ imageMode: "pad" }`); part of the identity. */
  promptSettings: Record<string, Json>;
  /** Further settings recorded in run.json config but not part of the identity (dtype, device, threads flags). */
  extraConfig?: Record<string, Json>;
}

/** The task as the runner needs it (a TaskDefinition fits). */
export interface RunnableTask {
  /** Task name. */
  name: string;
  /** Task version. */
  version: number;
  /** The task's generation settings. */
  generation: GenerationSettings;
}

/** The resolved dataset a run reads. */
export interface ResolvedDataset {
  /** Hub repo actually used. */
  repo: string;
  /** Config name. */
  config: string;
  /** Split name. */
  split: string;
  /** Commit sha the files come from. */
  sha: string;
}

/** Bootstrap confidence intervals: metric name → [low, high]. */
export type CiFunction = (
  scorer: Scorer<Json>,
  samples: ScoredSample<Json>[],
  seed: number,
) => Record<string, [number, number]>;

/** Inputs of one task run. */
export interface TaskRunInput {
  /** The task. */
  task: RunnableTask;
  /** Its scorer. */
  scorer: Scorer<Json>;
  /** Where its rows came from. */
  dataset: ResolvedDataset;
  /** Opens a fresh stream over every sample of the split (called once per pass). */
  samples: () => AsyncIterable<TaskSample>;
  /**
   * The samples with these ids in this order, read on demand (src/data/sample-source.ts); absent, the passes
   * take `samples()` in file order.
   */
  samplesInOrder?: (ids: readonly string[]) => AsyncIterable<TaskSample>;
  /** The model. */
  model: ModelBackend;
  /** Run settings. */
  settings: RunSettings;
  /** Confidence intervals; none when absent. */
  ci?: CiFunction;
  /** Progress display. */
  progress?: ProgressSink;
  /** Aborts the run (Ctrl-C): in-flight generations stop, finished ones are kept. */
  signal?: AbortSignal;
}

/** What a task run produced. */
export interface TaskRunResult {
  /** The run folder. */
  dir: string;
  /** Its run.json as written. */
  record: RunRecord;
}
