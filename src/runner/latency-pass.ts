/**
 * Phase 4 of a task run: the serial latency pass. Warm-up generations first (not counted), then
 * `--latency-samples` generations one at a time over a seeded subset of the samples that succeeded. Every
 * call is cold (`reuse: false`), whatever `--reuse` says: TTFT is what a new image costs a user.
 */
import { errorText } from "../core/errors.js";
import * as log from "../core/log.js";
import { type LatencyBlock, type LatencyLine, recordedReuse } from "../core/records.js";
import { recordedTiming } from "../core/timing.js";
import type { GenerationSettings, TaskSample } from "../core/types.js";
import { latencyStats } from "../stats/latency.js";
import { requestOf } from "./accuracy-pass.js";
import type { ProgressSink } from "./progress.js";
import type { TaskRunInput } from "./run-types.js";
import { latencySubset } from "./select.js";

/** The samples to time, in the seeded latency order (only successful ones are candidates). */
async function latencySamples(input: TaskRunInput, okIds: string[]): Promise<TaskSample[]> {
  const order = latencySubset(okIds, input.settings.latencySamples, input.settings.subsetSeed);
  if (order.length === 0) return [];
  // Read on demand when the data can: a few rows instead of a pass over the split.
  if (input.samplesInOrder !== undefined) {
    const out: TaskSample[] = [];
    for await (const s of input.samplesInOrder(order)) out.push(s);
    return out;
  }
  const wanted = new Set(order);
  const byId = new Map<string, TaskSample>();
  for await (const s of input.samples()) {
    if (wanted.has(s.id) && !byId.has(s.id)) byId.set(s.id, s);
    if (byId.size === wanted.size) break;
  }
  return order.map((id) => byId.get(id)).filter((s): s is TaskSample => s !== undefined);
}

/** The summary block of the measured lines (pure). */
export function latencyBlock(lines: readonly LatencyLine[], warmup: number): LatencyBlock {
  let decodeTokens = 0;
  let decodeMs = 0;
  for (const l of lines) {
    decodeTokens += Math.max(0, l.tokens.output - 1);
    decodeMs += l.timing.decodeMs;
  }
  return {
    ttftMs: latencyStats(lines.map((l) => l.timing.ttftMs)),
    preprocessMs: latencyStats(lines.map((l) => l.timing.preprocessMs)),
    visionMs: latencyStats(lines.map((l) => l.timing.visionMs)),
    prefillMs: latencyStats(lines.map((l) => l.timing.prefillMs)),
    // Tokens after the first over the time after the first token, pooled over the pass.
    decodeTokensPerSec: decodeMs > 0 ? decodeTokens / (decodeMs / 1000) : 0,
    warmup,
    measuredAtConcurrency: 1,
    sampleIds: lines.map((l) => l.id),
  };
}

/**
 * Warm-up runs, then `latencySamples` serial generations: the summary block and one line per measured
 * generation (for latency.jsonl); null when nothing could be measured or the pass was interrupted.
 */
export async function latencyPass(
  input: TaskRunInput,
  okIds: string[],
  generation: GenerationSettings,
  signal: AbortSignal,
  progress: ProgressSink,
): Promise<{ block: LatencyBlock; lines: LatencyLine[] } | null> {
  const { settings, model } = input;
  const samples = await latencySamples(input, okIds);
  if (samples.length === 0) return null;
  for (let i = 0; i < settings.warmup && !signal.aborted; i++) {
    try {
      await model.generate(requestOf(samples[i % samples.length]!, generation), { signal, reuse: false });
    } catch {
      // Warm-up results are not counted, failures included.
    }
  }
  const lines: LatencyLine[] = [];
  progress.start(`${input.task.name} latency`, samples.length, 0);
  try {
    for (const s of samples) {
      if (signal.aborted) return null;
      try {
        const g = await model.generate(requestOf(s, generation), { signal, reuse: false });
        lines.push({
          id: s.id,
          timing: recordedTiming(g.timing),
          tokens: { prompt: g.promptTokens, visual: g.visualTokens, output: g.outputTokens },
          reuse: recordedReuse(g.reuse),
        });
        progress.tick(false);
      } catch (err) {
        if (signal.aborted) return null;
        log.warn(`${input.task.name}: latency sample ${s.id} failed and is not counted: ${errorText(err)}`);
        progress.tick(true);
      }
    }
  } finally {
    progress.stop();
  }
  return lines.length === 0 ? null : { block: latencyBlock(lines, settings.warmup), lines };
}
