/**
 * Order for locality (`--reuse on`): the pending samples run grouped by image key, so the backend's caches
 * (vision features, the prompt prefix's KV cache) serve every question of an image while it is still there.
 * The order changes which caches hit, never an output: the backend prefills the same segments either way.
 */
import { createHash } from "node:crypto";
import type { TaskSample } from "../core/types.js";

/** A selected sample as the planner sees it. */
export interface KeyedId {
  /** Sample id. */
  id: string;
  /** Its image key, or null for a text-only sample (it keeps its own place). */
  key: string | null;
}

/**
 * The image key a sample is planned and sharded by: the task's cheap key (TaskDefinition.imageKey) when it
 * declares one, else a sha256 of the image bytes (length-prefixed, in prompt order); null without images.
 */
export function sampleImageKey(sample: Pick<TaskSample, "imageKey" | "images">): string | null {
  if (sample.imageKey !== undefined) return `key:${sample.imageKey}`;
  if (sample.images.length === 0) return null;
  const h = createHash("sha256");
  for (const im of sample.images) {
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(im.bytes.byteLength));
    h.update(len).update(im.bytes);
  }
  return `sha256:${h.digest("hex")}`;
}

/**
 * The pending ids in run order: groups of one image key in the order their first pending sample appears,
 * file order within a group; a sample without a key is a group of its own. Pure and stable: the same
 * samples and pending set give the same order. Ids not pending are left out.
 */
export function localityOrder(samples: readonly KeyedId[], pending: ReadonlySet<string>): string[] {
  const groups = new Map<string, string[]>();
  const order: string[][] = [];
  for (const { id, key } of samples) {
    if (!pending.has(id)) continue;
    if (key === null) {
      order.push([id]);
      continue;
    }
    const group = groups.get(key);
    if (group !== undefined) group.push(id);
    else {
      const fresh = [id];
      groups.set(key, fresh);
      order.push(fresh);
    }
  }
  return order.flat();
}
