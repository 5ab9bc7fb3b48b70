/**
 * Phase 4 of a task run: the serial latency pass. Warm-up generations first (not counted), then
 * `--latency-samples` generations one at a time over a seeded subset of the samples that succeeded.
 */
import { errorText } from "../core/errors.js";
import * as log from "../core/log.js";
import type { LatencyBlock, LatencyLine } from "../core/records.js";
import type { GenerationSettings, TaskSample } from "../core/types.js";
import { latencyStats } from "../stats/latency.js";
import { requestOf } from "./accuracy-pass.js";
import type { ProgressSink } from "./progress.js";
import type { TaskRunInput } from "./run-types.js";
import { latencySubset } from "./select.js";

/**
 * Warm-up runs, then `latencySamples` serial generations: the summary block and one line per measured
 * generation (for latency.jsonl); null when nothing could be measured.
 */
export async function latencyPass(
  input: TaskRunInput,
  okIds: string[],
  generation: GenerationSettings,
  signal: AbortSignal,
  progress: ProgressSink,
): Promise<{ block: LatencyBlock; lines: LatencyLine[] } | null> {
  const { settings, model } = input;
  const order = latencySubset(okIds, settings.latencySamples, settings.subsetSeed);
  if (order.length === 0) return null;
  const wanted = new Set(order);
  const byId = new Map<string, TaskSample>();
  for await (const s of input.samples()) {
    if (wanted.has(s.id) && !byId.has(s.id)) byId.set(s.id, s);
    if (byId.size === wanted.size) break;
  }
  const samples = order.map((id) => byId.get(id)).filter((s): s is TaskSample => s !== undefined);
  if (samples.length === 0) return null;
  for (let i = 0; i < settings.warmup && !signal.aborted; i++) {
    try {
      await model.generate(requestOf(samples[i % samples.length]!, generation), { signal });
    } catch {
      // Warm-up results are not counted, failures included.
    }
  }
  const ttft: number[] = [];
  const pre: number[] = [];
  const vision: number[] = [];
  const prefill: number[] = [];
  let decodeTokens = 0;
  let decodeMs = 0;
  const ids: string[] = [];
  const lines: LatencyLine[] = [];
  progress.start(`${input.task.name} latency`, samples.length, 0);
  try {
    for (const s of samples) {
      if (signal.aborted) return null;
      try {
        const g = await model.generate(requestOf(s, generation), { signal });
        ttft.push(g.timing.ttftMs);
        pre.push(g.timing.preprocessMs);
        vision.push(g.timing.visionMs);
        prefill.push(g.timing.prefillMs);
        decodeTokens += Math.max(0, g.outputTokens - 1);
        decodeMs += g.timing.decodeMs;
        ids.push(s.id);
        lines.push({
          id: s.id,
          timing: g.timing,
          tokens: { prompt: g.promptTokens, visual: g.visualTokens, output: g.outputTokens },
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
  if (ids.length === 0) return null;
  const block: LatencyBlock = {
    ttftMs: latencyStats(ttft),
    preprocessMs: latencyStats(pre),
    visionMs: latencyStats(vision),
    prefillMs: latencyStats(prefill),
    // Tokens after the first over the time after the first token, pooled over the pass.
    decodeTokensPerSec: decodeMs > 0 ? decodeTokens / (decodeMs / 1000) : 0,
    warmup: settings.warmup,
    measuredAtConcurrency: 1,
    sampleIds: ids,
  };
  return { block, lines };
}
