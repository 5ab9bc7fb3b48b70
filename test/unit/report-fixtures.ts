/**
 * Builds run folders for report, gate, compare and leaderboard tests with the real record writers.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunRecord, type SampleRecord, SampleWriter, writeRunRecord } from "../../src/core/records.js";
import type { LatencyStats, TimingClock } from "../../src/core/types.js";

/** Options of makeRun. */
export interface MakeRunOptions {
  /** Task name; default docvqa. */
  task?: string;
  /** Model name; default m. */
  model?: string;
  /** Per-sample scores (ids s0000…). */
  scores: number[];
  /** Predictions per sample (default "p<i>"). */
  predictions?: (string | null)[];
  /** Ids, default s0000… */
  ids?: string[];
  /** Metric value recorded in run.json; default the mean score. */
  metric?: number;
  /** Primary metric name; default per task. */
  primaryMetric?: string;
  /** TTFT values of the serial latency pass (ms); null for no latency pass. */
  ttft?: number[] | null;
  /** Device fingerprint; default dev-a. */
  fingerprint?: string;
  /** CPU name. */
  cpu?: string;
  /** Task version; default 1. */
  taskVersion?: number;
  /** Dataset revision; default a fixed sha. */
  revision?: string;
  /** Run status; default complete. */
  status?: "complete" | "partial";
  /** Scorer name recorded in run.json. */
  scorer?: string;
  /** References per sample. */
  references?: RunRecord["config"][string][];
  /** finishedAt ISO time. */
  finishedAt?: string;
  /** Extra metrics. */
  metrics?: Record<string, number>;
  /** Indices of samples that failed (error set, score and prediction null). */
  failed?: number[];
  /** run.json `model.clock`; default none recorded (a run folder from before it was). */
  clock?: TimingClock;
  /** run.json `model.executionProvider`; default cpu. */
  executionProvider?: string;
}

const PRIMARY: Record<string, string> = {
  gqa: "exact_match",
  textvqa: "vqa_accuracy",
  docvqa: "anls",
  pope: "f1",
  seedbench: "seed_image",
  mmmu: "accuracy",
};

function stats(values: number[]): LatencyStats {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number): number => {
    const pos = (s.length - 1) * p;
    const lo = Math.floor(pos);
    return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
  };
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, s.length - 1));
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), mean, stdev: sd, n: s.length };
}

