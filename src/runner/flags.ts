/** Validation of the `run` flags: every problem reported at once, in one UsageError. */
import { resolve } from "node:path";
import { didYouMeanText, UsageError } from "../core/errors.js";
import { backendRunConfig, type ModelFlags, modelOptionsFromFlags } from "../models/registry.js";
import type { DataSettings, ModelSettings } from "./index.js";
import { parseShard } from "./select.js";
import type { RunSettings } from "./task-run.js";

/** `run` flags as commander hands them over (strings, unvalidated); the backends' flags come with ModelFlags. */
export interface RunFlags extends ModelFlags {
  /** --model. */
  model?: string;
  /** --limit. */
  limit?: string;
  /** --subset-seed. */
  subsetSeed?: string;
  /** --shard. */
  shard?: string;
  /** --concurrency. */
  concurrency?: string;
  /** --latency-samples. */
  latencySamples?: string;
  /** --warmup. */
  warmup?: string;
  /** --max-new-tokens. */
  maxNewTokens?: string;
  /** --out. */
  out?: string;
  /** --fresh. */
  fresh?: boolean;
  /** --max-error-rate. */
  maxErrorRate?: string;
  /** --json. */
  json?: boolean;
  /** --revision (dataset). */
  revision?: string;
  /** --dataset-repo. */
  datasetRepo?: string;
  /** --lock. */
  lock?: string;
  /** --retries. */
  retries?: string;
  /** --reuse (on | off). */
  reuse?: string;
}

/** Validated `run` settings. */
export interface ParsedRunFlags {
  /** Model name/folder/spec. */
  model: string;
  /** Runner settings. */
  settings: RunSettings;
  /** Engine settings. */
  modelSettings: ModelSettings;
  /** Hub settings. */
  data: DataSettings;
  /** --json. */
  json: boolean;
}

function int(
  problems: string[],
  flag: string,
  value: string | undefined,
  min: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min) {
    problems.push(`${flag} must be an integer ≥ ${min}, got '${value}'`);
    return fallback;
  }
  return n;
}

/** Problems with the task list: none, unknown names (given `knownTasks`), repeats. */
function taskProblems(tasks: string[], knownTasks: readonly string[] | undefined): string[] {
  const problems: string[] = [];
  if (tasks.length === 0) problems.push("name at least one task");
  if (knownTasks !== undefined) {
    for (const t of tasks.filter((name) => !knownTasks.includes(name))) {
      const near = didYouMeanText(t, knownTasks);
      const hint = near === "" ? "" : ` (${near.charAt(0).toLowerCase()}${near.slice(1)})`;
      problems.push(`unknown task '${t}'${hint}; tasks: ${knownTasks.join(", ")}`);
    }
  }
  if (new Set(tasks).size !== tasks.length) problems.push("a task is named twice");
  return problems;
}

/** The runner's numeric flags, each with its default when absent or invalid. */
interface NumericFlags {
  /** --limit, or null for every sample. */
  limit: number | null;
  /** --subset-seed. */
  subsetSeed: number;
  /** --concurrency. */
  concurrency: number;
  /** --latency-samples. */
  latencySamples: number;
  /** --warmup. */
  warmup: number;
  /** --max-new-tokens, or null when not given. */
  maxNewTokens: number | null;
  /** --retries, or undefined when not given. */
  retries: number | undefined;
  /** --max-error-rate. */
  maxErrorRate: number;
}

