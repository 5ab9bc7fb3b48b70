/**
 * Input assembly (the processor): images → pixels → feature rows, prompt → ids, and the input embeddings
 * with each image's rows spliced in place of its image id. Positions are consecutive from 0 for a fresh
 * prompt (prefill.ts derives the position ids from the cache length).
 */
import { DataError } from "../../core/errors.js";
import type { GenerateRequest, ImageInput } from "../../core/types.js";
import { preprocessImage } from "../../data/images.js";
import type { FastVLMConfig } from "./config.js";
import type { FastVLMModel } from "./graphs.js";
import type { Segment } from "./prefill.js";

/** The assembled prompt. */
export interface PromptInputs extends Segment {
  /** Rows that came from images. */
  visualTokens: number;
}

/** Callbacks at the stage boundaries (the TTFT stage marks). */
export interface StageMarks {
  /** Images decoded and the prompt tokenised. */
  afterPreprocess?: () => void;
  /** Vision encoder done for every image. */
  afterVision?: () => void;
}

/**
 * Refuses a prompt whose positions (text tokens + image rows) plus max new tokens exceed the model's
 * context, before any graph runs: past it the decoder's memory grows with the square of the length
 * (a 100 KB prompt crashed onnxruntime) and the positions are beyond what the model was trained on.
 */
export function checkContext(config: FastVLMConfig, ids: readonly number[], request: GenerateRequest): void {
  const limit = config.contextLength;
  if (limit === null) return;
  const imageRows = request.images.length * config.tokensPerImage;
  const text = ids.length - ids.filter((id) => id === config.imageTokenId).length;
  const want = text + imageRows + request.generation.maxNewTokens;
  if (want <= limit) return;
  throw new DataError(
    `The prompt is too long for the model: ${text} text tokens + ${imageRows} image rows + ` +
      `${request.generation.maxNewTokens} max new tokens = ${want} positions, more than its context of ${limit} ` +
      "(config.json max_position_embeddings / tokenizer_model_max_length).",
    "Shorten the prompt, use fewer images, or lower --max-new-tokens.",
  );
}

/** One image decoded and normalised for the vision encoder; a bad image names itself. */
export function preprocessOne(model: FastVLMModel, img: ImageInput): Promise<Float32Array> {
  const cfg = model.config;
  return preprocessImage(img.bytes, {
    mode: model.imageMode,
    size: cfg.imageSize,
    mean: cfg.mean,
    std: cfg.std,
    rescale: cfg.rescale,
  }).catch((err: unknown) => {
    if (err instanceof DataError)
      throw new DataError(`Image ${img.source}: ${err.message}`, err.hint, { cause: err });
    throw err;
  });
}

/** The prompt's ids (an image id where each image goes), checked against the model's context. */
export function promptIds(model: FastVLMModel, request: GenerateRequest): number[] {
  const { ids } = model.tokenizer.encodePrompt(request.prompt, request.images.length);
  checkContext(model.config, ids, request);
  return ids;
}

/** Text embeddings and image features interleaved in prompt order (`hidden` floats per row). */
export function spliceEmbeddings(
  ids: readonly number[],
  imageTokenId: number,
  textEmb: Float32Array,
  features: readonly Float32Array[],
  hidden: number,
): Float32Array {
  const rows =
    ids.filter((id) => id !== imageTokenId).length + features.reduce((n, f) => n + f.length / hidden, 0);
  const embeds = new Float32Array(rows * hidden);
  let row = 0;
  let textRow = 0;
  let image = 0;
  for (const id of ids) {
    if (id === imageTokenId) {
      const f = features[image++]!;
      embeds.set(f, row * hidden);
      row += f.length / hidden;
    } else {
      embeds.set(textEmb.subarray(textRow * hidden, (textRow + 1) * hidden), row * hidden);
      textRow++;
      row++;
    }
  }
  return embeds;
}

/**
 * Ids (image ids included) and one feature block per image id → the segment's input embeddings: the text
 * ids embedded in one call (a Gather: each row is the same whatever else is in the call) and spliced.
 */
export async function assemble(
  model: FastVLMModel,
  ids: readonly number[],
  features: readonly Float32Array[],
): Promise<PromptInputs> {
  const { config: cfg, graphs } = model;
  const textIds = ids.filter((id) => id !== cfg.imageTokenId);
  const textEmb = textIds.length > 0 ? await graphs.embedIds(textIds) : new Float32Array(0);
  const h = cfg.hidden;
  const visualTokens = features.reduce((n, f) => n + f.length / h, 0);
  const embeds = spliceEmbeddings(ids, cfg.imageTokenId, textEmb, features, h);
  return { embeds, length: textIds.length + visualTokens, visualTokens };
}

/** Prompt → ids; images → features; returns the whole prompt's input embeddings and counts. */
export async function buildInputs(
  model: FastVLMModel,
  request: GenerateRequest,
  marks?: StageMarks,
): Promise<PromptInputs> {
  const [pixels, ids] = await Promise.all([
    Promise.all(request.images.map((img) => preprocessOne(model, img))),
    Promise.resolve().then(() => promptIds(model, request)),
  ]);
  marks?.afterPreprocess?.();
  const features: Float32Array[] = [];
  for (const px of pixels) features.push(await model.graphs.encodeImage(px));
  marks?.afterVision?.();
  return assemble(model, ids, features);
}
