/**
 * The leaderboard's data from run folders, in named steps: read the complete whole runs, make the columns
 * (one per task version and dataset revision), group the runs into rows (one model on one device), build each
 * row, name the row groups, sort. No files are written here (leaderboard.ts does that).
 */
import { createHash } from "node:crypto";
import { relative, resolve } from "node:path";
import { TASKS } from "../../tasks/index.js";
import { type RunRecord, readRunRecord } from "../core/records.js";
import { modelClock } from "../core/timing.js";
import type { Json } from "../core/types.js";
import { cardReferenceRows, type LeaderboardReference } from "./card-reference.js";
import type {
  Leaderboard,
  LeaderboardCell,
  LeaderboardColumn,
  LeaderboardRow,
  LeaderboardRun,
  LeaderboardTtft,
} from "./leaderboard-types.js";
import { deviceKey, deviceLabel, findRunDirs, primaryMetricOf, stableJson } from "./runs.js";

/** Options of collectLeaderboard. */
export interface CollectLeaderboardOptions {
  /** Only these tasks' runs (task names; groups already expanded); default all. */
  tasks?: string[];
  /** Add the model cards' published numbers as reference rows (default true). */
  cardReference?: boolean;
}

/** A run.json and the folder it was read from. */
interface FoundRun {
  dir: string;
  run: RunRecord;
}

/**
 * Order for picking a row's TTFT: the tasks with a `ttftRank`, lowest first (single-image tasks first);
 * tasks without one rank after them, in registry order.
 */
export const TTFT_TASK_ORDER = Object.values(TASKS)
  .filter((t) => t.ttftRank !== undefined)
  .sort((a, b) => a.ttftRank! - b.ttftRank!)
  .map((t) => t.name);

/** Column order: the registry's order. */
const TASK_ORDER = Object.keys(TASKS);

function shortHash(text: string, n = 10): string {
  return createHash("sha256").update(text).digest("hex").slice(0, n);
}

function taskRank(task: string, order: string[]): number {
  const i = order.indexOf(task);
  return i < 0 ? order.length : i;
}

function columnKey(run: RunRecord): string {
  return `${run.task.name}@v${run.task.version}@${run.task.dataset.revision ?? "none"}`;
}

/** True for runs of the offline demo (synthetic data, random weights). */
export function isDemoRun(run: RunRecord): boolean {
  return run.config.demo === true;
}

/**
 * A run's on-device TTFT, or null. Only an on-device clock has one: a baseline answers without a model (its
 * "TTFT" is ~0 ms and would sit alone on the Pareto front) and a remote server's includes the network.
 */
function ttftOf(run: RunRecord): LeaderboardTtft | null {
  if (modelClock(run.model) !== "device") return null;
  const t = run.latency?.ttftMs;
  return t && t.n > 0 ? { p50: t.p50, p90: t.p90, n: t.n, task: run.task.name } : null;
}

/** The latest `finishedAt` of the runs (ISO times sort as strings), or null when none finished. */
function latestFinish(runs: readonly FoundRun[]): string | null {
  const finished = runs
    .map((r) => r.run.finishedAt)
    .filter((x): x is string => x !== null)
    .sort();
  return finished.length > 0 ? finished[finished.length - 1]! : null;
}

/** The complete, whole runs under `root` (of `tasks` when given), and why the others were skipped. */
function readCompleteRuns(
  root: string,
  tasks: string[] | undefined,
): { runs: FoundRun[]; skipped: string[] } {
  const skipped: string[] = [];
  const runs: FoundRun[] = [];
  for (const dir of findRunDirs(root)) {
    let run: RunRecord;
    try {
      // run.json alone: samples are not needed for the leaderboard.
      run = readRunRecord(dir);
    } catch (err) {
      skipped.push(`${relative(root, dir) || "."}: ${(err as Error).message.split("\n")[0]}`);
      continue;
    }
    if (run.status !== "complete") {
      skipped.push(`${relative(root, dir) || "."}: status ${run.status}`);
      continue;
    }
    if (run.shard != null) {
      // A shard scores a slice of the task; it would compete with (and can outrank) the merged run.
      skipped.push(
        `${relative(root, dir) || "."}: shard ${run.shard.index}/${run.shard.count} (rows use whole runs; \`fastvlm-eval merge\` the shards)`,
      );
      continue;
    }
    if (tasks && !tasks.includes(run.task.name)) continue;
    runs.push({ dir, run });
  }
  return { runs, skipped };
}

