/** The decoder's KV cache as the engine passes it around: past tensors by input name and their length. */
import type { OrtTensor } from "./ort.js";
import { dispose } from "./tensors.js";

/** Past key/value tensors by decoder input name, and how many positions they hold. */
export interface KvCache {
  /** `past_key_values.<layer>.<key|value>` → [1, kv, length, d]. */
  tensors: Record<string, OrtTensor>;
  /** Cached positions. */
  length: number;
}

/** Releases a cache's tensors. */
export function releaseCache(cache: KvCache): void {
  dispose(...Object.values(cache.tensors));
}
