/**
 * Greedy KV-cache generation (batch 1 per call; concurrent calls share the sessions):
 *   prefill: the prompt (prompt-prefill.ts): prefix up to the last image row, then the rest after its KV;
 *   step t:  embed the last token and run it as a segment of one after the cache (prefill.ts);
 *   greedy argmax over the last position's logits only; stop on <|im_end|>/<|endoftext|> (and
 *   generation_config eos ids), max new tokens, or a task stop string (the text is cut there).
 *
 * TTFT (docs/architecture.md): from the call start (bytes and prompt in hand) to the first token id known.
 * preprocessMs, visionMs and prefillMs are consecutive spans inside it.
 */
import type { GenerateOptions, GenerateRequest, Generation, Timing } from "../../core/types.js";
import { firstStop } from "../stop.js";
import type { FastVLMModel } from "./graphs.js";
import { type KvCache, releaseCache } from "./kv-cache.js";
import { type PrefillResult, prefill } from "./prefill.js";
import { prefillPrompt } from "./prompt-prefill.js";
import { dispose, lastRow } from "./tensors.js";

/** A per-step observation for tests and debugging. */
export interface StepTrace {
  /** 0 for the prefill's token, then 1, 2, … */
  step: number;
  /** The argmax id. */
  token: number;
  /** The last position's logits as float32. */
  logits: Float32Array;
}

/** A generation with its trace hook. */
export interface TraceOptions extends GenerateOptions {
  /** Called with each step's logits (copies them: slow, tests only). */
  onStep?: (s: StepTrace) => void;
}

/**
 * Stage spans from the marks: preprocess t0→t1 (tokenisation, image hashing and decoding), vision t1→t2
 * (~0 when every image's features or the prefix came from the reuse cache), prefill t2→t3 (text embedding,
 * splice, the prefix's decoder run unless cached, the suffix's, argmax), decode t3→end. ttft = t3 − t0, never
 * below the sum of the three stages (guards against floating-point rounding of the differences).
 */
export function stageTiming(t0: number, t1: number, t2: number, t3: number, tEnd: number): Timing {
  const preprocessMs = t1 - t0;
  const visionMs = t2 - t1;
  const prefillMs = t3 - t2;
  const sum = preprocessMs + visionMs + prefillMs;
  const ttftMs = Math.max(t3 - t0, sum);
  return {
    preprocessMs,
    visionMs,
    prefillMs,
    ttftMs,
    decodeMs: tEnd - t3,
    totalMs: Math.max(tEnd - t0, ttftMs + (tEnd - t3)),
  };
}

/** Hands a step's logits to the trace hook, then releases them. */
function traceStep(onStep: TraceOptions["onStep"], step: number, result: PrefillResult): void {
  if (onStep && result.logits) onStep({ step, token: result.next, logits: lastRow(result.logits) });
  dispose(result.logits);
}

/**
 * Decodes from the prefill's first token until eos, max new tokens or a stop string. Takes ownership of
 * `cache` (released at the end, also on abort or error).
 */
async function decodeLoop(
  model: FastVLMModel,
  request: GenerateRequest,
  first: number,
  cache: KvCache,
  options: TraceOptions,
): Promise<{ tokens: number[]; text: string | null }> {
  const { signal, onStep } = options;
  const { maxNewTokens, stop } = request.generation;
  const eos = new Set(model.config.eosIds);
  const tokens: number[] = [];
  let next = first;
  try {
    while (maxNewTokens > 0 && !eos.has(next)) {
      tokens.push(next);
      if (stop.length > 0) {
        const sofar = model.tokenizer.decode(tokens);
        const cut = firstStop(sofar, stop);
        if (cut >= 0) return { tokens, text: sofar.slice(0, cut) };
      }
      if (tokens.length >= maxNewTokens) break;
      signal?.throwIfAborted();
      const embeds = await model.graphs.embedIds([next]);
      const step = await prefill(model.graphs, { embeds, length: 1 }, cache, onStep !== undefined);
      releaseCache(cache);
      cache = step.present;
      next = step.next;
      traceStep(onStep, tokens.length, step);
    }
    return { tokens, text: null };
  } finally {
    releaseCache(cache);
  }
}

/**
 * One greedy generation with stage timings; `onStep` (tests) sees every step's logits. With
 * `options.reuse` and the model's reuse caches, the prompt's vision features and prefix KV may come from
 * earlier generations (prompt-prefill.ts); the tokens are the same either way.
 */
export async function generateGreedy(
  model: FastVLMModel,
  request: GenerateRequest,
  options: TraceOptions = {},
): Promise<Generation> {
  const { signal, onStep } = options;
  const t0 = performance.now();
  signal?.throwIfAborted();
  let t1 = t0;
  let t2 = t0;
  const prompt = await prefillPrompt(model, request, {
    store: options.reuse === true ? model.reuse : null,
    withLogits: onStep !== undefined,
    signal,
    marks: {
      afterPreprocess: () => {
        t1 = performance.now();
      },
      afterVision: () => {
        t2 = performance.now();
      },
    },
  });
  const t3 = performance.now();
  const { first } = prompt;
  traceStep(onStep, 0, first);
  const { tokens, text } = await decodeLoop(model, request, first.next, first.present, options);
  const timing = stageTiming(t0, t1, t2, t3, performance.now());
  return {
    text: text ?? model.tokenizer.decode(tokens),
    tokens,
    promptTokens: prompt.promptTokens,
    visualTokens: prompt.visualTokens,
    outputTokens: tokens.length,
    timing,
    reuse: prompt.reuse,
  };
}
