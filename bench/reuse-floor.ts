/**
 * The unavoidable work of an accuracy pass over many questions per image (bench/reuse.ts): one image
 * decode and vision pass per distinct image, one prefill of its prompt prefix (every position up to the
 * last image row), and per question its tokenisation, the suffix prefill after that prefix's KV and its
 * greedy decode steps. Engine pieces only (processor, graphs, prefill), no cache, no runner, no files:
 * what a perfect reuse would still have to compute. The greedy ids are returned so the caller can check
 * that this path answers what the runner answered.
 */
import type { TaskSample } from "../src/core/types.js";
import { preprocessImage } from "../src/data/images.js";
import type { FastVLMEngine } from "../src/models/fastvlm/engine.js";
import { type KvCache, releaseCache } from "../src/models/fastvlm/kv-cache.js";
import { prefill } from "../src/models/fastvlm/prefill.js";
import { spliceEmbeddings } from "../src/models/fastvlm/processor.js";
import { dispose } from "../src/models/fastvlm/tensors.js";
import { bytesHash } from "../test/helpers/shaped-datasets.js";

/** What the floor measured. */
export interface FloorResult {
  /** Milliseconds of model work, summed (bookkeeping between the pieces not counted). */
  ms: number;
  /** Of which: decode + vision + prefix prefill, one per distinct image. */
  perImageMs: number;
  /** Of which: tokenisation + suffix prefill + decode steps, per question. */
  perQuestionMs: number;
  /** Distinct images. */
  images: number;
  /** Decoder runs (prefix prefills + suffix prefills + decode steps). */
  decoderRuns: number;
  /** The greedy answer of each question, by sample id. */
  text: Map<string, string>;
}

/** Samples grouped by their image's bytes, in the order each image first appears. */
function byImage(samples: readonly TaskSample[]): TaskSample[][] {
  const groups = new Map<string, TaskSample[]>();
  for (const s of samples) {
    if (s.images.length !== 1) throw new Error(`reuse floor: sample ${s.id} has ${s.images.length} images`);
    const key = bytesHash(s.images[0]!.bytes);
    const g = groups.get(key);
    if (g) g.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.values()];
}

/** Decode, vision and the prefix prefill of one image; the prefix ids and KV for its questions. */
async function prefixOf(
  engine: FastVLMEngine,
  sample: TaskSample,
): Promise<{ prefix: number[]; kv: KvCache }> {
  const { graphs, config: cfg, tokenizer, imageMode } = engine.model;
  const pixels = await preprocessImage(sample.images[0]!.bytes, {
    mode: imageMode,
    size: cfg.imageSize,
    mean: cfg.mean,
    std: cfg.std,
    rescale: cfg.rescale,
  });
  const features = await graphs.encodeImage(pixels);
  const ids = tokenizer.encodePrompt(sample.prompt, 1).ids;
  const prefix = ids.slice(0, ids.lastIndexOf(cfg.imageTokenId) + 1);
  const text = prefix.filter((id) => id !== cfg.imageTokenId);
  const textEmb = await graphs.embedIds(text);
  const embeds = spliceEmbeddings(prefix, cfg.imageTokenId, textEmb, [features], cfg.hidden);
  const empty = graphs.emptyCache();
  const run = await prefill(
    graphs,
    { embeds, length: text.length + features.length / cfg.hidden },
    empty,
    false,
  );
  releaseCache(empty);
  dispose(run.logits);
  return { prefix, kv: run.present };
}

/** Tokenisation, suffix prefill after `prefix` and the greedy steps of one question; its ids and decoder runs. */
async function answer(
  engine: FastVLMEngine,
  sample: TaskSample,
  prefix: { prefix: number[]; kv: KvCache },
  maxNewTokens: number,
): Promise<{ tokens: number[]; runs: number }> {
  const { graphs, config: cfg, tokenizer } = engine.model;
  const ids = tokenizer.encodePrompt(sample.prompt, 1).ids;
  if (ids.slice(0, prefix.prefix.length).join(",") !== prefix.prefix.join(",")) {
    throw new Error(`reuse floor: sample ${sample.id} does not share its image's prompt prefix`);
  }
  const suffix = ids.slice(prefix.prefix.length);
  const embeds = await graphs.embedIds(suffix);
  const first = await prefill(graphs, { embeds, length: suffix.length }, prefix.kv, false);
  dispose(first.logits);
  // The engine's greedy rule: stop at an eos id or max new tokens.
  const eos = new Set(cfg.eosIds);
  const tokens: number[] = [];
  let cache = first.present;
  let next = first.next;
  let runs = 1;
  try {
    while (maxNewTokens > 0 && !eos.has(next)) {
      tokens.push(next);
      if (tokens.length >= maxNewTokens) break;
      const step = await prefill(graphs, { embeds: await graphs.embedIds([next]), length: 1 }, cache, false);
      dispose(step.logits);
      releaseCache(cache);
      cache = step.present;
      next = step.next;
      runs++;
    }
  } finally {
    releaseCache(cache);
  }
  return { tokens, runs };
}

/** Measures the unavoidable work over `samples` (one image each) at `maxNewTokens`. */
export async function unavoidableWork(
  engine: FastVLMEngine,
  samples: readonly TaskSample[],
  maxNewTokens: number,
): Promise<FloorResult> {
  const result: FloorResult = {
    ms: 0,
    perImageMs: 0,
    perQuestionMs: 0,
    images: 0,
    decoderRuns: 0,
    text: new Map(),
  };
  for (const group of byImage(samples)) {
    const t0 = performance.now();
    const prefix = await prefixOf(engine, group[0]!);
    result.perImageMs += performance.now() - t0;
    result.images++;
    result.decoderRuns++;
    try {
      for (const s of group) {
        const t1 = performance.now();
        const { tokens, runs } = await answer(engine, s, prefix, maxNewTokens);
        result.perQuestionMs += performance.now() - t1;
        result.decoderRuns += runs;
        result.text.set(s.id, engine.model.tokenizer.decode(tokens));
      }
    } finally {
      releaseCache(prefix.kv);
    }
  }
  result.ms = result.perImageMs + result.perQuestionMs;
  return result;
}
