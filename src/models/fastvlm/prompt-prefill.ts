/**
 * The prompt's prefill (docs/architecture.md, "Reuse"). A prompt with an image and text after its last
 * image always runs as two decoder segments: the prefix (every position up to and including the last image
 * row) after an empty cache, then the suffix after the prefix's KV. Always — cold or reusing, cached or not —
 * so a cached prefix is exactly the tensors a fresh one would be, and reuse cannot change an answer. Other
 * prompts (no image, nothing after the last one) are one segment.
 */
import type { GenerateRequest, ImageInput, ReuseInfo } from "../../core/types.js";
import type { FastVLMModel } from "./graphs.js";
import { releaseCache } from "./kv-cache.js";
import { type PrefillResult, prefill } from "./prefill.js";
import { assemble, preprocessOne, promptIds, type StageMarks } from "./processor.js";
import { type FeaturesLease, imageHash, type PrefixKv, type PrefixLease, type ReuseStore } from "./reuse.js";
import { dispose } from "./tensors.js";

/** The prompt prefilled. */
export interface PromptPrefill {
  /** The last segment's run: the first token; its `present` (the whole prompt's KV) belongs to the caller. */
  first: PrefillResult;
  /** Prompt positions. */
  promptTokens: number;
  /** Positions that came from images. */
  visualTokens: number;
  /** What came from the reuse caches. */
  reuse: ReuseInfo;
}

/** What the prefill needs besides the model and the request. */
export interface PrefillSettings {
  /** The reuse caches to read and fill; null for a cold generation. */
  store: ReuseStore | null;
  /** Return the last segment's logits (the trace hook). */
  withLogits: boolean;
  /** Stage boundaries (TTFT marks). */
  marks: StageMarks;
  /** Checked before the suffix runs. */
  signal?: AbortSignal | undefined;
}

/** The ids before and after the last image row; null when the prompt is one segment. */
export function splitPrompt(
  ids: readonly number[],
  imageTokenId: number,
): { prefix: number[]; suffix: number[] } | null {
  const last = ids.lastIndexOf(imageTokenId);
  if (last < 0 || last === ids.length - 1) return null;
  return { prefix: ids.slice(0, last + 1), suffix: ids.slice(last + 1) };
}

/** A prefix KV in use and how to end the use (a lease, or releasing a cold one). */
interface PrefixHandle extends PrefixKv {
  release(): void;
}

/** Decodes every image; the rejection is handled here too, so it is never unhandled if nobody awaits it. */
function decodeAll(model: FastVLMModel, request: GenerateRequest): Promise<Float32Array[]> {
  const all = Promise.all(request.images.map((img) => preprocessOne(model, img)));
  all.catch(() => undefined);
  return all;
}

async function encodeAll(model: FastVLMModel, pixels: readonly Float32Array[]): Promise<Float32Array[]> {
  const features: Float32Array[] = [];
  for (const px of pixels) features.push(await model.graphs.encodeImage(px));
  return features;
}

/** The prefix's KV: one decoder run after an empty cache (its logits and token unused). */
async function prefixKv(
  model: FastVLMModel,
  ids: readonly number[],
  features: Float32Array[],
): Promise<PrefixKv> {
  const segment = await assemble(model, ids, features);
  const empty = model.graphs.emptyCache();
  try {
    const run = await prefill(model.graphs, segment, empty, false);
    dispose(run.logits);
    return { kv: run.present, visualTokens: segment.visualTokens };
  } finally {
    releaseCache(empty);
  }
}

/**
 * One image's features through the vision cache. Pixels are null when the image was not decoded (its features
 * were known, since evicted: decoded here, rarely, its time counting as vision). When another generation's
 * computation fails, this call encodes the image itself, uncached, so an error it reports names its own image.
 */
async function leaseFeatures(
  model: FastVLMModel,
  store: ReuseStore,
  hash: string,
  img: ImageInput,
  pixels: Float32Array | null,
): Promise<FeaturesLease> {
  const encode = async () => model.graphs.encodeImage(pixels ?? (await preprocessOne(model, img)));
  let mine = false;
  try {
    return await store.features(hash, () => {
      mine = true;
      return encode();
    });
  } catch (err) {
    if (mine) throw err;
    return { features: await encode(), hit: false, release: () => undefined };
  }
}

/**
 * Features of every image through the vision cache. Images nobody has are decoded first (preprocess), then
 * each is leased: cached, awaited from another generation, or encoded here (vision).
 */
async function cachedFeatures(
  model: FastVLMModel,
  request: GenerateRequest,
  hashes: readonly string[],
  s: PrefillSettings & { store: ReuseStore },
  counts: ReuseInfo,
): Promise<FeaturesLease[]> {
  const { store, marks } = s;
  const pixels = await Promise.all(
    request.images.map((img, i) => (store.hasFeatures(hashes[i]!) ? null : preprocessOne(model, img))),
  );
  marks.afterPreprocess?.();
  const leases: FeaturesLease[] = [];
  try {
    for (const [i, img] of request.images.entries()) {
      const lease = await leaseFeatures(model, store, hashes[i]!, img, pixels[i] ?? null);
      leases.push(lease);
      if (lease.hit) counts.visionReused++;
      else counts.visionComputed++;
    }
  } catch (err) {
    for (const l of leases) l.release();
    throw err;
  }
  marks.afterVision?.();
  return leases;
}

