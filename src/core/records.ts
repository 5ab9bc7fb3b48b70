/**
 * Run folders: `run.json` (written by temp file + rename) and `samples.jsonl` (append-only, fsynced in small
 * batches, a torn last line ignored). Both are validated with ajv against src/core/schemas/records.ts.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { DataError, InternalError } from "./errors.js";
import { type SchemaCheck, schemaCheck } from "./schema-check.js";
import { runRecordSchema, sampleRecordSchema } from "./schemas/records.js";
import type { Json, LatencyStats, ModelIdentity, ReuseInfo, StageTimes } from "./types.js";

/** One line of samples.jsonl. */
export interface SampleRecord {
  /** Sample id. */
  id: string;
  /** Stratum (POPE category, SEED type, MMMU subject) or null. */
  stratum?: string | null;
  /** Raw model output, or null when the sample failed before producing one. */
  prediction: string | null;
  /** What the scorer parsed. */
  parsed: Json;
  /** False when parsing fell back. */
  parseOk: boolean;
  /** The parse rule that fired (or `error`). */
  rule: string;
  /** Score, or null for a failed sample. */
  score: number | null;
  /** What the scorer needs, so `score <run-dir>` re-scores without the dataset. */
  reference: Json;
  /** Error text when the sample failed, else null. */
  error: string | null;
  /** Engine stage timings, or null when there was no generation. */
  timing: StageTimes | null;
  /** Token counts of the generation. */
  tokens?: { prompt: number; visual: number; output: number } | null;
  /** Generations in flight when this one ran. */
  concurrency: number;
  /** What the generation reused (read its timing with this in mind), or null/absent when nothing could be. */
  reuse?: ReuseInfo | null;
}

/** The serial latency pass's summary. */
export interface LatencyBlock {
  /** Time to first token. */
  ttftMs: LatencyStats;
  /** Preprocessing stage. */
  preprocessMs: LatencyStats;
  /** Vision encoder stage. */
  visionMs: LatencyStats;
  /** LLM prefill stage. */
  prefillMs: LatencyStats;
  /** Output tokens per second after the first token (mean over the pass). */
  decodeTokensPerSec: number;
  /** Warm-up generations run and not counted. */
  warmup: number;
  /** Always 1: latency is measured serially. */
  measuredAtConcurrency: 1;
  /** Ids measured, for reproducibility. */
  sampleIds?: string[];
}

/** The device and software a run executed on. */
export interface EnvRecord {
  /** e.g. `linux 6.1.0 x64`. */
  os: string;
  /** CPU model string. */
  cpu: string;
  /** Logical cores. */
  cores: number;
  /** Total memory in bytes. */
  memoryBytes: number;
  /** Node version. */
  node: string;
  /** onnxruntime-node version, or null when not used. */
  onnxruntime: string | null;
  /** fastvlm-eval version. */
  harness: string;
  /** Harness git sha when run from a checkout. */
  gitSha: string | null;
  /** Hash of the latency-relevant fields (os, cpu, cores, memory, ort version, provider, threads, dtype). */
  fingerprint?: string;
}

/** The model part of run.json. */
export interface RunRecordModel extends ModelIdentity {
  /** Model fingerprint (weights + settings). */
  fingerprint?: string;
}

/** What the accuracy pass saved by reusing work across questions of one image (run.json `reuse`). */
export interface ReuseSummary {
  /** `--reuse` as the run had it. */
  mode: "on" | "off";
  /** Images the recorded samples ran through the vision encoder. */
  visionComputed: number;
  /** Vision encodings saved: image features taken from the cache. */
  visionReused: number;
  /** Prefix prefills saved: samples whose prefix KV cache came from the cache. */
  prefixReused: number;
  /** Prompt positions not prefilled thanks to the cache. */
  prefixTokensReused: number;
}

