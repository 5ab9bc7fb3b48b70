/**
 * decoder_model_merged: a real Qwen2 decoder — RMSNorm, q/k/v with bias, RoPE from position_ids,
 * grouped-query attention over past+current with a causal mask and the attention_mask, SwiGLU MLP, final
 * norm, lm_head (script rows and a bias on request). present.* = concat(past, current).
 */
import type { onnx as OnnxNs } from "onnx-proto";
import { SPECIAL_IDS } from "../../models/fastvlm/constants.js";
import {
  BOOL,
  type GraphBuilder as Builder,
  type ExtData,
  encodeModel,
  FLOAT,
  FLOAT16,
  GraphBuilder,
  INT64,
  valueInfo,
  Weights,
} from "./onnx-builder.js";
import { type Dims, QK_GAIN, RMS_EPS, ROPE_THETA, scaled } from "./options.js";
import { SCRIPT_ROWS, type Transition } from "./quirks.js";

/** Decoder variations beyond dims, seed and dtype. */
export interface DecoderExtras {
  /** Ids below this decode to text; the lm_head columns of the rest are zero. */
  textVocab: number;
  /** A num_logits_to_keep input. */
  logitsToKeep: boolean;
  /** MatMulNBits weights. */
  q4: boolean;
  /** An Add of a constant bias after the lm_head. */
  lmHeadBias: boolean;
  /** Scripted transitions (empty: none). */
  script: Transition[];
  /** The embedding table (rows of the scripts' `from` ids are matched). */
  embed: () => Float32Array;
}

/** One-hot [B,S,SCRIPT_ROWS]: which script `from` token the position's input embedding is (exact match). */
function scriptIndicator(
  b: GraphBuilder,
  x: string,
  d: Dims,
  script: Transition[],
  embed: Float32Array,
): string {
  const H = d.hidden;
  const rows = new Array<number>(SCRIPT_ROWS * H).fill(1e4);
  script.forEach((t, i) => {
    for (let j = 0; j < H; j++) rows[i * H + j] = embed[t.from * H + j]!;
  });
  const diff = b.op("Sub", [
    b.op("Unsqueeze", [x, b.i64("ax", [2])]),
    b.f32("script_from", [SCRIPT_ROWS, H], rows),
  ]);
  const dist = b.op("ReduceSum", [b.op("Mul", [diff, diff]), b.i64("ax", [-1])], { keepdims: 0 });
  const hit = b.op("Cast", [b.op("Less", [dist, b.f32("script_eps", [], [1e-6])])], { to: FLOAT });
  if (!script.some((t) => t.evenOnly)) return hit;
  // Rows marked evenOnly fire only where position_ids is even: hit × (1 − gate + gate × even).
  const gate = Array.from({ length: SCRIPT_ROWS }, (_, i) => (script[i]?.evenOnly ? 1 : 0));
  const two = b.i64("two", [2], []);
  const even = b.op("Cast", [b.op("Equal", [b.op("Mod", ["position_ids", two]), b.i64("zero", [0], [])])], {
    to: FLOAT,
  });
  const evenCol = b.op("Unsqueeze", [even, b.i64("ax", [2])]);
  const gateT = b.f32("script_gate", [SCRIPT_ROWS], gate);
  const keep = b.f32(
    "script_keep",
    [SCRIPT_ROWS],
    gate.map((g) => 1 - g),
  );
  return b.op("Mul", [hit, b.op("Add", [keep, b.op("Mul", [gateT, evenCol])])]);
}

/** What every layer of one decoder graph shares. */
interface Decoder {
  b: Builder;
  w: Weights;
  d: Dims;
  fp16: boolean;
  /** Head size. */
  D: number;
  /** RoPE tables [B,1,S,D]. */
  cos: string;
  sin: string;
  /** Visibility [B,1,1,S,T]. */
  mask: string;
  /** Constants shared by the layers: int64 0, the masked-score fill, 1/sqrt(D). */
  zero: string;
  minVal: string;
  scale: string;
  /** Declared inputs and outputs of the KV cache, filled by the layers. */
  pasts: OnnxNs.IValueInfoProto[];
  presents: OnnxNs.IValueInfoProto[];
}