/** Reads the numeric flags; each invalid one is a problem and takes its default. */
function numericFlags(problems: string[], flags: RunFlags): NumericFlags {
  const limit = flags.limit === undefined ? null : int(problems, "--limit", flags.limit, 1, 1);
  const subsetSeed = int(problems, "--subset-seed", flags.subsetSeed, 0, 0);
  const concurrency = int(problems, "--concurrency", flags.concurrency, 1, 1);
  const latencySamples = int(problems, "--latency-samples", flags.latencySamples, 0, 20);
  const warmup = int(problems, "--warmup", flags.warmup, 0, 2);
  const maxNewTokens =
    flags.maxNewTokens === undefined ? null : int(problems, "--max-new-tokens", flags.maxNewTokens, 1, 1);
  const retries = flags.retries === undefined ? undefined : int(problems, "--retries", flags.retries, 0, 0);
  let maxErrorRate = 0.01;
  if (flags.maxErrorRate !== undefined) {
    const r = Number(flags.maxErrorRate);
    if (flags.maxErrorRate.trim() === "" || !Number.isFinite(r) || r < 0 || r > 1) {
      problems.push(`--max-error-rate must be a number from 0 to 1, got '${flags.maxErrorRate}'`);
    } else maxErrorRate = r;
  }
  return { limit, subsetSeed, concurrency, latencySamples, warmup, maxNewTokens, retries, maxErrorRate };
}

/** --reuse: on (the default) or off. */
function reuseFlag(problems: string[], value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.trim().toLowerCase();
  if (v === "on" || v === "off") return v === "on";
  problems.push(`--reuse must be on or off, got '${value}'`);
  return true;
}

/** --shard i/n (the env may supply it), or null. */
function shardFlag(
  problems: string[],
  value: string | undefined,
  env: NodeJS.ProcessEnv,
): RunSettings["shard"] {
  if (value === undefined) return null;
  const s = parseShard(value, env);
  if (typeof s !== "string") return s;
  problems.push(s);
  return null;
}

/** The backends' flags as engine settings; their problems join ours. */
function backendFlags(problems: string[], flags: RunFlags): ModelSettings {
  try {
    return modelOptionsFromFlags(flags);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.message.split("\n"));
    return {};
  }
}

/** Hub settings from --revision, --dataset-repo, --lock and --retries. */
function dataSettings(flags: RunFlags, retries: number | undefined): DataSettings {
  const data: DataSettings = {};
  if (flags.revision !== undefined) data.revision = flags.revision;
  if (flags.datasetRepo !== undefined) data.datasetRepo = flags.datasetRepo;
  if (flags.lock !== undefined) data.lockFile = resolve(flags.lock);
  if (retries !== undefined) data.retries = retries;
  return data;
}

/**
 * Parses and checks the flags (and, given `knownTasks`, the task names); throws one UsageError naming every
 * problem.
 */
export function parseRunFlags(
  tasks: string[],
  flags: RunFlags,
  env: NodeJS.ProcessEnv = process.env,
  knownTasks?: readonly string[],
): ParsedRunFlags {
  const problems = taskProblems(tasks, knownTasks);
  if (flags.model === undefined || flags.model.trim() === "") problems.push("--model is required");
  const { retries, ...numbers } = numericFlags(problems, flags);
  const reuse = reuseFlag(problems, flags.reuse);
  const shard = shardFlag(problems, flags.shard, env);
  const modelSettings = backendFlags(problems, flags);
  if (flags.datasetRepo !== undefined && tasks.length > 1)
    problems.push("--dataset-repo applies to one task only");
  if (flags.out !== undefined && flags.out.trim() === "") problems.push("--out must not be empty");
  if (problems.length > 0) {
    throw new UsageError(
      `Invalid run options:\n  ${problems.join("\n  ")}`,
      "Example: fastvlm-eval run pope docvqa --model fastvlm-0.5b --limit 100 --concurrency 2",
    );
  }
  const backendConfig = backendRunConfig(flags, modelSettings);
  return {
    model: flags.model!.trim(),
    json: flags.json === true,
    modelSettings,
    data: dataSettings(flags, retries),
    settings: {
      out: resolve(flags.out ?? "predictions"),
      limit: numbers.limit,
      subsetSeed: numbers.subsetSeed,
      shard,
      concurrency: numbers.concurrency,
      latencySamples: numbers.latencySamples,
      warmup: numbers.warmup,
      maxNewTokens: numbers.maxNewTokens,
      fresh: flags.fresh === true,
      maxErrorRate: numbers.maxErrorRate,
      reuse,
      promptSettings: backendConfig.promptSettings,
      extraConfig: {
        ...backendConfig.recorded,
        datasetRepoOverride: flags.datasetRepo ?? null,
      },
    },
  };
}