/** run.json. */
export interface RunRecord {
  /** Always 1 for this layout. */
  schemaVersion: 1;
  /** Folder name under `<out>/<model-slug>/<task>/`. */
  runId: string;
  /** `complete` once every selected sample is recorded. */
  status: "complete" | "partial";
  /** Task identity. */
  task: {
    /** Task name. */
    name: string;
    /** Task version. */
    version: number;
    /** Scorer key and version used for the scores. */
    scorer?: { name: string; version: number };
    /** Headline metric name. */
    primaryMetric?: string;
    /** Dataset identity. */
    dataset: { repo: string; config: string; split: string; revision: string | null };
  };
  /** Model identity. */
  model: RunRecordModel;
  /** Every setting that shaped the results. */
  config: Record<string, Json>;
  /** Device and software. */
  env: EnvRecord;
  /** Sample counts. */
  nSamples: { total: number; scored: number; failed: number; parseFailures: number };
  /** Metric name → value. */
  metrics: Record<string, number>;
  /** Metric name → 95% interval. */
  ci: Record<string, [number, number]>;
  /** Serial latency pass, or null when none ran. */
  latency: LatencyBlock | null;
  /** ISO time the run started. */
  startedAt: string;
  /** ISO time it finished, or null while partial. */
  finishedAt: string | null;
  /** Shard of a sharded run, or null. */
  shard?: { index: number; count: number } | null;
  /** Hash of the settings that define the run (resume key). */
  identity?: string;
  /** Free-form notes (e.g. "re-scored with mmmu v2"). */
  notes?: string[];
  /** What the accuracy pass reused (absent in runs made before reuse existed). */
  reuse?: ReuseSummary;
}

/** Problems with a run.json value (empty when valid). */
export const validateRunRecord: SchemaCheck = schemaCheck(runRecordSchema, { strict: true });

/** Problems with one samples.jsonl value (empty when valid). */
export const validateSampleRecord: SchemaCheck = schemaCheck(sampleRecordSchema, { strict: true });

/** A generation's reuse counts as samples.jsonl and latency.jsonl store them: the schema's fields only, or null. */
export function recordedReuse(r: ReuseInfo | undefined): ReuseInfo | null {
  return r === undefined
    ? null
    : { visionComputed: r.visionComputed, visionReused: r.visionReused, prefixTokens: r.prefixTokens };
}

export const RUN_FILE = "run.json";
export const SAMPLES_FILE = "samples.jsonl";
/** Per-generation measurements of the serial latency pass (gate bootstraps TTFT intervals from them). */
export const LATENCY_FILE = "latency.jsonl";

/** One line of latency.jsonl: one measured serial generation (warm-up runs are not written). */
export interface LatencyLine {
  /** Sample id. */
  id: string;
  /** Engine stage timings of this generation. */
  timing: StageTimes;
  /** Token counts of this generation. */
  tokens: { prompt: number; visual: number; output: number };
  /** What the generation reused: nothing, the pass is cold (null when the backend reports no reuse). */
  reuse?: ReuseInfo | null;
}

