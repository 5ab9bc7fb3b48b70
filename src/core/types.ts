/**
 * The contracts of the pipeline: datasets → predictions → scores → leaderboard.
 * Tasks and scorers are plain objects; backends are the only stateful pieces.
 */

/** A JSON value, as read from or written to our files. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where a task's rows live on the Hub. */
export interface DatasetSpec {
  /** Hub dataset repo id, e.g. `lmms-lab/DocVQA`. */
  repo: string;
  /** Repo ids tried when `repo` does not exist (the lmms-lab → lmms-lab-encoder move). */
  fallbackRepos?: string[];
  /** Dataset config name as in the card's `configs:` front matter. */
  config: string;
  /** Split name. */
  split: string;
  /** Branch, tag or sha used when nothing is locked; default `main`. */
  revision?: string;
  /** Extra configs the task joins in (GQA's images), each with its split. */
  joins?: { config: string; split: string }[];
}

/** One decoded-or-not image handed to a model. */
export interface ImageInput {
  /** Raw encoded bytes (PNG, JPEG, …) as stored in the parquet `image.bytes`. */
  bytes: Uint8Array;
  /** The column (or column/index) the image came from, for error messages. */
  source: string;
}

/** Generation settings as the reference harness sets them for a task. */
export interface GenerationSettings {
  /** Maximum number of new tokens. */
  maxNewTokens: number;
  /** Strings that end generation when they appear in the output (trimmed off). */
  stop: string[];
}

/** A raw row as hyparquet yields it (column name → value). */
export type RawRow = Record<string, unknown>;

/** Everything a task needs from its rows: a benchmark is one object of this shape. */
export interface TaskDefinition<Row = unknown, Ref extends Json = Json> {
  /** Task name used on the command line (`gqa`, `docvqa`, …). */
  name: string;
  /** Bumped on any change to prompt, parsing or metric. */
  version: number;
  /** One-line description for `list`. */
  description: string;
  /** Where the data lives. */
  dataset: DatasetSpec;
  /**
   * Validates one Hub row (after joins) and returns the typed row; throws a DataError naming the column.
   * `position` is the row's 0-based place in the split (files in order), lmms-eval's `doc_id`; loadSamples
   * always passes it, and tasks whose rows have no id column throw without it.
   */
  parseRow(raw: RawRow, position?: number): Row;
  /** Rows the task keeps (SEED keeps `data_type == "image"`); default all. */
  keep?(row: Row): boolean;
  /** Stable sample id. */
  id(row: Row): string;
  /** The images passed to the model, in order. */
  images(row: Row): ImageInput[];
  /** The prompt text exactly as the reference harness builds it (without image tokens). */
  prompt(row: Row): string;
  /**
   * Prompts for particular model families (lmms-eval's `lmms_eval_specific_kwargs`), keyed by
   * `ModelInfo.family`; models of any other family, or of none, get `prompt`. Absent: `prompt` for all.
   */
  promptVariants?: Record<string, PromptBuilder<Row>>;
  /** The row's own fields, named as on the Hub, images left out: what `score --predictions` reads. */
  doc(row: Row): Record<string, Json>;
  /**
   * What the scorer needs, built from a doc (so rows and `score --predictions` lines share one path).
   * Throws a DataError listing every missing or mistyped field.
   */
  referenceFromDoc(doc: Record<string, unknown>): Ref;
  /** Stratum for stratified subsets and breakdowns (POPE category, SEED type, MMMU subject). */
  strata?(row: Row): string;
  /**
   * A cheap key naming the row's image(s) without reading them (GQA `imageId`, TextVQA `image_id`, …): the
   * runner runs questions of one key close together and `--shard` keeps a key's questions in one shard.
   * Absent, or "" for a row (a copy without the column): the runner keys on a hash of the image bytes.
   */
  imageKey?(row: Row): string;
  /**
   * The metric, as the scorer object itself (one of SCORERS): its `primary` is the task's headline number,
   * so the task never restates it.
   */
  scorer: Scorer<Ref>;
  /** Generation settings. */
  generation: GenerationSettings;
  /**
   * Preference when a leaderboard row takes its TTFT from one of its runs: the run of the task with the
   * lowest rank that has a latency pass wins; tasks without a rank come after every ranked one.
   * (Leaderboard columns follow the registry order of TASKS.)
   */
  ttftRank?: number;
  /** Known row count of the evaluated split, for `list`. */
  rows?: number;
  /** How rows of `dataset.joins` configs merge into each main row before parseRow (GQA images). */
  joinRows?: JoinRule[];
}

