/**
 * The FastVLM reuse caches (docs/architecture.md, "Reuse"): vision features per image and the decoder KV
 * of a prompt's prefix (every position up to the last image row), in one LeaseLru under one byte budget.
 *
 * Keys: an image is its bytes' sha256; its features are keyed by that plus the settings that shape them
 * (model fingerprint, execution provider, image mode and size). A prefix is keyed by a digest of its token
 * ids and its images' hashes, and the entry keeps both: a hit is served only when they are equal to the
 * request's (a digest collision or another system prompt is a miss, never another image's KV).
 */
import { createHash } from "node:crypto";
import { InternalError } from "../../core/errors.js";
import { type KvCache, releaseCache } from "./kv-cache.js";
import { type Lease, LeaseLru } from "./lease-lru.js";

/** What the cache holds. */
type ReuseValue =
  | { kind: "vision"; features: Float32Array }
  | ({ kind: "prefix"; ids: readonly number[]; images: readonly string[] } & PrefixKv);

/** A prompt prefix's decoder KV. */
export interface PrefixKv {
  /** The KV of the prefix positions (read-only once cached: the suffix prefill reads it, nothing releases it). */
  kv: KvCache;
  /** Prefix positions that came from images. */
  visualTokens: number;
}

/** A leased prefix KV. */
export interface PrefixLease extends PrefixKv {
  /** True when another generation computed it. */
  hit: boolean;
  /** Ends the use (idempotent). */
  release(): void;
}

/** Leased vision features of one image. */
export interface FeaturesLease {
  /** tokensPerImage × hidden floats. */
  features: Float32Array;
  /** True when another generation computed them. */
  hit: boolean;
  /** Ends the use (idempotent). */
  release(): void;
}

/** Bytes a KV cache holds. */
function kvBytes(kv: KvCache): number {
  let n = 0;
  for (const t of Object.values(kv.tensors)) n += (t.data as ArrayBufferView).byteLength;
  return n;
}

/** sha256 of an image's bytes (hex): the image's identity in every key. */
export function imageHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Options of ReuseStore. */
export interface ReuseStoreOptions {
  /** Budget of vision features and prefix KV together, in bytes (0: nothing cached). */
  maxBytes: number;
  /** Everything besides the bytes that shapes an image's features (fingerprint, provider, mode, size). */
  visionSettings: string;
  /** The prefix key's digest (tests replace it to force collisions). */
  prefixDigest?: (ids: readonly number[], images: readonly string[]) => string;
}

function defaultPrefixDigest(ids: readonly number[], images: readonly string[]): string {
  return createHash("sha256")
    .update(`${ids.join(",")}|${images.join(",")}`)
    .digest("hex");
}

/** Vision features and prefix KV caches of one engine. */
export class ReuseStore {
  readonly #lru: LeaseLru<ReuseValue>;
  readonly #vision: string;
  readonly #digest: NonNullable<ReuseStoreOptions["prefixDigest"]>;

  constructor(opts: ReuseStoreOptions) {
    this.#lru = new LeaseLru<ReuseValue>({
      maxBytes: opts.maxBytes,
      dispose: (v) => {
        if (v.kind === "prefix") releaseCache(v.kv);
      },
    });
    this.#vision = createHash("sha256").update(opts.visionSettings).digest("hex").slice(0, 16);
    this.#digest = opts.prefixDigest ?? defaultPrefixDigest;
  }

  /** Bytes cached (tests). */
  get bytes(): number {
    return this.#lru.bytes;
  }

  #visionKey(hash: string): string {
    return `vision:${this.#vision}:${hash}`;
  }

  #prefixKey(ids: readonly number[], images: readonly string[]): string {
    return `prefix:${this.#digest(ids, images)}`;
  }

  /** True when the image's features are cached or being computed. */
  hasFeatures(hash: string): boolean {
    return this.#lru.has(this.#visionKey(hash));
  }

  /** True when the prefix is cached or being computed (it may still turn out to be another prefix's). */
  hasPrefix(ids: readonly number[], images: readonly string[]): boolean {
    return this.#lru.has(this.#prefixKey(ids, images));
  }

  /** The image's features: cached, awaited from another generation, or computed by `encode`. */
  async features(hash: string, encode: () => Promise<Float32Array>): Promise<FeaturesLease> {
    const lease = await this.#lru.acquire(this.#visionKey(hash), async () => {
      const features = await encode();
      return { value: { kind: "vision", features }, bytes: features.byteLength };
    });
    const v = lease.value;
    if (v.kind !== "vision") {
      lease.release();
      throw new InternalError(`The reuse cache holds a ${v.kind} entry under a vision key.`);
    }
    return { features: v.features, hit: lease.hit, release: () => lease.release() };
  }

  /**
   * The prefix's KV: cached, awaited from another generation, or computed by `compute` (which must not
   * release what it returns: the cache owns it). Null when the entry under the key is another prefix's.
   */
  async prefix(
    ids: readonly number[],
    images: readonly string[],
    compute: () => Promise<PrefixKv>,
  ): Promise<PrefixLease | null> {
    const own = { ids: [...ids], images: [...images] };
    const lease: Lease<ReuseValue> = await this.#lru.acquire(this.#prefixKey(ids, images), async () => {
      const kv = await compute();
      return { value: { kind: "prefix", ...own, ...kv }, bytes: kvBytes(kv.kv) };
    });
    const v = lease.value;
    if (v.kind !== "prefix" || !sameIds(v.ids, ids) || !sameStrings(v.images, images)) {
      lease.release();
      return null;
    }
    return { kv: v.kv, visualTokens: v.visualTokens, hit: lease.hit, release: () => lease.release() };
  }

  /** Drops everything (engine dispose); values in use are released when their leases end. */
  clear(): void {
    this.#lru.clear();
  }
}