/** The graph input as float32 (a Cast in fp16 graphs). */
const toF = (dec: Pick<Decoder, "b" | "fp16">, name: string): string =>
  dec.fp16 ? dec.b.op("Cast", [name], { to: FLOAT }) : name;

/** RoPE tables from position_ids: [B,1,S,D]. */
function ropeTables(b: Builder, D: number): { cos: string; sin: string } {
  const half = D / 2;
  const invFreq = Array.from({ length: half }, (_, i) => 1 / ROPE_THETA ** ((2 * i) / D));
  const pos = b.op("Unsqueeze", [b.op("Cast", ["position_ids"], { to: FLOAT }), b.i64("ax", [2])]);
  const freqs = b.op("Mul", [pos, b.f32("inv_freq", [half], invFreq)]);
  const emb = b.op("Concat", [freqs, freqs], { axis: -1 });
  const ax1 = b.i64("ax", [1]);
  return {
    cos: b.op("Unsqueeze", [b.op("Cos", [emb]), ax1]),
    sin: b.op("Unsqueeze", [b.op("Sin", [emb]), ax1]),
  };
}

/** Mask [B,1,1,S,T]: key j visible to query i when j <= past+i and attention_mask[j] = 1. */
function attentionMask(b: Builder): { mask: string; zero: string } {
  const total = b.op("Squeeze", [b.op("Shape", ["attention_mask"], { start: 1, end: 2 }), b.i64("ax", [0])]);
  const seq = b.op("Squeeze", [b.op("Shape", ["inputs_embeds"], { start: 1, end: 2 }), b.i64("ax", [0])]);
  const past = b.op("Sub", [total, seq]);
  const zero = b.i64("zero", [0], []);
  const one = b.i64("one", [1], []);
  const kpos = b.op("Unsqueeze", [b.op("Range", [zero, total, one]), b.i64("ax", [0])]);
  const qpos = b.op("Unsqueeze", [b.op("Range", [past, total, one]), b.i64("ax", [1])]);
  const causal = b.op("LessOrEqual", [kpos, qpos]);
  const am = b.op("Unsqueeze", [b.op("Cast", ["attention_mask"], { to: BOOL }), b.i64("ax", [1, 2, 3])]);
  return { mask: b.op("And", [causal, am]), zero };
}

function rms(dec: Decoder, input: string, prefix: string): string {
  const { b, d } = dec;
  const ms = b.op("ReduceMean", [b.op("Mul", [input, input])], { axes: [-1], keepdims: 1 });
  const denom = b.op("Sqrt", [b.op("Add", [ms, b.f32("eps", [], [RMS_EPS])])]);
  return b.op("Mul", [b.op("Div", [input, denom]), b.weight(prefix, [d.hidden], dec.w.ones(d.hidden))]);
}

function rope(dec: Decoder, t: string): string {
  const { b } = dec;
  const half = dec.D / 2;
  const [t1, t2] = b.opMulti("Split", [t, b.i64("split", [half, half])], 2, { axis: -1 });
  const rot = b.op("Concat", [b.op("Neg", [t2!]), t1!], { axis: -1 });
  return b.op("Add", [b.op("Mul", [t, dec.cos]), b.op("Mul", [rot, dec.sin])]);
}

function heads(dec: Decoder, t: string, n: number): string {
  const { b } = dec;
  return b.op("Transpose", [b.op("Reshape", [t, b.i64("shape", [0, 0, n, dec.D])])], { perm: [0, 2, 1, 3] });
}

