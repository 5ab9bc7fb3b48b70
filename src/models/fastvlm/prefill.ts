/**
 * One decoder run over a segment of input embeddings after the positions already in the KV cache: the
 * prompt's prefill, each decode step (a segment of one), and — for reuse across questions about one
 * image — a question's suffix after a cached prefix. Position ids continue from the cache's length and the
 * attention mask covers past + segment, so the segment need not know what came before it.
 */
import type { GraphName } from "./dtype.js";
import { LOGITS_TO_KEEP_INPUTS, NEXT_TOKEN_OUTPUT } from "./graph-patch.js";
import type { FastVLMGraphs } from "./graphs.js";
import type { KvCache } from "./kv-cache.js";
import { makeTensor, type OrtTensor } from "./ort.js";
import { argmaxLast, dispose, lastRow } from "./tensors.js";

const DECODER: GraphName = "decoder_model_merged";

/** Input embeddings of consecutive positions (float32, length × hidden). */
export interface Segment {
  /** The rows. */
  embeds: Float32Array;
  /** Rows in `embeds`. */
  length: number;
}

/** What one decoder run gives back. */
export interface PrefillResult {
  /** Logits [1, S, vocab] (S = 1 when the graph keeps the last position only); null when not fetched. */
  logits: OrtTensor | null;
  /** The greedy next token (argmax of the last position). */
  next: number;
  /** The cache extended by the segment (the caller releases the one passed in when done with it). */
  present: KvCache;
}

/** The decoder feeds for `segment` after `past`: embeddings, mask, positions and optional inputs. */
function decoderFeeds(graphs: FastVLMGraphs, segment: Segment, past: KvCache): Record<string, OrtTensor> {
  const { length: seqLen, embeds } = segment;
  const pastLen = past.length;
  const total = pastLen + seqLen;
  const feeds: Record<string, OrtTensor> = {
    ...past.tensors,
    inputs_embeds: graphs.floatInput(DECODER, "inputs_embeds", embeds, [1, seqLen, graphs.config.hidden]),
    attention_mask: makeTensor("int64", new BigInt64Array(total).fill(1n), [1, total]),
    position_ids: makeTensor(
      "int64",
      BigInt64Array.from({ length: seqLen }, (_, i) => BigInt(pastLen + i)),
      [1, seqLen],
    ),
  };
  // Optional inputs some exports declare (transformers.js feeds them the same way).
  const declared = graphs.sessions[DECODER].inputs;
  if (declared.some((m) => m.name === "use_cache_branch")) {
    feeds.use_cache_branch = makeTensor("bool", Uint8Array.of(pastLen > 0 ? 1 : 0), [1]);
  }
  for (const m of declared) {
    // Only the last position's logits are used: 1 spares the [L, vocab] prefill logits (any --logits).
    if ((LOGITS_TO_KEEP_INPUTS as readonly string[]).includes(m.name))
      feeds[m.name] = makeTensor("int64", BigInt64Array.of(1n), m.shape?.length === 1 ? [1] : []);
  }
  return feeds;
}

/**
 * Runs the decoder over `segment` after `past` and picks the greedy next token: read from the patched
 * graph's argmax output when it has one and `withLogits` is false (the logits are then not copied out of
 * ORT), else by a JS argmax over the returned logits. `past` is not released.
 */
export async function prefill(
  graphs: FastVLMGraphs,
  segment: Segment,
  past: KvCache,
  withLogits: boolean,
): Promise<PrefillResult> {
  const feeds = decoderFeeds(graphs, segment, past);
  const fetches = withLogits ? undefined : (graphs.tokenFetches ?? undefined);
  const out = await graphs.run(DECODER, feeds, fetches);
  dispose(
    feeds.inputs_embeds,
    feeds.attention_mask,
    feeds.position_ids,
    feeds.use_cache_branch,
    feeds.num_logits_to_keep,
    feeds.logits_to_keep,
  );
  const tensors: Record<string, OrtTensor> = {};
  for (const [name, t] of Object.entries(out)) {
    if (name.startsWith("present.")) tensors[`past_key_values.${name.slice("present.".length)}`] = t;
  }
  const present: KvCache = { tensors, length: past.length + segment.length };
  const picked = out[NEXT_TOKEN_OUTPUT];
  const logits = out.logits ?? null;
  let next: number;
  if (picked && !logits) {
    const ids = picked.data as BigInt64Array;
    next = Number(ids[ids.length - 1]);
    dispose(picked);
  } else {
    dispose(picked);
    next = argmaxLast(logits!);
  }
  return { logits, next, present };
}

/** Last-position logits of a full forward with no cache (the reference the KV-cache path is checked against). */
export async function logitsNoCache(graphs: FastVLMGraphs, segment: Segment): Promise<Float32Array> {
  const empty = graphs.emptyCache();
  const { logits, present } = await prefill(graphs, segment, empty, true);
  const row = lastRow(logits!);
  dispose(logits, ...Object.values(present.tensors), ...Object.values(empty.tensors));
  return row;
}
