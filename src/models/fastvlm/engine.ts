/**
 * FastVLM on onnxruntime-node: model folder loading and checks, prompt assembly with image features
 * spliced in place of each image id, greedy KV-cache decoding, and stage timings.
 *
 * Decode loop (batch 1 per call; concurrent calls share the three sessions):
 *   prefill: inputs_embeds [1,L,H] (text embeddings + 256 feature rows per image), attention_mask ones,
 *            position_ids 0..L-1, empty past tensors [1,kv,0,d] of the graph's dtype;
 *   step t:  embed the last token, attention_mask ones [1,L+t], position_ids [[L+t-1]],
 *            past_key_values.* = the previous present.* (fed back by name);
 *   greedy argmax over the last position's logits only; stop on <|im_end|>/<|endoftext|> (and
 *   generation_config eos ids), max new tokens, or a task stop string (the text is cut there).
 *
 * TTFT (docs/architecture.md): from the call start (bytes and prompt in hand) to the first token id known.
 * preprocessMs, visionMs and prefillMs are consecutive spans inside it.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { DataError, HarnessError, ModelError } from "../../core/errors.js";
import { warn } from "../../core/log.js";
import type {
  GenerateOptions,
  GenerateRequest,
  Generation,
  ModelBackend,
  ModelInfo,
  Timing,
} from "../../core/types.js";
import { type ImageMode, preloadImageCodec, preprocessImage } from "../../data/images.js";
import { firstStop } from "../stop.js";
import { DEFAULT_LOGITS, type LogitsMode, SPECIAL_IDS } from "./constants.js";
import {
  chooseLocalDtype,
  type DtypeMap,
  type DtypeSpec,
  GRAPHS,
  type GraphName,
  graphFile,
} from "./dtype.js";
import { float32ToHalf, halfToFloat, halfToFloat32 } from "./fp16.js";
import {
  decodeModel,
  graphInputNames,
  LOGITS_TO_KEEP_INPUTS,
  NEXT_TOKEN_OUTPUT,
  type SlicedGraph,
  type StagedModel,
  type StageOptions,
  sliceLastLogits,
  stagePatchedModel,
} from "./graph-patch.js";
import { readSkeleton } from "./onnx-skeleton.js";
import {
  createSession,
  type Device,
  type IoMeta,
  makeTensor,
  type OrtSession,
  type OrtTensor,
} from "./ort.js";
import { loadPromptTokenizer, type PromptTokenizer } from "./prompt.js";

/** Options of loadFastVLM. */
export interface FastVLMOptions {
  /** Explicit dtype per graph; graphs left out follow the files present (see chooseLocalDtype). */
  dtype?: DtypeSpec;
  /** Execution provider; default cpu. */
  device?: Device;
  /** Intra-op threads per session (0 = ORT default). */
  threads?: number;
  /** Inter-op threads per session (0 = ORT default). */
  interOpThreads?: number;
  /** pad (LLaVA, default) or crop (transformers.js). */
  imageMode?: ImageMode;
  /** Name recorded in ModelInfo (default: the folder). */
  name?: string;
  /** Source recorded in ModelInfo (default: the absolute folder). */
  source?: string;
  /** Hub commit sha, or null for a local folder. */
  revision?: string | null;
  /**
   * `last` (default): logits for the last position only (a decoder declaring
   * num_logits_to_keep/logits_to_keep already does this; others are patched in memory at load, falling
   * back to `all` with a warning when the graph does not allow it). `all`: the decoder graph as shipped.
   */
  logits?: LogitsMode;
  /** Where the patched decoder is staged (tests). */
  logitsStage?: StageOptions;
}

/** What the engine reads from the folder's JSON files. */
export interface FastVLMConfig {
  /** LLM width (hidden_size). */
  hidden: number;
  /** Decoder layers. */
  layers: number;
  /** vocab_size. */
  vocab: number;
  /** Id standing for an image in the prompt (image_token_index). */
  imageTokenId: number;
  /** Ids that end generation. */
  eosIds: number[];
  /** Square input side of the vision encoder. */
  imageSize: number;
  /** Feature rows per image. */
  tokensPerImage: number;
  /** Normalisation. */
  mean: number[];
  /** Normalisation. */
  std: number[];
  /** 0..255 → 0..1 factor. */
  rescale: number;
  /**
   * Positions the model takes: the smaller of max_position_embeddings and tokenizer_model_max_length
   * (config.json or its text_config), or null when neither is given.
   */
  contextLength: number | null;
}

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