/** The prefix computed with the vision cache (features leased only while the prefix runs). */
async function prefixWithCachedFeatures(
  model: FastVLMModel,
  request: GenerateRequest,
  ids: readonly number[],
  hashes: readonly string[],
  s: PrefillSettings & { store: ReuseStore },
  counts: ReuseInfo,
): Promise<PrefixKv> {
  const leases = await cachedFeatures(model, request, hashes, s, counts);
  try {
    return await prefixKv(
      model,
      ids,
      leases.map((l) => l.features),
    );
  } finally {
    for (const l of leases) l.release();
  }
}

/** The prefix through the prefix cache: leased when cached or under way, else computed and cached. */
async function reusedPrefix(
  model: FastVLMModel,
  request: GenerateRequest,
  ids: readonly number[],
  s: PrefillSettings & { store: ReuseStore },
  counts: ReuseInfo,
): Promise<PrefixHandle> {
  const hashes = request.images.map((img) => imageHash(img.bytes));
  // Known now means acquiring below will not compute (no await in between): nothing to decode or encode.
  if (s.store.hasPrefix(ids, hashes)) {
    s.marks.afterPreprocess?.();
    s.marks.afterVision?.();
  }
  let mine = false;
  let lease: PrefixLease | null;
  try {
    lease = await s.store.prefix(ids, hashes, () => {
      mine = true;
      return prefixWithCachedFeatures(model, request, ids, hashes, s, counts);
    });
  } catch (err) {
    if (mine) throw err;
    // Another generation's computation failed: try this request's own, so its error (if any) is its own.
    lease = null;
  }
  if (lease === null) {
    // Also when the key's entry is another prefix's (a digest collision): computed here, not cached.
    const own = await prefixWithCachedFeatures(model, request, ids, hashes, s, counts);
    return { ...own, release: () => releaseCache(own.kv) };
  }
  if (lease.hit) {
    counts.visionReused = request.images.length;
    counts.prefixTokens = lease.kv.length;
  }
  return lease;
}

/** The prefix with no cache: decode (started before tokenising), encode, run. */
async function coldPrefix(
  model: FastVLMModel,
  pixels: Promise<Float32Array[]>,
  ids: readonly number[],
  marks: StageMarks,
  counts: ReuseInfo,
): Promise<PrefixHandle> {
  const px = await pixels;
  marks.afterPreprocess?.();
  const features = await encodeAll(model, px);
  counts.visionComputed = features.length;
  marks.afterVision?.();
  const own = await prefixKv(model, ids, features);
  return { ...own, release: () => releaseCache(own.kv) };
}

/** A prompt that is one segment: decode, encode, splice, one run after an empty cache. */
async function oneSegment(
  model: FastVLMModel,
  pixels: Promise<Float32Array[]>,
  ids: readonly number[],
  s: PrefillSettings,
): Promise<PromptPrefill> {
  const px = await pixels;
  s.marks.afterPreprocess?.();
  const features = await encodeAll(model, px);
  s.marks.afterVision?.();
  const segment = await assemble(model, ids, features);
  s.signal?.throwIfAborted();
  const empty = model.graphs.emptyCache();
  try {
    const first = await prefill(model.graphs, segment, empty, s.withLogits);
    const reuse = { visionComputed: features.length, visionReused: 0, prefixTokens: 0 };
    return { first, promptTokens: segment.length, visualTokens: segment.visualTokens, reuse };
  } finally {
    releaseCache(empty);
  }
}

/** Tokenises, gets the prefix's KV (cached, or computed), and runs the suffix after it. */
export async function prefillPrompt(
  model: FastVLMModel,
  request: GenerateRequest,
  s: PrefillSettings,
): Promise<PromptPrefill> {
  // Cold: the images decode while the prompt is tokenised. Reusing: the hashes decide what to decode.
  const pixels = s.store === null ? decodeAll(model, request) : null;
  const ids = promptIds(model, request);
  const split = splitPrompt(ids, model.config.imageTokenId);
  if (split === null) return oneSegment(model, pixels ?? decodeAll(model, request), ids, s);
  const counts: ReuseInfo = { visionComputed: 0, visionReused: 0, prefixTokens: 0 };
  const prefix =
    pixels !== null
      ? await coldPrefix(model, pixels, split.prefix, s.marks, counts)
      : await reusedPrefix(model, request, split.prefix, { ...s, store: s.store! }, counts);
  try {
    s.signal?.throwIfAborted();
    const suffix = await assemble(model, split.suffix, []);
    const first = await prefill(model.graphs, suffix, prefix.kv, s.withLogits);
    return {
      first,
      promptTokens: prefix.kv.length + suffix.length,
      visualTokens: prefix.visualTokens,
      reuse: counts,
    };
  } finally {
    prefix.release();
  }
}