/** Writes latency.jsonl atomically (the whole pass at once). */
export async function writeLatencyLines(dir: string, lines: readonly LatencyLine[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  writeFileAtomic(join(dir, LATENCY_FILE), lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
}

/** Writes run.json atomically after validating it. */
export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  const errs = validateRunRecord(record);
  if (errs.length > 0) throw new InternalError(`run.json would be invalid: ${errs.join("; ")}`);
  await mkdir(dir, { recursive: true });
  writeFileAtomic(join(dir, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** Reads and validates run.json from a run folder. */
export function readRunRecord(dir: string): RunRecord {
  const path = join(dir, RUN_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new DataError(`No run.json in ${dir}.`, "Pass a run folder written by `fastvlm-eval run`.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const errs = validateRunRecord(value);
  if (errs.length > 0) {
    throw new DataError(`${path} does not match the run.json schema:\n  ${errs.join("\n  ")}`);
  }
  return value as RunRecord;
}

/**
 * run.json of a folder being resumed: null when there is none yet. One that exists but cannot be read is
 * reported, never silently replaced (it is written atomically, so something else changed it).
 */
export function readRunRecordIfAny(dir: string): RunRecord | null {
  if (!existsSync(join(dir, RUN_FILE))) return null;
  try {
    return readRunRecord(dir);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    throw new DataError(
      err.message,
      `Move ${join(dir, RUN_FILE)} away and re-run to rebuild it from samples.jsonl, or pass --fresh to start a new run folder.`,
      { cause: err },
    );
  }
}

/** Result of reading samples.jsonl. */
export interface SamplesRead {
  /** Valid records in file order (later duplicates of an id replace earlier ones). */
  records: SampleRecord[];
  /** True when the last line was torn (no newline or not JSON) and was ignored. */
  tornTail: boolean;
  /** Byte length of the intact prefix (a writer resuming truncates to this). */
  intactBytes: number;
}

/**
 * Reads samples.jsonl. A torn last line (a crash mid-write) is ignored; any other bad line is an error
 * naming its line number.
 */
export function readSamples(dir: string): SamplesRead {
  const path = join(dir, SAMPLES_FILE);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return { records: [], tornTail: false, intactBytes: 0 };
  }
  const text = buf.toString("utf8");
  const lastNewline = text.lastIndexOf("\n");
  const complete = lastNewline >= 0 ? text.slice(0, lastNewline) : "";
  const tail = text.slice(lastNewline + 1);
  const lines = complete.length > 0 ? complete.split("\n") : [];
  const byId = new Map<string, SampleRecord>();
  const errors: string[] = [];
  let tornTail = tail.trim().length > 0;
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // Only the very last complete line may be torn too (e.g. a NUL-padded block after a crash).
      if (i === lines.length - 1 && tail.trim() === "") {
        tornTail = true;
        return;
      }
      errors.push(`line ${i + 1}: not valid JSON`);
      return;
    }
    const errs = validateSampleRecord(value);
    if (errs.length > 0) {
      errors.push(`line ${i + 1}: ${errs.join(", ")}`);
      return;
    }
    const rec = value as SampleRecord;
    byId.set(rec.id, rec);
  });
  if (errors.length > 0) {
    throw new DataError(
      `${path} has ${errors.length} invalid line(s):\n  ${errors.slice(0, 20).join("\n  ")}`,
      "Fix or remove those lines, or start a new run with --fresh.",
    );
  }
  let intactBytes = Buffer.byteLength(lastNewline >= 0 ? text.slice(0, lastNewline + 1) : "", "utf8");
  if (tornTail && tail.trim() === "" && lines.length > 0) {
    // The torn line was the last complete one: cut it too.
    const keep = lines.slice(0, -1).join("\n");
    intactBytes = keep.length > 0 ? Buffer.byteLength(`${keep}\n`, "utf8") : 0;
  }
  return { records: [...byId.values()], tornTail, intactBytes };
}

/**
 * Appends sample lines, flushing and fsyncing every `batch` lines or `intervalMs`, whichever first.
 * Opening truncates a torn tail so new lines never glue onto half a line.
 */
export class SampleWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** A write failure of the timer flush (a full disk), rethrown by the next append, flush or close. */
  private failure: unknown = null;

  constructor(
    dir: string,
    intactBytes: number,
    private readonly batch = 8,
    private readonly intervalMs = 1000,
  ) {
    const path = join(dir, SAMPLES_FILE);
    // Drop a torn tail left by a crash before appending.
    if (existsSync(path) && statSync(path).size > intactBytes) truncateSync(path, intactBytes);
    this.fd = openSync(path, "a");
  }

  /** Queues one validated record. */
  append(record: SampleRecord): void {
    if (this.closed) throw new InternalError("SampleWriter used after close");
    this.rethrow();
    const errs = validateSampleRecord(record);
    if (errs.length > 0) throw new InternalError(`sample ${record.id} would be invalid: ${errs.join("; ")}`);
    this.pending.push(`${JSON.stringify(record)}\n`);
    if (this.pending.length >= this.batch) this.flush();
    else if (this.timer === null) {
      // A throw inside a timer would be uncaught: keep it for the caller's next call instead.
      this.timer = setTimeout(() => {
        try {
          this.flush();
        } catch (err) {
          this.failure = err;
        }
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  private rethrow(): void {
    if (this.failure === null) return;
    const err = this.failure;
    this.failure = null;
    throw err;
  }

  /** Writes and fsyncs everything queued. */
  flush(): void {
    this.rethrow();
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    // A write can be short when the disk fills (the next one then fails with ENOSPC): write it all.
    const bytes = Buffer.from(this.pending.join(""), "utf8");
    const start = fstatSync(this.fd).size;
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (err) {
      // Cut what part of the batch got written, so a retry of the batch never glues onto half a line.
      try {
        ftruncateSync(this.fd, start);
      } catch {
        // The reader drops a torn last line anyway.
      }
      throw err;
    }
    fsyncSync(this.fd);
    this.pending = [];
  }

  /** Flushes and closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}