function readJsonFile(path: string, required: boolean): Record<string, unknown> | null {
  if (!existsSync(path)) {
    if (required)
      throw new ModelError(`Model file ${path} is missing.`, "The folder is not a complete FastVLM export.");
    return null;
  }
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new ModelError(
      `Model file ${path} is not valid JSON: ${(err as Error).message}`,
      "Download it again.",
      {
        cause: err,
      },
    );
  }
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const nums = (v: unknown): number[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === "number") ? (v as number[]) : undefined;

/** Reads config.json, preprocessor_config.json, processor_config.json, generation_config.json. */
export function readFastVLMConfig(dir: string): FastVLMConfig {
  const cfg = readJsonFile(join(dir, "config.json"), true) ?? {};
  const pre = readJsonFile(join(dir, "preprocessor_config.json"), false) ?? {};
  const proc = readJsonFile(join(dir, "processor_config.json"), false) ?? {};
  const gen = readJsonFile(join(dir, "generation_config.json"), false) ?? {};
  const problems: string[] = [];
  // Some configs nest the LLM settings under text_config; 0 = unknown, filled from the graphs at load.
  const text = (
    typeof cfg.text_config === "object" && cfg.text_config !== null ? cfg.text_config : {}
  ) as Record<string, unknown>;
  const hidden = num(cfg.hidden_size) ?? num(text.hidden_size);
  const layers = num(cfg.num_hidden_layers) ?? num(text.num_hidden_layers);
  if (cfg.model_type !== undefined && typeof cfg.model_type !== "string")
    problems.push("model_type is not a string");
  if (problems.length > 0) {
    throw new ModelError(
      `${join(dir, "config.json")}: ${problems.join(", ")}.`,
      "Is this a FastVLM (llava_qwen2) export?",
    );
  }
  const crop = pre.crop_size;
  const size = pre.size;
  const imageSize =
    num(crop) ??
    num((crop as { height?: unknown } | undefined)?.height) ??
    num((size as { shortest_edge?: unknown } | undefined)?.shortest_edge) ??
    1024;
  const patch = num(proc.patch_size) ?? 64;
  const extra = num(proc.num_additional_image_tokens) ?? 0;
  const eos = new Set<number>([SPECIAL_IDS.imEnd, SPECIAL_IDS.endoftext]);
  for (const src of [cfg.eos_token_id, gen.eos_token_id]) {
    if (typeof src === "number") eos.add(src);
    for (const id of nums(src) ?? []) eos.add(id);
  }
  const limits = [
    num(cfg.max_position_embeddings) ?? num(text.max_position_embeddings),
    num(cfg.tokenizer_model_max_length) ?? num(text.tokenizer_model_max_length),
  ].filter((n): n is number => n !== undefined && n > 0);
  return {
    contextLength: limits.length > 0 ? Math.min(...limits) : null,
    hidden: hidden ?? 0,
    layers: layers ?? 0,
    vocab: num(cfg.vocab_size) ?? num(text.vocab_size) ?? 151936,
    imageTokenId: num(cfg.image_token_index) ?? SPECIAL_IDS.image,
    eosIds: [...eos],
    imageSize,
    tokensPerImage: Math.floor(imageSize / patch) ** 2 + extra,
    mean: nums(pre.image_mean) ?? [0, 0, 0],
    std: nums(pre.image_std) ?? [1, 1, 1],
    rescale: num(pre.rescale_factor) ?? 1 / 255,
  };
}

interface Expect {
  name: string;
  types: string[];
  rank: number | number[];
}

function checkIo(
  graph: GraphName,
  file: string,
  kind: "input" | "output",
  have: IoMeta[],
  want: Expect[],
): string[] {
  const problems: string[] = [];
  const byName = new Map(have.map((m) => [m.name, m]));
  const missing: string[] = [];
  for (const w of want) {
    const m = byName.get(w.name);
    if (!m) {
      missing.push(`'${w.name}'`);
      continue;
    }
    if (m.type === null || !w.types.includes(m.type)) {
      problems.push(
        `${graph} ${kind} '${w.name}' is ${m.type ?? "not a tensor"}, expected ${w.types.join(" or ")}`,
      );
    }
    const ranks = Array.isArray(w.rank) ? w.rank : [w.rank];
    if (m.shape && !ranks.includes(m.shape.length)) {
      problems.push(
        `${graph} ${kind} '${w.name}' has rank ${m.shape.length}, expected ${ranks.join(" or ")}`,
      );
    }
  }
  if (missing.length > 0) {
    const shown = missing.length > 8 ? [...missing.slice(0, 8), `… (${missing.length} in all)`] : missing;
    problems.unshift(
      `${graph} (${file}) has no ${kind} ${shown.join(", ")} (its ${kind}s: ${have.map((h) => h.name).join(", ") || "none"})`,
    );
  }
  return problems;
}

