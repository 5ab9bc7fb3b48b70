/**
 * Finding and loading run folders for compare, gate and leaderboard. A `<run|dir>` argument is either a run
 * folder (it holds run.json) or any folder above run folders (searched recursively).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { TASKS } from "../../tasks/index.js";
import { DataError, UsageError } from "../core/errors.js";
import {
  LATENCY_FILE,
  RUN_FILE,
  type RunRecord,
  readRunRecord,
  readSamples,
  type SampleRecord,
} from "../core/records.js";

/** Primary metric per task when run.json does not name one: the primary metric of each task's scorer. */
const DEFAULT_PRIMARY: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(TASKS).map(([name, t]) => [name, t.scorer.primary]),
);

/** A run folder read from disk. */
export interface LoadedRun {
  /** Absolute path of the run folder. */
  dir: string;
  /** Its run.json. */
  run: RunRecord;
  /** Its samples.jsonl records (empty when the file is absent). */
  samples: SampleRecord[];
  /** The task's headline metric name. */
  primaryMetric: string;
  /** Per-sample serial latency measurements (TTFT ms) of the latency pass, or null when not recorded. */
  serialTtftMs: number[] | null;
}

/** The headline metric of a run: run.json task.primaryMetric, else the task default, else the first metric. */
export function primaryMetricOf(run: RunRecord): string {
  return (
    run.task.primaryMetric ??
    DEFAULT_PRIMARY[run.task.name] ??
    Object.keys(run.metrics).find((k) => !k.includes("/") && k !== "parse_failure_rate") ??
    "score"
  );
}

/** Every folder at or below `root` that holds a run.json (sorted, symlinks not followed). */
export function findRunDirs(root: string): string[] {
  const abs = resolve(root);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new UsageError(
      `${root} is not a folder.`,
      "Pass a run folder (with run.json) or a folder of runs.",
    );
  }
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (existsSync(join(dir, RUN_FILE))) {
      found.push(dir);
      return;
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) {
        walk(join(dir, entry.name));
      }
    }
  };
  walk(abs);
  return found.sort();
}

/**
 * Serial TTFT measurements of the latency pass. A `latency.jsonl` in the run folder (lines with `timing`) is
 * used when present; otherwise samples.jsonl lines whose id is in run.json latency.sampleIds and that ran at
 * concurrency 1. Null when neither gives any.
 */
export function serialTtft(dir: string, run: RunRecord, samples: readonly SampleRecord[]): number[] | null {
  const file = join(dir, LATENCY_FILE);
  if (existsSync(file)) {
    const values: number[] = [];
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        const v = JSON.parse(line) as { timing?: { ttftMs?: unknown }; ttftMs?: unknown };
        const t = v.timing?.ttftMs ?? v.ttftMs;
        if (typeof t === "number" && Number.isFinite(t)) values.push(t);
      } catch {
        // A torn last line after a crash: ignore it like samples.jsonl does.
      }
    }
    if (values.length > 0) return values;
  }
  const ids = run.latency?.sampleIds;
  if (!ids || ids.length === 0) return null;
  const wanted = new Set(ids);
  const values = samples
    .filter((s) => wanted.has(s.id) && s.concurrency === 1 && s.timing !== null)
    .map((s) => s.timing!.ttftMs);
  return values.length > 0 ? values : null;
}

/** Reads one run folder. */
export function loadRun(dir: string): LoadedRun {
  const abs = resolve(dir);
  const run = readRunRecord(abs);
  const samples = readSamples(abs).records;
  return {
    dir: abs,
    run,
    samples,
    primaryMetric: primaryMetricOf(run),
    serialTtftMs: serialTtft(abs, run, samples),
  };
}

/**
 * Loads the runs under one `<run|dir>` argument, keyed by task. Shard folders are ignored when the same task
 * also has an unsharded (or merged) run there, so a model folder still works after `merge`. Any other two
 * runs of one task under one argument are ambiguous and rejected, naming every folder.
 */