/** A fresh temporary folder. */
export function tempDir(prefix = "fastvlm-report-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The sample lines: the first `ttft.length` as the serial latency pass measured them, the failed ones failed. */
function sampleRecords(o: MakeRunOptions, ids: string[], ttft: number[] | null): SampleRecord[] {
  return o.scores.map((score, i) => {
    const serial = ttft && i < ttft.length ? ttft[i]! : null;
    const failed = o.failed?.includes(i) === true;
    return {
      id: ids[i]!,
      prediction: failed ? null : o.predictions ? (o.predictions[i] ?? null) : `p${i}`,
      parsed: null,
      parseOk: !failed,
      rule: failed ? "error" : "exact",
      score: failed ? null : score,
      reference: o.references?.[i] ?? { answers: ["x"] },
      error: failed ? "Error: failed on purpose" : null,
      timing:
        serial === null
          ? null
          : { preprocessMs: 1, visionMs: 1, prefillMs: 1, ttftMs: serial, decodeMs: 1, totalMs: serial + 1 },
      concurrency: serial === null ? 2 : 1,
    };
  });
}

/** run.json's latency block of a serial pass with these TTFTs over the first samples, or null for none. */
function latencyBlock(ttft: number[] | null, ids: string[]): RunRecord["latency"] {
  if (!ttft) return null;
  return {
    ttftMs: stats(ttft),
    preprocessMs: stats(ttft.map(() => 1)),
    visionMs: stats(ttft.map(() => 1)),
    prefillMs: stats(ttft.map(() => 1)),
    decodeTokensPerSec: 10,
    warmup: 2,
    measuredAtConcurrency: 1,
    sampleIds: ids.slice(0, ttft.length),
  };
}

/** run.json `task` and `model`: the task on a fixed dataset revision (unless given), a builtin model. */
function identity(o: MakeRunOptions, task: string, metricName: string): Pick<RunRecord, "task" | "model"> {
  return {
    task: {
      name: task,
      version: o.taskVersion ?? 1,
      ...(o.scorer ? { scorer: { name: o.scorer, version: 1 } } : {}),
      primaryMetric: metricName,
      dataset: {
        repo: `lmms-lab/${task}`,
        config: "default",
        split: "test",
        revision: o.revision ?? "a".repeat(40),
      },
    },
    model: {
      name: o.model ?? "m",
      source: "builtin",
      revision: null,
      dtype: { vision_encoder: "fp32" },
      executionProvider: o.executionProvider ?? "cpu",
      threads: 2,
      ...(o.clock ? { clock: o.clock } : {}),
    },
  };
}

/** Writes one run folder and returns its path. */
export async function makeRun(dir: string, o: MakeRunOptions): Promise<string> {
  const task = o.task ?? "docvqa";
  const ids = o.ids ?? o.scores.map((_, i) => `s${String(i).padStart(4, "0")}`);
  const ttft = o.ttft === undefined ? null : o.ttft;
  const samples = sampleRecords(o, ids, ttft);
  const mean = o.scores.reduce((a, b) => a + b, 0) / Math.max(1, o.scores.length);
  const metricName = o.primaryMetric ?? PRIMARY[task] ?? "accuracy";
  const { task: taskRecord, model } = identity(o, task, metricName);
  const run: RunRecord = {
    schemaVersion: 1,
    runId: `r-${task}-${o.model ?? "m"}`.replace(/[^A-Za-z0-9._-]/g, "-"),
    status: o.status ?? "complete",
    task: taskRecord,
    model,
    config: { limit: o.scores.length },
    env: {
      os: "linux",
      cpu: o.cpu ?? "Test CPU",
      cores: 2,
      memoryBytes: 1024,
      node: "v20",
      onnxruntime: "1.30.0",
      harness: "0.1.0",
      gitSha: null,
      fingerprint: o.fingerprint ?? "dev-a",
    },
    nSamples: {
      total: o.scores.length,
      scored: o.scores.length - (o.failed?.length ?? 0),
      failed: o.failed?.length ?? 0,
      parseFailures: 0,
    },
    metrics: { [metricName]: o.metric ?? mean, ...o.metrics },
    ci: {},
    latency: latencyBlock(ttft, ids),
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: o.finishedAt ?? "2026-01-01T01:00:00.000Z",
  };
  await writeRunRecord(dir, run);
  const w = new SampleWriter(dir, 0, 1000);
  for (const s of samples) w.append(s);
  w.close();
  return dir;
}

/** Deterministic pseudo-random 0/1 scores with a given accuracy (exactly round(n × p) ones, spread out). */
export function binaryScores(n: number, p: number, salt = 0): number[] {
  const ones = Math.round(n * p);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => ((a * 2654435761 + salt * 97) % 1009) - ((b * 2654435761 + salt * 97) % 1009) || a - b,
  );
  const scores = new Array<number>(n).fill(0);
  for (let k = 0; k < ones; k++) scores[order[k]!] = 1;
  return scores;
}

/** A copy of `scores` with the first `k` right answers turned wrong. */
export function dropRight(scores: number[], k: number): number[] {
  const out = [...scores];
  let left = k;
  for (let i = 0; i < out.length && left > 0; i++) {
    if (out[i] === 1) {
      out[i] = 0;
      left--;
    }
  }
  return out;
}

/** Latency values around `center` ms with a small deterministic spread. */
export function latencies(n: number, center: number, spread = 0.05): number[] {
  return Array.from({ length: n }, (_, i) => center * (1 + spread * Math.sin(i * 1.7)));
}