/** Builds a prompt from a row (declared as a method so a `TaskDefinition<SomeRow>` still fits `TaskDefinition<unknown>`). */
export type PromptBuilder<Row> = { build(row: Row): string }["build"];

/** Merges columns of a joined config's row into the main row: `main[localKey] == joined[foreignKey]`. */
export interface JoinRule {
  /** The joined config (one of `dataset.joins`). */
  config: string;
  /** Column of the main row holding the key (GQA `imageId`). */
  localKey: string;
  /** Column of the joined rows holding the key (GQA images `id`). */
  foreignKey: string;
  /** Columns copied from the joined row into the main row (GQA `image`). */
  columns: string[];
}

/** The per-sample result of a scorer. */
export interface SampleScore {
  /** The sample's score, usually 0..1. */
  score: number;
  /** What the scorer parsed out of the prediction (JSON-able). */
  parsed: Json;
  /** False when the parse fell back (e.g. MMMU random choice, POPE neither yes nor no). */
  parseOk: boolean;
  /** Which parse rule fired, for audits. */
  rule: string;
}

/** A scored sample as aggregators see it. */
export interface ScoredSample<Ref extends Json = Json> {
  /** Sample id. */
  id: string;
  /** The reference answer(s). */
  reference: Ref;
  /** The per-sample score. */
  result: SampleScore;
}

/** A metric: pure per-sample scoring plus whole-set aggregation, with the metadata of every number it reports. */
export interface Scorer<Ref extends Json = Json> {
  /** Registry key (the key of SCORERS, recorded in run.json). */
  name: string;
  /** Bumped on any change that alters a score. */
  version: number;
  /** Metric name of the headline number; a key of `metrics`. */
  primary: string;
  /** Every metric `aggregate` reports, by name, with its metadata (breakdown names are covered by `breakdowns`). */
  metrics: Readonly<Record<string, MetricSpec<Ref>>>;
  /** Families of per-group metrics `aggregate` also reports (POPE `f1/<category>`, MMMU subjects). */
  breakdowns?: readonly Breakdown[];
  /** Scores one prediction; pure and deterministic (seeded by sample id where randomness is needed). */
  scoreSample(prediction: string, reference: Ref, id: string): SampleScore;
  /** Aggregates over the whole set: metric name → value. */
  aggregate(samples: ScoredSample<Ref>[]): Record<string, number>;
  /** Validates a reference read back from a file; returns the list of problems (empty when fine). */
  checkReference?(ref: unknown): string[];
}

/** What a metric means and how its number and its interval are computed. */
export interface MetricSpec<Ref extends Json = Json> {
  /** One line for docs and `list`: what the number is. */
  description: string;
  /** How the per-sample results combine (`mean`, `f1`, `count`, `share`, `instance-weighted mean`, …). */
  aggregation: string;
  /** True when a larger value is better; `gate` and `compare` read a drop against this direction. */
  higherIsBetter: boolean;
  /** How src/stats/ci.ts computes the metric's 95% interval. */
  ci: CiMethod<Ref>;
}

/**
 * How a metric's confidence interval is computed: `mean` is the closed-form interval of the mean `score` over
 * the samples whose reference passes `over` (all samples when absent); `bootstrap` resamples the samples and
 * recomputes the aggregate (or the faster `statistic`, which must return the same values).
 */
