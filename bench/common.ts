/**
 * Shared helpers of the benchmark suite: the models it runs on (generated on demand into .cache), the
 * machine description, flag parsing and result output. Each bench step is a script that prints one JSON
 * object on stdout with `--json` (logs go to stderr), so bench/index.ts can run it in a child process.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statfsSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FixtureTask } from "../scripts/make-fixtures.js";
import type { ModelBackend } from "../src/core/types.js";
import type { DatasetFiles } from "../src/data/samples.js";
import type { TaskRunResult } from "../src/runner/task-run.js";
import { makeTinyModel, type TinyModelOptions, tinyModelKey } from "../src/testbed/tiny-fastvlm/index.js";
import type { AnyTask } from "../tasks/index.js";

/** Repository root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Where generated bench inputs live (git-ignored). */
export const CACHE = join(ROOT, ".cache", "bench");

/** Which model a step runs on. */
export type BenchModel = "tiny" | "real";

/** `--model tiny|real`, or `fallback` when absent. */
export function modelFlag(fallback: BenchModel): BenchModel {
  const kind = flag("model") ?? fallback;
  if (kind !== "tiny" && kind !== "real") throw new Error(`--model must be tiny or real, got '${kind}'`);
  return kind;
}

/** Generator options of the bench models (tiny = the test model; real = FastVLM-0.5B shapes). */
export function modelOptions(kind: BenchModel): TinyModelOptions {
  return kind === "tiny"
    ? { seed: 1, fp16: false, tokenizer: "qwen" }
    : { seed: 1, dims: "real-0.5b", tokenizer: "qwen" };
}

/** Bytes the real-dims fp32 model needs on disk (plus headroom). */
const REAL_DISK_BYTES = 2.6 * 2 ** 30;
/** Free memory wanted before loading it twice (harness + floor sessions). */
const REAL_MEM_BYTES = 7 * 2 ** 30;

/** Why the real-dims model cannot be used here, or null when it can. */
export function realModelProblem(): string | null {
  const dir = join(ROOT, ".cache", "models");
  mkdirSync(dir, { recursive: true });
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  const complete = existsSync(join(modelDir("real"), ".complete"));
  if (!complete && free < REAL_DISK_BYTES) {
    return `only ${(free / 2 ** 30).toFixed(1)} GiB free on disk; the real-dims model needs ${(REAL_DISK_BYTES / 2 ** 30).toFixed(1)} GiB`;
  }
  if (freemem() < REAL_MEM_BYTES) {
    return `only ${(freemem() / 2 ** 30).toFixed(1)} GiB of memory free; the real-dims bench wants ${(REAL_MEM_BYTES / 2 ** 30).toFixed(0)} GiB`;
  }
  return null;
}

/**
 * When a step asks for the real-dims model and this machine cannot hold it: prints the step's result with
 * `skipped(note)` as its (unmeasured) targets and exits 0, so the suite goes on.
 */
export function skipIfNoRealModel(
  kind: BenchModel,
  step: string,
  startMachine: Machine,
  skipped: (note: string) => Target[] = () => [],
): void {
  if (kind !== "real") return;
  const problem = realModelProblem();
  if (!problem) return;
  log(`skipping ${step}: ${problem}`);
  emit({
    step,
    machine: startMachine,
    targets: skipped(`skipped: ${problem}`),
    details: { skipped: problem },
  });
  process.exit(0);
}

/** Folder of a bench model. */
export function modelDir(kind: BenchModel): string {
  const opts = modelOptions(kind);
  const name = kind === "tiny" ? "tiny-fp32" : "real05b-fp32";
  return join(ROOT, ".cache", "models", `${name}-${tinyModelKey(opts)}`);
}