/** Projects h to q, k, v (with biases; q and k sharpened by QK_GAIN). */
function qkv(dec: Decoder, h: string, l: number): { q: string; k: string; v: string } {
  const { b, w } = dec;
  const H = dec.d.hidden;
  const kvw = dec.d.kvHeads * dec.D;
  return {
    q: b.op("Add", [
      b.matmul(h, `l${l}_q`, H, H, scaled(w.matrix(H, H), QK_GAIN)),
      b.weight(`l${l}_qb`, [H], w.uniform(H, 0.1)),
    ]),
    k: b.op("Add", [
      b.matmul(h, `l${l}_k`, H, kvw, scaled(w.matrix(H, kvw), QK_GAIN)),
      b.weight(`l${l}_kb`, [kvw], w.uniform(kvw, 0.1)),
    ]),
    v: b.op("Add", [
      b.matmul(h, `l${l}_v`, H, kvw, w.matrix(H, kvw)),
      b.weight(`l${l}_vb`, [kvw], w.uniform(kvw, 0.1)),
    ]),
  };
}

/** Concatenates the layer's past with the current k/v and declares past_key_values.* and present.*. */
function kvCache(dec: Decoder, l: number, kh: string, vh: string): { pk: string; pv: string } {
  const { b, fp16 } = dec;
  const elem = fp16 ? FLOAT16 : FLOAT;
  const KV = dec.d.kvHeads;
  const pk = b.op("Concat", [toF(dec, `past_key_values.${l}.key`), kh], { axis: 2 });
  const pv = b.op("Concat", [toF(dec, `past_key_values.${l}.value`), vh], { axis: 2 });
  for (const [kind, t] of [
    ["key", pk],
    ["value", pv],
  ] as const) {
    const outName = `present.${l}.${kind}`;
    b.op(fp16 ? "Cast" : "Identity", [t], fp16 ? { to: FLOAT16 } : {}, outName);
    dec.presents.push(
      valueInfo(outName, elem, ["batch_size", KV, "past_sequence_length + sequence_length", dec.D]),
    );
    dec.pasts.push(
      valueInfo(`past_key_values.${l}.${kind}`, elem, ["batch_size", KV, "past_sequence_length", dec.D]),
    );
  }
  return { pk, pv };
}

/** One decoder layer: attention with the KV cache, then the SwiGLU MLP, both residual. */
function decoderLayer(dec: Decoder, x: string, l: number): string {
  const { b, w, d, D } = dec;
  const H = d.hidden;
  const KV = d.kvHeads;
  const G = d.heads / KV;
  const { q, k, v } = qkv(dec, rms(dec, x, `l${l}_in_norm`), l);
  const qh = rope(dec, heads(dec, q, d.heads));
  const { pk, pv } = kvCache(dec, l, rope(dec, heads(dec, k, KV)), heads(dec, v, KV));
  const q5 = b.op("Reshape", [qh, b.i64("shape", [0, KV, G, -1, D])]);
  const k5 = b.op("Transpose", [b.op("Unsqueeze", [pk, b.i64("ax", [2])])], { perm: [0, 1, 2, 4, 3] });
  const v5 = b.op("Unsqueeze", [pv, b.i64("ax", [2])]);
  let scores = b.op("Mul", [b.op("MatMul", [q5, k5]), dec.scale]);
  scores = b.op("Where", [dec.mask, scores, dec.minVal]);
  const probs = b.op("Softmax", [scores], { axis: -1 });
  let o = b.op("MatMul", [probs, v5]);
  o = b.op("Reshape", [o, b.i64("shape", [0, d.heads, -1, D])]);
  o = b.op("Transpose", [o], { perm: [0, 2, 1, 3] });
  o = b.op("Reshape", [o, b.i64("shape", [0, 0, H])]);
  o = b.matmul(o, `l${l}_o`, H, H, w.matrix(H, H));
  const mid = b.op("Add", [x, o]);
  const h2 = rms(dec, mid, `l${l}_post_norm`);
  const g = b.matmul(h2, `l${l}_gate`, H, d.intermediate, w.matrix(H, d.intermediate));
  const u = b.matmul(h2, `l${l}_up`, H, d.intermediate, w.matrix(H, d.intermediate));
  const act = b.op("Mul", [b.op("Mul", [g, b.op("Sigmoid", [g])]), u]);
  const down = b.matmul(act, `l${l}_down`, d.intermediate, H, w.matrix(d.intermediate, H));
  return b.op("Add", [mid, down]);
}