/** One column per task version and dataset revision, in registry order; a task with several names each. */
function leaderboardColumns(runs: readonly FoundRun[]): LeaderboardColumn[] {
  const columns = new Map<string, LeaderboardColumn>();
  for (const { run } of runs) {
    const key = columnKey(run);
    if (!columns.has(key)) {
      columns.set(key, {
        key,
        task: run.task.name,
        version: run.task.version,
        dataset: run.task.dataset.repo,
        revision: run.task.dataset.revision,
        metric: primaryMetricOf(run),
        label: run.task.name,
      });
    }
  }
  const ordered = [...columns.values()].sort(
    (a, b) =>
      taskRank(a.task, TASK_ORDER) - taskRank(b.task, TASK_ORDER) ||
      a.task.localeCompare(b.task) ||
      a.version - b.version ||
      String(a.revision).localeCompare(String(b.revision)),
  );
  for (const c of ordered) {
    if (ordered.filter((o) => o.task === c.task).length > 1) {
      c.label = `${c.task} v${c.version} (${c.revision === null ? "no sha" : c.revision.slice(0, 7)})`;
    }
  }
  return ordered;
}

/** The runs of each row: one model identity (name, source, revision, dtypes) on one device. */
function runsByRow(runs: readonly FoundRun[]): Map<string, FoundRun[]> {
  const byRow = new Map<string, FoundRun[]>();
  for (const r of runs) {
    const m = r.run.model;
    const key = stableJson([m.name, m.source, m.revision, m.dtype, deviceKey(r.run)]);
    const list = byRow.get(key) ?? [];
    list.push(r);
    byRow.set(key, list);
  }
  return byRow;
}

/** The latest run for each key (a re-run replaces an older one), keys in first-seen order. */
function latestBy(runs: readonly FoundRun[], keyOf: (run: RunRecord) => string): Map<string, FoundRun> {
  const latest = new Map<string, FoundRun>();
  for (const r of runs) {
    const k = keyOf(r.run);
    const prev = latest.get(k);
    if (!prev || String(r.run.finishedAt) > String(prev.run.finishedAt)) latest.set(k, r);
  }
  return latest;
}

/** Column key → primary metric value, and what backs it; runs without a finite value leave their cell empty. */
function rowScores(chosen: readonly FoundRun[]): {
  scores: Record<string, number>;
  cells: Record<string, LeaderboardCell>;
} {
  const scores: Record<string, number> = {};
  const cells: Record<string, LeaderboardCell> = {};
  for (const r of chosen) {
    const metric = primaryMetricOf(r.run);
    const v = r.run.metrics[metric];
    if (v !== undefined && Number.isFinite(v)) {
      scores[columnKey(r.run)] = v;
      cells[columnKey(r.run)] = { n: r.run.nSamples.scored, ci: r.run.ci[metric] ?? null };
    }
  }
  return { scores, cells };
}

/** The row's TTFT: the on-device one of its first task in TTFT_TASK_ORDER that has one. */
function rowTtft(chosen: readonly FoundRun[]): LeaderboardTtft | null {
  const ttftRun = [...chosen]
    .filter((r) => ttftOf(r.run) !== null)
    .sort(
      (a, b) => taskRank(a.run.task.name, TTFT_TASK_ORDER) - taskRank(b.run.task.name, TTFT_TASK_ORDER),
    )[0];
  return ttftRun ? ttftOf(ttftRun.run) : null;
}

