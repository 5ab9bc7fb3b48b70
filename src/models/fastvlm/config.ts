/**
 * The model folder's JSON files (config.json, preprocessor_config.json, processor_config.json,
 * generation_config.json) read into the numbers the engine needs, and the two the graphs fill in when
 * config.json leaves them out.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ModelError } from "../../core/errors.js";
import { SPECIAL_IDS } from "./constants.js";
import type { GraphName } from "./dtype.js";
import type { OrtSession } from "./ort.js";

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

/** Takes hidden size and layer count from the decoder when config.json does not give them. */
export function fillFromGraphs(
  config: FastVLMConfig,
  sessions: Record<GraphName, OrtSession>,
  root: string,
): void {
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