/** Keep the last k positions (k = 0: all): slice from max(S - k, 0) when k > 0, else from 0. */
function keepLastLogits(b: Builder, final: string, zero: string): string {
  const k = "num_logits_to_keep";
  const isZero = b.op("Equal", [k, zero]);
  const start = b.op("Where", [isZero, zero, b.op("Neg", [k])]);
  const starts = b.op("Unsqueeze", [start, b.i64("ax", [0])]);
  return b.op("Slice", [final, starts, b.i64("ends", [2 ** 53 - 1]), b.i64("axes", [1])]);
}

/** The lm_head (zeroed columns for ids never to pick; script rows; optional bias) → logits. */
function lmHead(dec: Decoder, final: string, embedsF: string, extras: DecoderExtras): string {
  const { b, w, d } = dec;
  const H = d.hidden;
  const { textVocab, script } = extras;
  const lm = w.matrix(H, d.vocab);
  // Zero the columns greedy decoding must never pick: specials and ids the tokenizer cannot decode.
  for (let r = 0; r < H; r++) {
    const row = lm.subarray(r * d.vocab, (r + 1) * d.vocab);
    row.fill(0, Math.min(textVocab, SPECIAL_IDS.endoftext));
  }
  let head = final;
  let headRows = H;
  let weights = lm;
  if (script.length > 0) {
    // Extra lm_head rows fed by the script indicator: row i puts `gain` on transition i's next token.
    head = b.op("Concat", [final, scriptIndicator(b, embedsF, d, script, extras.embed())], { axis: -1 });
    headRows = H + SCRIPT_ROWS;
    weights = new Float32Array(headRows * d.vocab);
    weights.set(lm);
    script.forEach((t, i) => {
      weights[(H + i) * d.vocab + t.to] = t.gain;
    });
  }
  let logits = b.matmul(head, "lm_head", headRows, d.vocab, weights);
  if (extras.lmHeadBias) {
    const bias = w.uniform(d.vocab, 0.5);
    bias.fill(0, Math.min(textVocab, SPECIAL_IDS.endoftext));
    logits = b.op("Add", [logits, b.weight("lm_head_bias", [d.vocab], bias)]);
  }
  return logits;
}

/** The decoder graph, serialised. */
export function decoderGraph(
  d: Dims,
  seed: number,
  fp16: boolean,
  ext: ExtData,
  extras: DecoderExtras,
): Uint8Array {
  const w = new Weights(seed * 7 + 3);
  const b = new GraphBuilder(fp16, ext, extras.q4);
  const elem = fp16 ? FLOAT16 : FLOAT;
  const D = d.hidden / d.heads;
  const embedsF = toF({ b, fp16 }, "inputs_embeds");
  const { cos, sin } = ropeTables(b, D);
  const { mask, zero } = attentionMask(b);
  const minVal = b.f32("min", [], [-3.4028234663852886e38]);
  const scale = b.f32("scale", [], [1 / Math.sqrt(D)]);
  const dec: Decoder = { b, w, d, fp16, D, cos, sin, mask, zero, minVal, scale, pasts: [], presents: [] };
  let x = embedsF;
  for (let l = 0; l < d.layers; l++) x = decoderLayer(dec, x, l);
  let final = rms(dec, x, "final_norm");
  if (extras.logitsToKeep) final = keepLastLogits(b, final, zero);
  const logits = lmHead(dec, final, embedsF, extras);
  b.op(fp16 ? "Cast" : "Identity", [logits], fp16 ? { to: FLOAT16 } : {}, "logits");
  b.close();
  const inputs = [
    valueInfo("inputs_embeds", elem, ["batch_size", "sequence_length", d.hidden]),
    valueInfo("attention_mask", INT64, ["batch_size", "past_sequence_length + sequence_length"]),
    valueInfo("position_ids", INT64, ["batch_size", "sequence_length"]),
    ...dec.pasts,
    ...(extras.logitsToKeep ? [valueInfo("num_logits_to_keep", INT64, [])] : []),
  ];
  const outputs = [valueInfo("logits", elem, ["batch_size", "sequence_length", d.vocab]), ...dec.presents];
  return encodeModel(b, "decoder_model_merged", inputs, outputs);
}
