/**
 * FastVLM on onnxruntime-node: loads a folder in the onnx-community layout and serves generations.
 * The pieces: config.ts (the folder's JSON), decoder-load.ts (the decoder for a `--logits` mode),
 * graph-check.ts, fingerprint.ts, processor.ts (image + prompt → input embeddings), prefill.ts (one decoder
 * run over a segment after a KV cache) and decode.ts (the greedy loop and its stage timings).
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ModelError, UsageError } from "../../core/errors.js";
import type {
  GenerateOptions,
  GenerateRequest,
  Generation,
  ModelBackend,
  ModelInfo,
} from "../../core/types.js";
import { type ImageMode, preloadImageCodec } from "../../data/images.js";
import { type FastVLMConfig, fillFromGraphs, readFastVLMConfig } from "./config.js";
import { DEFAULT_LOGITS, DEFAULT_REUSE_CACHE_MB, type LogitsMode } from "./constants.js";
import { generateGreedy } from "./decode.js";
import { createDecoder } from "./decoder-load.js";
import { chooseLocalDtype, type DtypeSpec, GRAPHS, type GraphName, graphFile } from "./dtype.js";
import { fingerprint } from "./fingerprint.js";
import { checkGraphs } from "./graph-check.js";
import type { StageOptions } from "./graph-stage.js";
import { FastVLMGraphs, type FastVLMModel } from "./graphs.js";
import { createSession, type Device, type OrtSession } from "./ort.js";
import { loadPromptTokenizer } from "./prompt.js";
import { ReuseStore } from "./reuse.js";

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
  /**
   * MiB for vision features and prompt-prefix KV caches kept across generations that ask for reuse
   * (`--reuse-cache-mb`; default DEFAULT_REUSE_CACHE_MB; 0: nothing kept). Never changes an answer.
   */
  reuseCacheMb?: number;
}

/** The FastVLM backend over three shared ONNX Runtime sessions. */
export class FastVLMEngine implements ModelBackend {
  constructor(
    /** The loaded graphs, config, tokenizer and image mode (tests drive the pieces through it). */
    readonly model: FastVLMModel,
    /** Run-record description. */
    readonly info: ModelInfo,
  ) {}

  /** Runs one generation. */
  generate(request: GenerateRequest, options: GenerateOptions = {}): Promise<Generation> {
    return generateGreedy(this.model, request, options);
  }

  /** Releases the reuse caches and the three sessions. */
  async dispose(): Promise<void> {
    this.model.reuse?.clear();
    await this.model.graphs.release();
  }
}

/** Opens the three sessions (the decoder for the logits mode); all released again if one fails. */
async function openSessions(
  root: string,
  files: Record<GraphName, string>,
  sessionOpts: Parameters<typeof createSession>[1],
  opts: FastVLMOptions,
): Promise<{ sessions: Record<GraphName, OrtSession>; logits: LogitsMode; patched: boolean }> {
  const sessions: Partial<Record<GraphName, OrtSession>> = {};
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
  } catch (err) {
    await Promise.all(Object.values(sessions).map((s) => s.release().catch(() => undefined)));
    throw err;
  }
  return { sessions: sessions as Record<GraphName, OrtSession>, logits, patched };
}

/**
 * The reuse caches for a budget (null for 0). Features depend on the weights, dtype and image mode (the
 * fingerprint), the execution provider and the preprocessing: all in the vision key.
 */
function reuseStore(mb: number, info: ModelInfo, config: FastVLMConfig): ReuseStore | null {
  if (!Number.isInteger(mb) || mb < 0)
    throw new UsageError(`The reuse cache budget must be a whole number of MiB ≥ 0, got ${mb}.`);
  if (mb === 0) return null;
  const { imageSize, mean, std, rescale } = config;
  const visionSettings = JSON.stringify({
    fingerprint: info.fingerprint,
    provider: info.executionProvider,
    imageSize,
    mean,
    std,
    rescale,
  });
  return new ReuseStore({ maxBytes: mb * 1024 * 1024, visionSettings });
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
  const sessionOpts = {
    device,
    threads,
    ...(opts.interOpThreads !== undefined ? { interOpThreads: opts.interOpThreads } : {}),
  };
  const { sessions, logits, patched } = await openSessions(root, files, sessionOpts, opts);
  try {
    fillFromGraphs(config, sessions, root);
    checkGraphs(sessions, config, files);
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
  const model: FastVLMModel = {
    graphs: new FastVLMGraphs(sessions, config),
    config,
    tokenizer,
    imageMode,
    reuse: reuseStore(opts.reuseCacheMb ?? DEFAULT_REUSE_CACHE_MB, info, config),
  };
  return new FastVLMEngine(model, info);
}
