/**
 * The shapes of leaderboard.json (schema in leaderboard-schema.ts): what leaderboard.ts builds and
 * leaderboard-html.ts renders, in their own module so neither imports the other for them.
 */
import type { Json, ModelIdentity } from "../core/types.js";
import type { LeaderboardReference } from "./card-reference.js";

/** One column: a task at one version and dataset revision. */
export interface LeaderboardColumn {
  /** `task@v<version>@<revision or none>`. */
  key: string;
  /** Task name. */
  task: string;
  /** Task version. */
  version: number;
  /** Dataset repo. */
  dataset: string;
  /** Dataset revision (sha) or null. */
  revision: string | null;
  /** Primary metric name. */
  metric: string;
  /** Header text: the task name, with version and short sha when a task has several columns. */
  label: string;
}

/** TTFT of a row or run (serial latency pass). */
export interface LeaderboardTtft {
  /** Median ms. */
  p50: number;
  /** 90th percentile ms. */
  p90: number;
  /** Measurements. */
  n: number;
  /** Task whose latency pass this is. */
  task: string;
}

/** One run in a row's details. */
export interface LeaderboardRun {
  /** run.json runId. */
  runId: string;
  /** Task name. */
  task: string;
  /** Column key. */
  column: string;
  /** Run folder relative to the runs folder. */
  path: string;
  /** Settings that shaped the results. */
  config: Record<string, Json>;
  /** Device and software. */
  env: Record<string, Json>;
  /** Every metric. */
  metrics: Record<string, number>;
  /** Sample counts. */
  nSamples: Record<string, number>;
  /** TTFT of this run's latency pass. */
  ttft: LeaderboardTtft | null;
  /** Finish time. */
  finishedAt: string | null;
}

/** What backs one score: how many samples, and how sure it is. */
export interface LeaderboardCell {
  /** Samples scored. */
  n: number;
  /** 95% interval of the primary metric, or null. */
  ci: [number, number] | null;
}

/** One row: a model on a device. */
export interface LeaderboardRow {
  /** Stable id (anchor in index.html). */
  id: string;
  /** Model identity. */
  model: ModelIdentity;
  /** Device the latency was measured on. */
  device: { key: string; label: string };
  /** Group id: rows with the same columns (averages are comparable within a group). */
  group: string;
  /** Column key → primary metric value (0..1). */
  scores: Record<string, number>;
  /** Column key → samples scored and the 95% interval of the primary metric (null when none was computed). */
  cells?: Record<string, LeaderboardCell>;
  /** True when a run of the row is the offline demo (synthetic data, random weights): not a real result. */
  synthetic?: boolean;
  /** Mean of `scores` (0..1), or null when empty. */
  average: number | null;
  /** Row TTFT (first task with a latency pass in TTFT_TASK_ORDER). */
  ttft: LeaderboardTtft | null;
  /** Date of the latest run (YYYY-MM-DD). */
  date: string | null;
  /** The runs behind the row. */
  runs: LeaderboardRun[];
}

/** leaderboard.json. */
export interface Leaderboard {
  /** Always 1. */
  schemaVersion: 1;
  /** Latest finishedAt of the runs (so the file is reproducible). */
  generatedAt: string | null;
  /** Columns in task order. */
  columns: LeaderboardColumn[];
  /** Groups of rows sharing a column set. */
  groups: { id: string; columns: string[] }[];
  /** Rows sorted by average (descending). */
  rows: LeaderboardRow[];
  /** Published numbers (model cards) on these columns: shown as marked rows, never averaged, no TTFT. */
  references?: LeaderboardReference[];
}
