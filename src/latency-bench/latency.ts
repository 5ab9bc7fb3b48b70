/**
 * On-device latency of one input, the way llama-bench does it: the model is loaded once (timed), a few
 * warm-up generations run uncounted, then the same request repeats and each run's stage timings are
 * kept. Shared by `fastvlm-eval bench` and the benchmark suite (bench/).
 *
 * decodeTokensPerSec = (outputTokens − 1) / decodeMs: the first token belongs to TTFT, every later
 * token to the decode span (the usual 1/TPOT definition).
 */

import { onDeviceStages } from "../core/timing.js";
import type { GenerateRequest, Generation, ModelBackend } from "../core/types.js";

/** One timed generation. */
export interface BenchRun {
  /** Raw bytes and prompt in hand → first token id. */
  ttftMs: number;
  /** Image decode/resize/normalise + tokenisation. */
  preprocessMs: number;
  /** Vision encoder. */
  visionMs: number;
  /** Text embedding, splice and decoder prefill up to the first token id. */
  prefillMs: number;
  /** After the first token until the end. */
  decodeMs: number;
  /** The whole generate call. */
  totalMs: number;
  /** Tokens generated (stop token excluded). */
  outputTokens: number;
  /** Prompt length in positions (text + visual). */
  promptTokens: number;
  /** Tokens after the first per second of decode time; null when fewer than two tokens. */
  decodeTokensPerSec: number | null;
}

/** Median of each BenchRun field over the repeats. */
export type BenchMedian = { [K in keyof BenchRun]: BenchRun[K] };

/** Options of benchLatency. */
export interface BenchLatencyOptions {
  /** Uncounted generations first. */
  warmup: number;
  /** Counted generations. */
  repeat: number;
  /** Called after each counted run (progress). */
  onRun?: (run: BenchRun, index: number) => void;
  /** Aborts between and inside runs. */
  signal?: AbortSignal;
}

/** What benchLatency returns. */
export interface BenchLatencyResult {
  /** Counted runs in order. */
  runs: BenchRun[];
  /** Per-field medians. */
  median: BenchMedian;
  /** Generated ids of the last run (the same every run under greedy decoding). */
  tokens: number[];
}

/** A Generation's timings as a BenchRun. */
export function benchRunOf(g: Generation): BenchRun {
  const t = onDeviceStages(g.timing);
  return {
    ttftMs: t.ttftMs,
    preprocessMs: t.preprocessMs,
    visionMs: t.visionMs,
    prefillMs: t.prefillMs,
    decodeMs: t.decodeMs,
    totalMs: t.totalMs,
    outputTokens: g.outputTokens,
    promptTokens: g.promptTokens,
    decodeTokensPerSec:
      g.outputTokens >= 2 && t.decodeMs > 0 ? ((g.outputTokens - 1) * 1000) / t.decodeMs : null,
  };
}

/** Median of a list (mean of the middle two for an even count); null for an empty list. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Per-field medians of the runs (each field independently, as llama-bench reports). */
export function medianRun(runs: readonly BenchRun[]): BenchMedian {
  const m = (f: (r: BenchRun) => number | null): number | null =>
    median(runs.map(f).filter((x): x is number => x !== null));
  return {
    ttftMs: m((r) => r.ttftMs) ?? 0,
    preprocessMs: m((r) => r.preprocessMs) ?? 0,
    visionMs: m((r) => r.visionMs) ?? 0,
    prefillMs: m((r) => r.prefillMs) ?? 0,
    decodeMs: m((r) => r.decodeMs) ?? 0,
    totalMs: m((r) => r.totalMs) ?? 0,
    outputTokens: m((r) => r.outputTokens) ?? 0,
    promptTokens: m((r) => r.promptTokens) ?? 0,
    decodeTokensPerSec: m((r) => r.decodeTokensPerSec),
  };
}

/** Warm-up, then `repeat` timed generations of the same request, serially. */
export async function benchLatency(
  backend: ModelBackend,
  request: GenerateRequest,
  opts: BenchLatencyOptions,
): Promise<BenchLatencyResult> {
  const genOpts = opts.signal ? { signal: opts.signal } : {};
  for (let i = 0; i < opts.warmup; i++) await backend.generate(request, genOpts);
  const runs: BenchRun[] = [];
  let tokens: number[] = [];
  for (let i = 0; i < opts.repeat; i++) {
    const g = await backend.generate(request, genOpts);
    const run = benchRunOf(g);
    runs.push(run);
    tokens = g.tokens;
    opts.onRun?.(run, i);
  }
  return { runs, median: medianRun(runs), tokens };
}

/** Side of the default bench image (FastVLM's input size, so no resize is needed). */
export const BENCH_IMAGE_SIDE = 1024;

/** The default question. */
export const BENCH_PROMPT = "Describe this image in one sentence.";

/**
 * A deterministic 1024×1024 JPEG (gradients, stripes and blocks: photo-like enough that decoding costs
 * what a real image costs). Generated at run time with sharp, so nothing large is committed.
 */
export async function defaultBenchImage(side = BENCH_IMAGE_SIDE): Promise<Uint8Array> {
  const sharp = (await import("sharp")).default;
  const raw = Buffer.alloc(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = (y * side + x) * 3;
      const block = ((x >> 6) + (y >> 6)) & 1;
      raw[i] = (x * 255) / side;
      raw[i + 1] = (y * 255) / side;
      raw[i + 2] = block ? 200 : ((x ^ y) & 0xff) >> 1;
    }
  }
  const jpeg = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  return new Uint8Array(jpeg);
}
