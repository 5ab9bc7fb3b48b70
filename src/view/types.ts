/**
 * The shapes the viewer's server and page exchange. Import-free apart from query.ts, so the page's own
 * TypeScript program (tsconfig.view.json, DOM types, no Node types) can share them.
 */
import type { ViewRow } from "./query.js";

/** One run in the runs list. */
export interface RunSummary {
  /** Key used in URLs (the run id, suffixed when two runs share one). */
  key: string;
  /** run.json runId. */
  runId: string;
  /** Folder, relative to the working directory. */
  path: string;
  /** Task name and version. */
  task: string;
  /** Task version. */
  taskVersion: number;
  /** Model name. */
  model: string;
  /** Device description. */
  device: string;
  /** Opaque key: TTFT of two runs compares only when these are equal. */
  deviceKey: string;
  /** complete | partial. */
  status: "complete" | "partial";
  /** Primary metric name. */
  metric: string;
  /** Its value, or null. */
  value: number | null;
  /** Its 95% interval, or null. */
  ci: [number, number] | null;
  /** Serial on-device TTFT p50/p90 in ms, or null (no latency pass, or a clock that is not on the device). */
  ttft: { p50: number; p90: number } | null;
  /** Where the run's timings were measured (src/core/types.ts TimingClock; older runs: by execution provider). */
  clock: "device" | "remote" | "none";
  /** Sample counts from run.json. */
  counts: { total: number; scored: number; failed: number; parseFailures: number };
  /** Dataset identity. */
  dataset: { repo: string; config: string; split: string; revision: string | null };
  /** Shard label, or null. */
  shard: string | null;
  /** ISO start time. */
  startedAt: string;
}

/** One sample in full. */
export interface SampleDetail {
  /** The samples.jsonl record as written (every field, extra ones such as reuse info included). */
  record: Record<string, unknown>;
  /** The exact prompt from the dataset, or null when the dataset is not cached. */
  prompt: string | null;
  /** Number of images, or null when unknown. */
  images: number | null;
  /** Why images are missing, or null. */
  imageNote: string | null;
  /** Previous and next ids under the same query, or null at the ends. */
  prev: string | null;
  /** Next id. */
  next: string | null;
  /** Position under the query (0-based) and the query's total. */
  position: number;
  /** Rows matching the query. */
  total: number;
  /** In a comparison: the baseline's record for the same id, or null. */
  other?: Record<string, unknown> | null;
}

/** A comparison of two runs: `compare --json`'s entry plus the runs. */
export interface ComparePayload {
  /** Baseline run. */
  baseline: RunSummary;
  /** Candidate run. */
  candidate: RunSummary;
  /** The entry `compare --json` prints for this pair. */
  entry: unknown;
  /** TTFT deltas are shown only when device fingerprints match. */
  sameDevice: boolean;
}

/** The data embedded in an exported page. */
export interface ExportData {
  /** Always static. */
  mode: "static";
  /** Runs list. */
  runs: RunSummary[];
  /** Sample rows by run key. */
  rows: Record<string, ViewRow[]>;
  /** Full records (long text clipped) and prompts by run key and sample id. */
  details: Record<string, Record<string, { record: Record<string, unknown>; prompt: string | null }>>;
  /** Relative thumbnail paths by run key and sample id. */
  thumbs: Record<string, Record<string, string>>;
  /** Comparisons by "baseline candidate" key. */
  compares: Record<string, { payload: ComparePayload; rows: ViewRow[] }>;
  /** What was left out, or an empty string. */
  note: string;
}