export function loadRunSet(arg: string): Map<string, LoadedRun> {
  const dirs = findRunDirs(arg);
  if (dirs.length === 0) {
    throw new UsageError(`No run.json under ${arg}.`, "Pass a folder written by `fastvlm-eval run`.");
  }
  const grouped = new Map<string, LoadedRun[]>();
  for (const dir of dirs) {
    const loaded = loadRun(dir);
    const list = grouped.get(loaded.run.task.name) ?? [];
    list.push(loaded);
    grouped.set(loaded.run.task.name, list);
  }
  const byTask = new Map<string, LoadedRun>();
  const clashes: string[] = [];
  for (const [task, list] of grouped) {
    const whole = list.filter((r) => r.run.shard == null);
    const candidates = list.length > 1 && whole.length > 0 ? whole : list;
    if (candidates.length === 1) byTask.set(task, candidates[0]!);
    else {
      const shards = candidates.every((r) => r.run.shard != null)
        ? " (shards: `fastvlm-eval merge` them first)"
        : "";
      clashes.push(`${task}: ${candidates.map((r) => r.dir).join(", ")}${shards}`);
    }
  }
  if (clashes.length > 0) {
    throw new UsageError(
      `${arg} holds more than one run of a task:\n  ${clashes.join("\n  ")}`,
      "Pass the run folders themselves, one per task (or a folder that holds one run per task).",
    );
  }
  return byTask;
}

/** A short label for a run set in tables: the model name, else the argument. */
export function runSetLabel(arg: string, runs: Map<string, LoadedRun>): string {
  const names = new Set([...runs.values()].map((r) => r.run.model.name));
  return names.size === 1 ? [...names][0]! : arg;
}

/** Stable JSON with sorted keys (for device keys and hashes). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The latency-relevant identity of a run: env.fingerprint (or the hardware fields when absent) plus the
 * model's execution provider, threads and dtype. Two runs' TTFTs are comparable only when these are equal.
 */
export function deviceKey(run: RunRecord): string {
  const hw = run.env.fingerprint ?? stableJson([run.env.os, run.env.cpu, run.env.cores, run.env.memoryBytes]);
  return stableJson({
    hw,
    onnxruntime: run.env.onnxruntime,
    ep: run.model.executionProvider,
    threads: run.model.threads,
    dtype: run.model.dtype,
  });
}

/** Human-readable device description. */
export function deviceLabel(run: RunRecord): string {
  const dtype = Object.values(run.model.dtype);
  const uniq = [...new Set(dtype)];
  const threads = run.model.threads === 0 ? "default threads" : `${run.model.threads} threads`;
  return `${run.env.cpu} (${run.env.cores} cores), ${run.model.executionProvider}, ${threads}${
    uniq.length > 0 ? `, ${uniq.join("/")}` : ""
  }`;
}

/** Why two runs of a task are not comparable (task version, dataset, metric); empty when they are. */
export function comparabilityIssues(a: LoadedRun, b: LoadedRun): string[] {
  const issues: string[] = [];
  if (a.run.task.version !== b.run.task.version) {
    issues.push(`task version ${a.run.task.version} vs ${b.run.task.version}`);
  }
  const da = a.run.task.dataset;
  const db = b.run.task.dataset;
  if (da.repo !== db.repo || da.config !== db.config || da.split !== db.split) {
    issues.push(`dataset ${da.repo}/${da.config}/${da.split} vs ${db.repo}/${db.config}/${db.split}`);
  } else if (da.revision !== null && db.revision !== null && da.revision !== db.revision) {
    issues.push(`dataset revision ${da.revision.slice(0, 7)} vs ${db.revision.slice(0, 7)}`);
  }
  if (a.primaryMetric !== b.primaryMetric) issues.push(`metric ${a.primaryMetric} vs ${b.primaryMetric}`);
  return issues;
}

/** Raised when no runs were found at all. */
export function noRuns(where: string): DataError {
  return new DataError(
    `No complete runs under ${where}.`,
    "Run `fastvlm-eval run <task> --model <m>` first.",
  );
}