/** A run in a row's details; its path relative to the runs folder, with forward slashes. */
function rowRun(r: FoundRun, root: string): LeaderboardRun {
  return {
    runId: r.run.runId,
    task: r.run.task.name,
    column: columnKey(r.run),
    path: relative(root, r.dir).split("\\").join("/"),
    config: r.run.config,
    env: r.run.env as unknown as Record<string, Json>,
    metrics: r.run.metrics,
    nSamples: r.run.nSamples,
    ttft: ttftOf(r.run),
    finishedAt: r.run.finishedAt,
  };
}

/** One row from its runs: the latest per column scores it; the latest per task enters the average. */
function leaderboardRow(
  key: string,
  list: readonly FoundRun[],
  columns: readonly LeaderboardColumn[],
  root: string,
): LeaderboardRow {
  const chosen = [...latestBy(list, columnKey).values()].sort(
    (a, b) =>
      columns.findIndex((c) => c.key === columnKey(a.run)) -
      columns.findIndex((c) => c.key === columnKey(b.run)),
  );
  // One variant per task in the average: the latest one.
  const latestPerTask = latestBy(chosen, (run) => run.task.name);
  const { scores, cells } = rowScores(chosen);
  const avgKeys = [...latestPerTask.values()]
    .map((r) => columnKey(r.run))
    .filter((k) => k in scores)
    .sort();
  const average = avgKeys.length > 0 ? avgKeys.reduce((s, k) => s + scores[k]!, 0) / avgKeys.length : null;
  const first = chosen[0]!.run;
  return {
    id: `r-${shortHash(key)}`,
    model: {
      name: first.model.name,
      source: first.model.source,
      revision: first.model.revision,
      dtype: first.model.dtype,
      executionProvider: first.model.executionProvider,
      threads: first.model.threads,
      clock: modelClock(first.model),
    },
    device: { key: shortHash(deviceKey(first)), label: deviceLabel(first) },
    group: avgKeys.join(","),
    scores,
    cells,
    ...(chosen.some((r) => isDemoRun(r.run)) ? { synthetic: true } : {}),
    average,
    ttft: rowTtft(chosen),
    date: latestFinish(chosen)?.slice(0, 10) ?? null,
    runs: chosen.map((r) => rowRun(r, root)),
  };
}

/**
 * Replaces each row's group (its averaged column keys) by a letter and returns the groups: named A, B, … by
 * size so the largest (usually the full task set) is A.
 */
function nameGroups(rows: LeaderboardRow[]): Leaderboard["groups"] {
  const groupKeys = [...new Set(rows.map((r) => r.group))].sort(
    (a, b) => b.split(",").length - a.split(",").length || a.localeCompare(b),
  );
  const groupId = new Map(
    groupKeys.map((k, i) => [k, String.fromCharCode(65 + (i % 26)) + (i >= 26 ? i : "")]),
  );
  for (const r of rows) r.group = groupId.get(r.group)!;
  return groupKeys.map((k) => ({ id: groupId.get(k)!, columns: k === "" ? [] : k.split(",") }));
}

/** `{references}` when any column is a model-card benchmark, else nothing (the field stays absent). */
function referencesField(columns: LeaderboardColumn[]): { references?: LeaderboardReference[] } {
  const references = cardReferenceRows(columns);
  return references.length > 0 ? { references } : {};
}

/** Collects every complete run under `runsDir` into leaderboard data (no files written). */
export function collectLeaderboard(
  runsDir: string,
  options: CollectLeaderboardOptions = {},
): { leaderboard: Leaderboard; skipped: string[] } {
  const root = resolve(runsDir);
  const { runs, skipped } = readCompleteRuns(root, options.tasks);
  const columns = leaderboardColumns(runs);
  const rows = [...runsByRow(runs)].map(([key, list]) => leaderboardRow(key, list, columns, root));
  const groups = nameGroups(rows);
  rows.sort(
    (a, b) =>
      (b.average ?? -1) - (a.average ?? -1) ||
      a.model.name.localeCompare(b.model.name) ||
      a.id.localeCompare(b.id),
  );
  return {
    leaderboard: {
      schemaVersion: 1,
      generatedAt: latestFinish(runs),
      columns,
      groups,
      rows,
      ...(options.cardReference === false ? {} : referencesField(columns)),
    },
    skipped,
  };
}