const FLOATS = ["float32", "float16"];

/** Checks the three graphs against what the decode loop feeds and reads; every problem at once. */
export function checkGraphs(
  sessions: Record<GraphName, OrtSession>,
  cfg: FastVLMConfig,
  files: Record<GraphName, string>,
): void {
  const problems: string[] = [];
  problems.push(
    ...checkIo("vision_encoder", files.vision_encoder, "input", sessions.vision_encoder.inputs, [
      { name: "pixel_values", types: FLOATS, rank: 4 },
    ]),
    ...checkIo("vision_encoder", files.vision_encoder, "output", sessions.vision_encoder.outputs, [
      { name: "image_features", types: FLOATS, rank: [2, 3] },
    ]),
    ...checkIo("embed_tokens", files.embed_tokens, "input", sessions.embed_tokens.inputs, [
      { name: "input_ids", types: ["int64"], rank: 2 },
    ]),
    ...checkIo("embed_tokens", files.embed_tokens, "output", sessions.embed_tokens.outputs, [
      { name: "inputs_embeds", types: FLOATS, rank: 3 },
    ]),
  );
  const decIn: Expect[] = [
    { name: "inputs_embeds", types: FLOATS, rank: 3 },
    { name: "attention_mask", types: ["int64"], rank: 2 },
    { name: "position_ids", types: ["int64"], rank: 2 },
  ];
  const decOut: Expect[] = [{ name: "logits", types: FLOATS, rank: 3 }];
  for (let i = 0; i < cfg.layers; i++) {
    for (const kind of ["key", "value"]) {
      decIn.push({ name: `past_key_values.${i}.${kind}`, types: FLOATS, rank: 4 });
      decOut.push({ name: `present.${i}.${kind}`, types: FLOATS, rank: 4 });
    }
  }
  const dec = sessions.decoder_model_merged;
  problems.push(
    ...checkIo("decoder_model_merged", files.decoder_model_merged, "input", dec.inputs, decIn),
    ...checkIo("decoder_model_merged", files.decoder_model_merged, "output", dec.outputs, decOut),
  );
  const known = new Set<string>([...decIn.map((e) => e.name), "use_cache_branch", ...LOGITS_TO_KEEP_INPUTS]);
  const extra = dec.inputs.filter((m) => !known.has(m.name)).map((m) => m.name);
  if (extra.length > 0) {
    problems.push(
      `decoder_model_merged has inputs the decode loop does not feed: ${extra.join(", ")} (num_hidden_layers in config.json is ${cfg.layers})`,
    );
  }
  const width = (metas: IoMeta[], name: string): number | string | undefined =>
    metas.find((m) => m.name === name)?.shape?.[2];
  for (const [graph, w] of [
    ["vision_encoder image_features", width(sessions.vision_encoder.outputs, "image_features")],
    ["embed_tokens inputs_embeds", width(sessions.embed_tokens.outputs, "inputs_embeds")],
    ["decoder_model_merged inputs_embeds", width(dec.inputs, "inputs_embeds")],
  ] as const) {
    if (typeof w === "number" && w !== cfg.hidden)
      problems.push(`${graph} width is ${w}, config.json hidden_size is ${cfg.hidden}`);
  }
  if (problems.length > 0) {
    throw new ModelError(
      `The model graphs do not match what FastVLM decoding needs:\n  - ${problems.join("\n  - ")}`,
      "Use an onnx-community FastVLM export (vision_encoder, embed_tokens, decoder_model_merged with past_key_values).",
    );
  }
}

/**
 * The float32 data of a CPU output tensor (float16 widened into a new array). onnxruntime-node gives each
 * output its own ArrayBuffer, which outlives the tensor's dispose(): no copy is needed to keep it.
 */
function floatData(t: OrtTensor): Float32Array {
  if (t.type === "float32") return t.data as Float32Array;
  if (t.type === "float16") return halfToFloat32(t.data as Uint16Array);
  throw new ModelError(`Expected a float tensor, got ${t.type}.`);
}