export type CiMethod<Ref extends Json = Json> =
  | {
      /** Closed-form (normal-approximation) interval of a plain mean of `score`. */
      method: "mean";
      /** Which samples the mean covers; default all. */
      over?: MeanFilter<Ref>;
    }
  | {
      /** Seeded percentile bootstrap of the aggregate. */
      method: "bootstrap";
      /** A faster per-resample statistic with the same values as `aggregate(resample)[metric]`. */
      statistic?: ResampleStatistic<Ref>;
    };

/** Which samples a mean metric averages (declared as a method so a `Scorer<SomeRef>` still fits `Scorer<Json>`). */
export type MeanFilter<Ref> = { filter(reference: Ref): boolean }["filter"];

/** Prepares a statistic over resample indices from the whole sample set (a method type, as MeanFilter). */
export type ResampleStatistic<Ref extends Json> = {
  prepare(samples: readonly ScoredSample<Ref>[]): (idx: Uint32Array) => number;
}["prepare"];

/** A family of per-group metrics: one name per group value, each read like its base metric. */
export interface Breakdown {
  /** The metric each group value repeats (its direction applies; intervals are bootstrapped). */
  metric: string;
  /** What the groups are (`POPE category`, `MMMU subject`). */
  by: string;
  /** True for a metric name of this family (`f1/adversarial`). */
  matches(name: string): boolean;
}

/**
 * Where a generation's clock ran: on the device that runs the model, on the client of a remote server, or
 * nowhere (a backend without a model). The backend registry entry declares it (`BackendFactory.clock`).
 */
export type TimingClock = "device" | "remote" | "none";

/** The six stage spans as samples.jsonl and latency.jsonl store them, milliseconds from a monotonic clock. */
export interface StageTimes {
  /** Image decode + resize + normalise, and prompt tokenisation. */
  preprocessMs: number;
  /** Vision encoder run. */
  visionMs: number;
  /** Embedding + LLM prefill up to the first token id. */
  prefillMs: number;
  /** From raw bytes and prompt in hand to the first generated token id. */
  ttftMs: number;
  /** After the first token until generation ends. */
  decodeMs: number;
  /** The whole generate call. */
  totalMs: number;
}

/** Measured on the device that runs the model: every stage, and `ttftMs` is on-device TTFT. */
export interface DeviceTiming extends StageTimes {
  /** `device` (absent on timings built before the registry tags them, e.g. a backend called directly). */
  clock?: "device";
}

/**
 * Seen by the client of a remote server: `ttftMs` includes the network both ways and the server's queue,
 * so it is never on-device TTFT. Stages are whatever the client could observe.
 */
export interface RemoteTiming extends Partial<StageTimes> {
  /** `remote`. */
  clock: "remote";
  /** The whole call as the client saw it. */
  totalMs: number;
}

/** A backend without a model (baselines): only the wall time of the call means anything. */
export interface NoModelTiming extends Partial<StageTimes> {
  /** `none`. */
  clock: "none";
  /** The whole call. */
  totalMs: number;
}

/** Per-generation timings; narrow on `clock` before reading a stage (only device timings have them all). */
export type Timing = DeviceTiming | RemoteTiming | NoModelTiming;

/** What a model call returns. */
export interface Generation {
  /** Decoded text with special tokens skipped. */
  text: string;
  /** Generated token ids (the stop token excluded). */
  tokens: number[];
  /** Every position of the prefill, visual tokens included. */
  promptTokens: number;
  /** Visual positions (256 per image for FastVLM). */
  visualTokens: number;
  /** Number of generated tokens. */
  outputTokens: number;
  /** Stage timings. */
  timing: Timing;
  /** What the call took from the backend's reuse caches; absent for backends without them. */
  reuse?: ReuseInfo;
}