/** The model folder, generated on first use (the real-dims one takes minutes and ~2 GB). */
export async function ensureModel(kind: BenchModel): Promise<string> {
  const dir = modelDir(kind);
  if (!existsSync(join(dir, ".complete"))) {
    log(`generating the ${kind} model into ${dir} (once)…`);
    const t0 = performance.now();
    await makeTinyModel(dir, modelOptions(kind));
    log(`  done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return dir;
}

/** The machine the numbers come from. */
export interface Machine {
  /** Logical CPUs. */
  nproc: number;
  /** CPU model string. */
  cpu: string;
  /** Total memory in GiB. */
  memoryGiB: number;
  /** Node version. */
  node: string;
  /** 1-minute load average when the step started (other work on the machine skews timings). */
  loadavg1: number;
  /** Harness git commit. */
  gitSha: string | null;
}

/** Describes this machine. */
export function machine(): Machine {
  let gitSha: string | null = null;
  try {
    gitSha = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
  } catch {
    gitSha = null;
  }
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadavg1: Number((loadavg()[0] ?? 0).toFixed(2)),
    gitSha,
  };
}

/** A progress line on stderr. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** `--name value` / `--flag` from argv. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith("--") ? "" : v;
}

/** True when `--name` is present. */
export function has(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** Integer flag with a default. */
export function intFlag(name: string, fallback: number): number {
  const v = flag(name);
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

/** Median (mean of the middle two for even counts). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Rounds for JSON output (3 significant decimals is plenty for ms and ratios). */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** One target of the suite: a measured value against a bound. */
export interface Target {
  /** Short id, e.g. `ttft/floor (tiny)`. */
  name: string;
  /** Measured value. */
  value: number | null;
  /** `<=` or `>=` the bound. */
  op: "<=" | ">=" | "==";
  /** The bound. */
  bound: number;
  /** Unit or kind (`ratio`, `MB`, `s`). */
  unit: string;
  /** Met, missed, or not judged (skipped, or informational). */
  pass: boolean | null;
  /** A finding reported beside the targets, never judged (pass is null). */
  informational?: true;
  /** Extra words (what was compared, why skipped). */
  note?: string;
}

/** Builds a Target and judges it. */
export function target(
  name: string,
  value: number | null,
  op: Target["op"],
  bound: number,
  unit: string,
  note?: string,
): Target {
  const pass =
    value === null || Number.isNaN(value)
      ? null
      : op === "<="
        ? value <= bound
        : op === ">="
          ? value >= bound
          : value === bound;
  return {
    name,
    value: value === null ? null : round(value),
    op,
    bound,
    unit,
    pass,
    ...(note ? { note } : {}),
  };
}

/** A figure reported with the targets but not judged (a finding, not one of the issue's targets). */
export function finding(
  name: string,
  value: number | null,
  op: Target["op"],
  bound: number,
  unit: string,
  note?: string,
): Target {
  return { ...target(name, value, op, bound, unit, note), pass: null, informational: true };
}

/**
 * Runs `script --child <mode> …args` in its own process (so its peak RSS is its own) and returns the JSON
 * it prints on its last stdout line; its stderr passes through.
 */
export function runChild<T>(script: string, mode: string, args: readonly string[]): T {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, "--child", mode, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`${script} child '${mode}' failed with status ${r.status}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "") as T;
}

/** What every step prints. */
export interface StepResult {
  /** Step name. */
  step: string;
  /** Machine and load when it ran. */
  machine: Machine;
  /** Judged targets. */
  targets: Target[];
  /** Raw figures. */
  details: Record<string, unknown>;
}

/** Prints the step's result: JSON with --json, else a short human summary. */
export function emit(result: StepResult): void {
  if (has("json")) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write(`${JSON.stringify(result.details, null, 2)}\n`);
  for (const t of result.targets) {
    const verdict = t.informational ? "info" : t.pass === null ? "skip" : t.pass ? "PASS" : "MISS";
    process.stdout.write(
      `${verdict}  ${t.name}: ${t.value ?? "-"} ${t.unit} (target ${t.op} ${t.bound})${t.note ? ` — ${t.note}` : ""}\n`,
    );
  }
}

/**
 * Side-by-side timing of two contenders in one process: `warmup` rounds of both, then `repeat` rounds whose
 * order alternates (a, b, b, a, …) so neither always runs on caches the other warmed and load drifts hit both.
 * `progress` words the round's pair for the stderr log.
 */
export async function pairedRuns<A, B>(opts: {
  warmup: number;
  repeat: number;
  a: () => Promise<A>;
  b: () => Promise<B>;
  progress: (a: A, b: B) => string;
}): Promise<{ a: A[]; b: B[] }> {
  for (let i = 0; i < opts.warmup; i++) {
    await opts.a();
    await opts.b();
  }
  const a: A[] = [];
  const b: B[] = [];
  for (let i = 0; i < opts.repeat; i++) {
    if (i % 2 === 0) {
      a.push(await opts.a());
      b.push(await opts.b());
    } else {
      b.push(await opts.b());
      a.push(await opts.a());
    }
    log(`  ${i + 1}/${opts.repeat}: ${opts.progress(a.at(-1)!, b.at(-1)!)}`);
  }
  return { a, b };
}

/** A fixture task (test/helpers/fixtures.ts) and its dataset files under a fixture root. */
export async function fixtureTask(
  root: string,
  name: FixtureTask,
): Promise<{ task: AnyTask; dataset: DatasetFiles }> {
  // Imported here so that steps which only need the helpers above (and bench/data.ts's children) stay light.
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