/** Argmax over the last position of logits [1,S,V] without copying the tensor. */
export function argmaxLast(t: OrtTensor): number {
  const v = t.dims[t.dims.length - 1]!;
  const s = t.dims[t.dims.length - 2]!;
  const off = (s - 1) * v;
  let best = 0;
  let bestVal = Number.NEGATIVE_INFINITY;
  if (t.type === "float16") {
    const d = t.data as Uint16Array;
    for (let i = 0; i < v; i++) {
      const x = halfToFloat(d[off + i]!);
      if (x > bestVal) {
        bestVal = x;
        best = i;
      }
    }
  } else {
    const d = t.data as Float32Array;
    for (let i = 0; i < v; i++) {
      const x = d[off + i]!;
      if (x > bestVal) {
        bestVal = x;
        best = i;
      }
    }
  }
  return best;
}

function lastRow(t: OrtTensor): Float32Array {
  const v = t.dims[t.dims.length - 1]!;
  const s = t.dims[t.dims.length - 2]!;
  const off = (s - 1) * v;
  if (t.type === "float16") return halfToFloat32((t.data as Uint16Array).subarray(off, off + v));
  return (t.data as Float32Array).slice(off, off + v);
}

function dispose(...tensors: (OrtTensor | null | undefined)[]): void {
  for (const t of tensors) t?.dispose?.();
}

const HEAD_BYTES = 1 << 20;