/**
 * What one generation reused from the work of earlier generations of the same image (the vision features
 * and the KV cache of the prompt's prefix up to the last image row). Reuse never changes the output.
 */
export interface ReuseInfo {
  /** Images this call ran through the vision encoder. */
  visionComputed: number;
  /** Images whose features came from the cache. */
  visionReused: number;
  /** Prompt positions whose KV cache came from the cache (0 when the prefix was computed or there is none). */
  prefixTokens: number;
}

/** One generation request. */
export interface GenerateRequest {
  /** Images in prompt order. */
  images: ImageInput[];
  /** The task prompt (image tokens are added by the backend). */
  prompt: string;
  /** Max new tokens and stop strings. */
  generation: GenerationSettings;
  /** Sample id, for deterministic backends (baselines) and error messages. */
  id?: string;
}

/** Options of one generate call. */
export interface GenerateOptions {
  /** Aborts the generation (Ctrl-C). */
  signal?: AbortSignal;
  /**
   * True: the call may read and fill the backend's reuse caches (the accuracy pass with `--reuse on`).
   * False or absent: a cold generation that neither reads nor fills them (the latency pass, `predict`).
   */
  reuse?: boolean;
}

/** Which model ran where and how: the part of ModelInfo that run.json and the leaderboard rows show. */
export interface ModelIdentity {
  /** The name the user gave (`fastvlm-0.5b`, `./ckpt`, `baseline:random`). */
  name: string;
  /** Where it came from: Hub repo id, absolute folder, URL or `builtin`. */
  source: string;
  /** Resolved revision (sha) or null for local folders. */
  revision: string | null;
  /** dtype per graph, e.g. `{vision_encoder: "q4", …}`; empty for non-ONNX backends. */
  dtype: Record<string, string>;
  /** Execution provider (`cpu`, `cuda`, …) or `remote`/`none`. */
  executionProvider: string;
  /** Intra-op threads per session (0 = runtime default). */
  threads: number;
  /**
   * Where the backend's timings were measured: its registry entry's clock. Absent in run folders written
   * before it was recorded; read it with `modelClock` (src/core/timing.ts), never directly.
   */
  clock?: TimingClock;
}

/** Describes a loaded backend, recorded in run.json. */
export interface ModelInfo extends ModelIdentity {
  /** A stable fingerprint of weights + settings, part of the run identity. */
  fingerprint: string;
  /** ONNX decoders: `last` when logits are computed for the last position only (`--logits`), else `all`. */
  logits?: "all" | "last";
  /** Model family, for tasks' prompt variants (`TaskDefinition.promptVariants`); none: default prompts. */
  family?: string;
}

/** A model the runner can call; sample failures come back as rejected promises of ModelError/DataError. */
export interface ModelBackend {
  /** Description for run records. */
  info: ModelInfo;
  /** Runs one generation. Safe to call concurrently. */
  generate(request: GenerateRequest, options?: GenerateOptions): Promise<Generation>;
  /** Releases sessions and sockets. */
  dispose(): Promise<void>;
}

/** Latency statistics of one stage. */
export interface LatencyStats {
  /** Median. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation. */
  stdev: number;
  /** Number of measurements. */
  n: number;
}

/** One sample ready for a model: what the runner and `inspect` consume. */
export interface TaskSample<Ref extends Json = Json> {
  /** Stable sample id. */
  id: string;
  /** Prompt text as the reference harness builds it. */
  prompt: string;
  /** Images in prompt order. */
  images: ImageInput[];
  /** Doc fields (Hub names, no images). */
  doc: Record<string, Json>;
  /** Scorer input. */
  reference: Ref;
  /** Stratum label, or null when the task has none. */
  stratum: string | null;
  /**
   * The task's cheap key for the sample's image(s) (TaskDefinition.imageKey), or absent: plans the order
   * and the image shards only; caches always key on the image bytes.
   */
  imageKey?: string;
}
