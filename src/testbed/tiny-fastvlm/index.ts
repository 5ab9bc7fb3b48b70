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
 * On request (quirks.ts): `_q4` graphs whose constant MatMuls (lm_head included) are com.microsoft
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
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SPECIAL_IDS } from "../../models/fastvlm/constants.js";
import { type DecoderExtras, decoderGraph } from "./decoder.js";
import type { ExtData } from "./onnx-builder.js";
import { type Dims, PATCH, RMS_EPS, ROPE_THETA, resolveDims, type TinyModelOptions } from "./options.js";
import { scriptOf } from "./quirks.js";
import { loadTokenizer, scriptVocab, type TokenizerJson, tokenizerConfig } from "./tokenizer.js";
import { embedGraph, embedValues, visionGraph } from "./vision-embed.js";

export type { TinyModelOptions } from "./options.js";
export { reducedTokenizerPath, reduceQwenTokenizer } from "./tokenizer.js";

/** config.json, the processor and generation configs, and the tokenizer files. */
function writeJsonFiles(outDir: string, d: Dims, imageSize: number, tok: TokenizerJson): void {
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
  json("tokenizer.json", tok);
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
}

/** The three graphs for each variant (fp32, and fp16 and q4 when asked). */
function writeGraphs(
  outDir: string,
  d: Dims,
  opts: TinyModelOptions,
  tok: { json: TokenizerJson; textVocab: number },
): void {
  const seed = opts.seed ?? 1;
  const imageSize = opts.imageSize ?? 1024;
  const external = opts.externalData === true || opts.dims === "real-0.5b";
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
    const write = (graph: string, build: (ext: ExtData) => Uint8Array): void => {
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

/** Writes the whole folder (config, tokenizer, graphs) into `outDir` (created; files overwritten). */
export function writeTinyModel(outDir: string, opts: TinyModelOptions = {}): void {
  const d = resolveDims(opts);
  const tok = loadTokenizer(opts.tokenizer ?? "reduced");
  mkdirSync(join(outDir, "onnx"), { recursive: true });
  writeJsonFiles(outDir, d, opts.imageSize ?? 1024, tok.json);
  writeGraphs(outDir, d, opts, tok);
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