function fileDigest(hash: ReturnType<typeof createHash>, path: string): void {
  const size = statSync(path).size;
  hash.update(`${path.split("/").pop()}:${size}\n`);
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, size));
    readSync(fd, buf, 0, buf.length, 0);
    hash.update(buf);
    if (size > HEAD_BYTES) {
      readSync(fd, buf, 0, buf.length, Math.max(HEAD_BYTES, size - HEAD_BYTES));
      hash.update(buf);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Fingerprint of a loaded model: sha256 over the revision (Hub sha) when known, config.json,
 * tokenizer_config.json and preprocessor_config.json contents, each graph file's (and its
 * .onnx_data's) name, size and first and last MiB, the dtype per graph and the image mode.
 * It changes when weights, dtype or preprocessing change; it does not hash every weight byte.
 */
export function fingerprint(
  dir: string,
  files: Record<GraphName, string>,
  dtype: DtypeMap,
  imageMode: ImageMode,
  revision: string | null,
  patchedLogits = false,
): string {
  const h = createHash("sha256");
  h.update(`revision:${revision ?? "local"}\nimage:${imageMode}\n`);
  // A patched decoder is a different graph (same tokens, other float rounding is possible): runs of the
  // two modes never resume each other. Unpatched keeps the fingerprint it always had.
  if (patchedLogits) h.update("logits:last-patched\n");
  for (const g of GRAPHS) h.update(`${g}=${dtype[g]}\n`);
  for (const name of ["config.json", "tokenizer_config.json", "preprocessor_config.json"]) {
    const p = join(dir, name);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  for (const g of GRAPHS) {
    const p = join(dir, files[g]);
    fileDigest(h, p);
    if (existsSync(`${p}_data`)) fileDigest(h, `${p}_data`);
  }
  return h.digest("hex").slice(0, 16);
}

/** The FastVLM backend over three shared ONNX Runtime sessions. */
export class FastVLMEngine implements ModelBackend {
  /** Run-record description. */
  readonly info: ModelInfo;

  /** Decoder outputs to fetch when the patched graph picks the token itself (logits stay in ORT). */
  private readonly tokenFetches: string[] | null;

  constructor(
    readonly config: FastVLMConfig,
    private readonly sessions: Record<GraphName, OrtSession>,
    readonly tokenizer: PromptTokenizer,
    readonly imageMode: ImageMode,
    info: ModelInfo,
  ) {
    this.info = info;
    const outs = sessions.decoder_model_merged.outputs.map((o) => o.name);
    this.tokenFetches = outs.includes(NEXT_TOKEN_OUTPUT) ? outs.filter((n) => n !== "logits") : null;
  }

  private type(graph: GraphName, kind: "in" | "out", name: string): string {
    const list = kind === "in" ? this.sessions[graph].inputs : this.sessions[graph].outputs;
    return list.find((m) => m.name === name)?.type ?? "float32";
  }

  /** Encoded image → feature rows (float32, tokensPerImage × hidden). */
  async encodeImage(pixels: Float32Array): Promise<Float32Array> {
    const s = this.config.imageSize;
    const type = this.type("vision_encoder", "in", "pixel_values");
    const input =
      type === "float16"
        ? makeTensor("float16", float32ToHalf(pixels), [1, 3, s, s])
        : makeTensor("float32", pixels, [1, 3, s, s]);
    const out = await this.runGraph("vision_encoder", { pixel_values: input });
    const f = out.image_features!;
    try {
      // [1, rows, hidden] or [rows, hidden]: like transformers.js, take the rows as they come.
      if (f.dims[f.dims.length - 1] !== this.config.hidden) {
        throw new ModelError(
          `vision_encoder returned image_features [${f.dims.join(",")}], expected rows of width ${this.config.hidden}.`,
          "Check config.json hidden_size against the graph.",
        );
      }
      return floatData(f);
    } finally {
      dispose(input, f);
    }
  }

  /** Token ids → embeddings (float32, ids.length × hidden). */
  async embedIds(ids: number[]): Promise<Float32Array> {
    const input = makeTensor(
      "int64",
      BigInt64Array.from(ids, (x) => BigInt(x)),
      [1, ids.length],
    );
    const out = await this.runGraph("embed_tokens", { input_ids: input });
    const e = out.inputs_embeds!;
    try {
      return floatData(e);
    } finally {
      dispose(input, e);
    }
  }

  private async runGraph(
    graph: GraphName,
    feeds: Record<string, OrtTensor>,
    fetches?: readonly string[],
  ): Promise<Record<string, OrtTensor>> {
    try {
      return await this.sessions[graph].run(feeds, fetches);
    } catch (err) {
      if (err instanceof HarnessError) throw err;
      throw new ModelError(`${graph} failed: ${(err as Error).message}`, undefined, { cause: err });
    }
  }

  /** Empty past tensors [1, kv, 0, d] of the decoder's declared dtypes. */
  emptyCache(): Record<string, OrtTensor> {
    const cache: Record<string, OrtTensor> = {};
    for (const m of this.sessions.decoder_model_merged.inputs) {
      if (!m.name.startsWith("past_key_values.")) continue;
      const dims = (m.shape ?? []).map((d, i) => (typeof d === "number" ? d : i === 0 ? 1 : 0));
      cache[m.name] =
        m.type === "float16"
          ? makeTensor("float16", new Uint16Array(0), dims)
          : makeTensor("float32", new Float32Array(0), dims);
    }
    return cache;
  }

  /** One decoder run over `seqLen` new positions after `pastLen` cached ones. */
  async forward(
    embeds: Float32Array,
    seqLen: number,
    past: Record<string, OrtTensor>,
    pastLen: number,
  ): Promise<{ logits: OrtTensor; present: Record<string, OrtTensor> }> {
    const out = await this.decoderStep(embeds, seqLen, past, pastLen, true);
    return { logits: out.logits!, present: out.present };
  }

  /**
   * A decoder run and the greedy next token: read from the patched graph's argmax output when it has
   * one and `withLogits` is false (the logits are then not copied out of ORT), else by a JS argmax.
   */
  private async decoderStep(
    embeds: Float32Array,
    seqLen: number,
    past: Record<string, OrtTensor>,
    pastLen: number,
    withLogits: boolean,
  ): Promise<{ logits: OrtTensor | null; next: number; present: Record<string, OrtTensor> }> {
    const h = this.config.hidden;
    const type = this.type("decoder_model_merged", "in", "inputs_embeds");
    const total = pastLen + seqLen;
    const feeds: Record<string, OrtTensor> = {
      ...past,
      inputs_embeds:
        type === "float16"
          ? makeTensor("float16", float32ToHalf(embeds), [1, seqLen, h])
          : makeTensor("float32", embeds, [1, seqLen, h]),
      attention_mask: makeTensor("int64", new BigInt64Array(total).fill(1n), [1, total]),
      position_ids: makeTensor(
        "int64",
        BigInt64Array.from({ length: seqLen }, (_, i) => BigInt(pastLen + i)),
        [1, seqLen],
      ),
    };
    // Optional inputs some exports declare (transformers.js feeds them the same way).
    const declared = this.sessions.decoder_model_merged.inputs;
    if (declared.some((m) => m.name === "use_cache_branch")) {
      feeds.use_cache_branch = makeTensor("bool", Uint8Array.of(pastLen > 0 ? 1 : 0), [1]);
    }
    for (const m of declared) {
      // Only the last position's logits are used: 1 spares the [L, vocab] prefill logits (any --logits).
      if ((LOGITS_TO_KEEP_INPUTS as readonly string[]).includes(m.name))
        feeds[m.name] = makeTensor("int64", BigInt64Array.of(1n), m.shape?.length === 1 ? [1] : []);
    }
    const fetches = withLogits ? undefined : (this.tokenFetches ?? undefined);
    const out = await this.runGraph("decoder_model_merged", feeds, fetches);
    dispose(
      feeds.inputs_embeds,
      feeds.attention_mask,
      feeds.position_ids,
      feeds.use_cache_branch,
      feeds.num_logits_to_keep,
      feeds.logits_to_keep,
    );
    const present: Record<string, OrtTensor> = {};
    for (const [name, t] of Object.entries(out)) {
      if (name.startsWith("present.")) present[`past_key_values.${name.slice("present.".length)}`] = t;
    }
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

  /**
   * Refuses a prompt whose positions (text tokens + image rows) plus max new tokens exceed the model's
   * context, before any graph runs: past it the decoder's memory grows with the square of the length
   * (a 100 KB prompt crashed onnxruntime) and the positions are beyond what the model was trained on.
   */
  private checkContext(ids: readonly number[], request: GenerateRequest): void {
    const limit = this.config.contextLength;
    if (limit === null) return;
    const imageRows = request.images.length * this.config.tokensPerImage;
    const text = ids.length - ids.filter((id) => id === this.config.imageTokenId).length;
    const want = text + imageRows + request.generation.maxNewTokens;
    if (want <= limit) return;
    throw new DataError(
      `The prompt is too long for the model: ${text} text tokens + ${imageRows} image rows + ` +
        `${request.generation.maxNewTokens} max new tokens = ${want} positions, more than its context of ${limit} ` +
        "(config.json max_position_embeddings / tokenizer_model_max_length).",
      "Shorten the prompt, use fewer images, or lower --max-new-tokens.",
    );
  }

  /** Prompt → ids; images → features; returns the assembled inputs_embeds and counts. */
  async buildInputs(
    request: GenerateRequest,
    marks?: { afterPreprocess?: () => void; afterVision?: () => void },
  ): Promise<{ embeds: Float32Array; length: number; visualTokens: number }> {
    const cfg = this.config;
    const [pixels, prompt] = await Promise.all([
      Promise.all(
        request.images.map((img) =>
          preprocessImage(img.bytes, {
            mode: this.imageMode,
            size: cfg.imageSize,
            mean: cfg.mean,
            std: cfg.std,
            rescale: cfg.rescale,
          }).catch((err: unknown) => {
            if (err instanceof DataError)
              throw new DataError(`Image ${img.source}: ${err.message}`, err.hint, { cause: err });
            throw err;
          }),
        ),
      ),
      Promise.resolve().then(() => this.tokenizer.encodePrompt(request.prompt, request.images.length)),
    ]);
    this.checkContext(prompt.ids, request);
    marks?.afterPreprocess?.();
    const features: Float32Array[] = [];
    for (const px of pixels) features.push(await this.encodeImage(px));
    marks?.afterVision?.();
    const ids = prompt.ids;
    const textIds = ids.filter((id) => id !== cfg.imageTokenId);
    const textEmb = textIds.length > 0 ? await this.embedIds(textIds) : new Float32Array(0);
    const h = cfg.hidden;
    const visualTokens = features.reduce((n, f) => n + f.length / h, 0);
    const length = textIds.length + visualTokens;
    const embeds = new Float32Array(length * h);
    let row = 0;
    let textRow = 0;
    let image = 0;
    for (const id of ids) {
      if (id === cfg.imageTokenId) {
        const f = features[image++]!;
        embeds.set(f, row * h);
        row += f.length / h;
      } else {
        embeds.set(textEmb.subarray(textRow * h, (textRow + 1) * h), row * h);
        textRow++;
        row++;
      }
    }
    return { embeds, length, visualTokens };
  }

  /** Last-position logits of a full forward with no cache (tests: the reference for the KV-cache path). */
  async logitsNoCache(embeds: Float32Array, length: number): Promise<Float32Array> {
    const { logits, present } = await this.forward(embeds, length, this.emptyCache(), 0);
    const row = lastRow(logits);
    dispose(logits, ...Object.values(present));
    return row;
  }

  /** Runs one generation. */
  generate(request: GenerateRequest, options: GenerateOptions = {}): Promise<Generation> {
    return this.generateTraced(request, options);
  }

  /** generate() with an optional per-step hook. */
  async generateTraced(request: GenerateRequest, options: TraceOptions = {}): Promise<Generation> {
    const { signal, onStep } = options;
    const t0 = performance.now();
    signal?.throwIfAborted();
    let t1 = t0;
    let t2 = t0;
    const inputs = await this.buildInputs(request, {
      afterPreprocess: () => {
        t1 = performance.now();
      },
      afterVision: () => {
        t2 = performance.now();
      },
    });
    signal?.throwIfAborted();
    const withLogits = onStep !== undefined;
    let cache = this.emptyCache();
    let step = await this.decoderStep(inputs.embeds, inputs.length, cache, 0, withLogits);
    dispose(...Object.values(cache));
    cache = step.present;
    let next = step.next;
    const t3 = performance.now();
    if (onStep && step.logits) onStep({ step: 0, token: next, logits: lastRow(step.logits) });
    dispose(step.logits);

    const { maxNewTokens, stop } = request.generation;
    const eos = new Set(this.config.eosIds);
    const tokens: number[] = [];
    let text: string | null = null;
    let pastLen = inputs.length;
    try {
      while (maxNewTokens > 0 && !eos.has(next)) {
        tokens.push(next);
        if (stop.length > 0) {
          const sofar = this.tokenizer.decode(tokens);
          const cut = firstStop(sofar, stop);
          if (cut >= 0) {
            text = sofar.slice(0, cut);
            break;
          }
        }
        if (tokens.length >= maxNewTokens) break;
        signal?.throwIfAborted();
        const emb = await this.embedIds([next]);
        step = await this.decoderStep(emb, 1, cache, pastLen, withLogits);
        dispose(...Object.values(cache));
        cache = step.present;
        pastLen++;
        next = step.next;
        if (onStep && step.logits) onStep({ step: tokens.length, token: next, logits: lastRow(step.logits) });
        dispose(step.logits);
      }
    } finally {
      dispose(...Object.values(cache));
    }
    const tEnd = performance.now();
    const timing = stageTiming(t0, t1, t2, t3, tEnd);
    return {
      text: text ?? this.tokenizer.decode(tokens),
      tokens,
      promptTokens: inputs.length,
      visualTokens: inputs.visualTokens,
      outputTokens: tokens.length,
      timing,
    };
  }

  /** Releases the three sessions. */
  async dispose(): Promise<void> {
    await Promise.all(GRAPHS.map((g) => this.sessions[g].release()));
  }
}

/**
 * Stage spans from the marks: preprocess t0→t1 (images + tokenisation), vision t1→t2, prefill
 * t2→t3 (text embedding, splice, decoder prefill, argmax), decode t3→end. ttft = t3 − t0, never
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

/** Takes hidden size and layer count from the decoder when config.json does not give them. */
function fillFromGraphs(config: FastVLMConfig, sessions: Record<GraphName, OrtSession>, root: string): void {
  const dec = sessions.decoder_model_merged;
  if (config.layers === 0) {
    config.layers = dec.inputs.filter((m) => /^past_key_values\.\d+\.key$/.test(m.name)).length;
  }
  if (config.hidden === 0) {
    const w = dec.inputs.find((m) => m.name === "inputs_embeds")?.shape?.[2];
    if (typeof w === "number") config.hidden = w;
  }
  const missing = [
    config.hidden === 0 ? "hidden_size" : "",
    config.layers === 0 ? "num_hidden_layers" : "",
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new ModelError(
      `${join(root, "config.json")} lacks ${missing.join(" and ")}, and the decoder graph does not tell them either.`,
      "Is this a FastVLM (llava_qwen2) export?",
    );
  }
}

const warnedLogits = new Set<string>();

/** The decoder session and how many logits rows it computes. */
export interface DecoderLoad {
  /** The session. */
  session: OrtSession;
  /** Effective mode: `last` when the graph keeps one row (its own input or the patch). */
  logits: LogitsMode;
  /** Whether the in-memory Slice patch was applied. */
  patched: boolean;
}

const keepsLogits = (names: readonly string[]): boolean =>
  names.some((n) => (LOGITS_TO_KEEP_INPUTS as readonly string[]).includes(n));

/**
 * Creates the decoder session for `mode`. `last` on a graph without a logits-to-keep input applies the
 * Slice patch (graph-patch.ts); when that is not possible it warns once per file and loads as shipped.
 * Exported for the bench floor, which must run the very graph the engine runs.
 */
export async function createDecoder(
  path: string,
  sessionOpts: Parameters<typeof createSession>[1],
  mode: LogitsMode,
  stage: StageOptions | undefined,
): Promise<DecoderLoad> {
  const asShipped = async (): Promise<DecoderLoad> => {
    const session = await createSession(path, sessionOpts);
    return {
      session,
      logits: keepsLogits(session.inputs.map((m) => m.name)) ? "last" : "all",
      patched: false,
    };
  };
  if (mode === "all" || !existsSync(path)) return asShipped();
  const fallback = (reason: string): Promise<DecoderLoad> => {
    if (!warnedLogits.has(path)) {
      warnedLogits.add(path);
      warn(`--logits last: cannot patch ${path} (${reason}); computing logits for all positions instead.`);
    }
    return asShipped();
  };
  const prepared = prepareDecoderPatch(path, stage);
  if (prepared.kind === "keeps") return asShipped();
  if (prepared.kind === "unpatchable") return fallback(prepared.reason);
  const staged = prepared.staged;
  try {
    const session =
      staged.kind === "path"
        ? await createSession(staged.path, sessionOpts)
        : await createSession(path, sessionOpts, { bytes: staged.bytes, externalData: staged.externalData });
    return { session, logits: "last", patched: true };
  } catch (err) {
    return fallback(`ONNX Runtime rejected the patched graph: ${(err as Error).message}`);
  } finally {
    staged.cleanup();
  }
}

/** Outcome of prepareDecoderPatch. */
type PreparedPatch =
  | { kind: "keeps" }
  | { kind: "unpatchable"; reason: string }
  | { kind: "staged"; staged: StagedModel };

/**
 * Reads the decoder's skeleton (large inline weights become references into the file itself, see
 * onnx-skeleton.ts), patches it and stages it next to a hard link of the original, so the weights are
 * neither decoded nor copied.
 */
function prepareDecoderPatch(path: string, stage: StageOptions | undefined): PreparedPatch {
  const self = `${basename(path)}.inline-weights`;
  let patch: SlicedGraph;
  try {
    const model = decodeModel(readSkeleton(path, self).bytes);
    if (keepsLogits(graphInputNames(model))) return { kind: "keeps" };
    const result = sliceLastLogits(model);
    if (!result.ok) return { kind: "unpatchable", reason: result.reason };
    patch = result;
  } catch (err) {
    // Not decodable here: loading as shipped reports the file problem properly.
    return { kind: "unpatchable", reason: `not readable as ONNX: ${(err as Error).message}` };
  }
  try {
    return { kind: "staged", staged: stagePatchedModel(path, patch, { ...stage, self }) };
  } catch (err) {
    return { kind: "unpatchable", reason: (err as Error).message };
  }
}

/** Loads a FastVLM folder in the onnx-community layout. */
export async function loadFastVLM(dir: string, opts: FastVLMOptions = {}): Promise<FastVLMEngine> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new ModelError(
      `Model folder ${root} does not exist.`,
      "Pass a folder in the onnx-community FastVLM layout or a registry name.",
    );
  }
  const config = readFastVLMConfig(root);
  const { dtype, missing } = chooseLocalDtype((f) => existsSync(join(root, f)), opts.dtype ?? {});
  if (missing.length > 0) {
    throw new ModelError(
      `Model folder ${root} lacks ${missing.join(", ")}.`,
      "A FastVLM folder needs onnx/vision_encoder*.onnx, onnx/embed_tokens*.onnx and onnx/decoder_model_merged*.onnx (pick dtypes with --dtype).",
    );
  }
  const tokenizer = loadPromptTokenizer(root, config.imageTokenId);
  await preloadImageCodec();
  const device = opts.device ?? "cpu";
  const threads = opts.threads ?? 0;
  const files = Object.fromEntries(GRAPHS.map((g) => [g, graphFile(g, dtype[g])])) as Record<
    GraphName,
    string
  >;
  const sessions: Partial<Record<GraphName, OrtSession>> = {};
  const sessionOpts = {
    device,
    threads,
    ...(opts.interOpThreads !== undefined ? { interOpThreads: opts.interOpThreads } : {}),
  };
  let logits: LogitsMode = "all";
  let patched = false;
  try {
    for (const g of GRAPHS) {
      const path = join(root, files[g]);
      if (g === "decoder_model_merged") {
        const dec = await createDecoder(path, sessionOpts, opts.logits ?? DEFAULT_LOGITS, opts.logitsStage);
        sessions[g] = dec.session;
        logits = dec.logits;
        patched = dec.patched;
      } else {
        sessions[g] = await createSession(path, sessionOpts);
      }
    }
    fillFromGraphs(config, sessions as Record<GraphName, OrtSession>, root);
    checkGraphs(sessions as Record<GraphName, OrtSession>, config, files);
  } catch (err) {
    await Promise.all(Object.values(sessions).map((s) => s.release().catch(() => undefined)));
    throw err;
  }
  const imageMode = opts.imageMode ?? "pad";
  const revision = opts.revision ?? null;
  const info: ModelInfo = {
    name: opts.name ?? dir,
    source: opts.source ?? root,
    revision,
    dtype: { ...dtype },
    executionProvider: device,
    threads,
    logits,
    fingerprint: fingerprint(root, files, dtype, imageMode, revision, patched),
  };
  return new FastVLMEngine(config, sessions as Record<GraphName, OrtSession>, tokenizer, imageMode, info);
}
