/**
 * The three loaded graphs behind one object: typed runs of the vision encoder and the token embedding, the
 * decoder session, and the empty KV cache. Shared by concurrent generations (each call has its own tensors).
 */
import { HarnessError, ModelError } from "../../core/errors.js";
import type { ImageMode } from "../../data/images.js";
import type { FastVLMConfig } from "./config.js";
import { GRAPHS, type GraphName } from "./dtype.js";
import { float32ToHalf } from "./fp16.js";
import { NEXT_TOKEN_OUTPUT } from "./graph-patch.js";
import type { KvCache } from "./kv-cache.js";
import { makeTensor, type OrtSession, type OrtTensor } from "./ort.js";
import type { PromptTokenizer } from "./prompt.js";
import type { ReuseStore } from "./reuse.js";
import { dispose, floatData } from "./tensors.js";

/** The FastVLM graphs, the config they were checked against, and the session calls the decode loop makes. */
export class FastVLMGraphs {
  /** Decoder outputs to fetch when the patched graph picks the token itself (logits stay in ORT), else null. */
  readonly tokenFetches: string[] | null;

  constructor(
    /** The three sessions. */
    readonly sessions: Record<GraphName, OrtSession>,
    /** Config checked against the sessions. */
    readonly config: FastVLMConfig,
  ) {
    const outs = sessions.decoder_model_merged.outputs.map((o) => o.name);
    this.tokenFetches = outs.includes(NEXT_TOKEN_OUTPUT) ? outs.filter((n) => n !== "logits") : null;
  }

  /** Declared element type of a graph input (float32 when undeclared). */
  inputType(graph: GraphName, name: string): string {
    return this.sessions[graph].inputs.find((m) => m.name === name)?.type ?? "float32";
  }

  /** Runs one graph; an onnxruntime failure becomes a ModelError naming the graph. */
  async run(
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

  /** A float tensor in the dtype the graph declares for `input`. */
  floatInput(graph: GraphName, input: string, values: Float32Array, dims: number[]): OrtTensor {
    return this.inputType(graph, input) === "float16"
      ? makeTensor("float16", float32ToHalf(values), dims)
      : makeTensor("float32", values, dims);
  }

  /** Encoded image → feature rows (float32, tokensPerImage × hidden). */
  async encodeImage(pixels: Float32Array): Promise<Float32Array> {
    const s = this.config.imageSize;
    const input = this.floatInput("vision_encoder", "pixel_values", pixels, [1, 3, s, s]);
    const out = await this.run("vision_encoder", { pixel_values: input });
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
  async embedIds(ids: readonly number[]): Promise<Float32Array> {
    const input = makeTensor(
      "int64",
      BigInt64Array.from(ids, (x) => BigInt(x)),
      [1, ids.length],
    );
    const out = await this.run("embed_tokens", { input_ids: input });
    const e = out.inputs_embeds!;
    try {
      return floatData(e);
    } finally {
      dispose(input, e);
    }
  }

  /** Empty past tensors [1, kv, 0, d] of the decoder's declared dtypes. */
  emptyCache(): KvCache {
    const tensors: Record<string, OrtTensor> = {};
    for (const m of this.sessions.decoder_model_merged.inputs) {
      if (!m.name.startsWith("past_key_values.")) continue;
      const dims = (m.shape ?? []).map((d, i) => (typeof d === "number" ? d : i === 0 ? 1 : 0));
      tensors[m.name] =
        m.type === "float16"
          ? makeTensor("float16", new Uint16Array(0), dims)
          : makeTensor("float32", new Float32Array(0), dims);
    }
    return { tensors, length: 0 };
  }

  /** Releases the three sessions. */
  async release(): Promise<void> {
    await Promise.all(GRAPHS.map((g) => this.sessions[g].release()));
  }
}

/** Everything a generation needs: the graphs, the config, the prompt tokenizer and the image mode. */
export interface FastVLMModel {
  /** The loaded graphs. */
  graphs: FastVLMGraphs;
  /** What the folder's JSON files (and the graphs) say. */
  config: FastVLMConfig;
  /** Prompt → ids with image placeholders; ids → text. */
  tokenizer: PromptTokenizer;
  /** pad (LLaVA) or crop (transformers.js). */
  imageMode: ImageMode;
  /** Vision features and prefix KV kept across generations (`GenerateOptions.reuse`); null: none. */
  reuse: ReuseStore | null;
}
