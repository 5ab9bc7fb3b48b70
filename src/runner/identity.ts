/**
 * Run identity and run folders. Re-running the same command lands in the same folder and resumes; any
 * setting that can change a score changes the identity and so starts a new run.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Json } from "../core/types.js";
import type { Shard, ShardRule } from "./select.js";

/** Everything that shapes the scores of a run (concurrency, threads and latency settings do not). */
export interface RunIdentityFields {
  /** Task name and version. */
  task: { name: string; version: number };
  /** Scorer key and version. */
  scorer: { name: string; version: number };
  /** Dataset repo, config, split and resolved sha. */
  dataset: { repo: string; config: string; split: string; sha: string };
  /** Model fingerprint (weights + settings) from ModelInfo. */
  model: string;
  /** Max new tokens and stop strings. */
  generation: { maxNewTokens: number; stop: string[] };
  /** Prompt/image settings, e.g. `{ imageMode: "pad" }`. */
  prompt: Record<string, Json>;
  /** `--limit` (null = all) and `--subset-seed`. */
  subset: { limit: number | null; seed: number };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Hash of the identity without the shard: shards of one run share it, and a merge of them gets it. */
export function baseIdentity(fields: RunIdentityFields): string {
  return sha256(JSON.stringify(fields)).slice(0, 16);
}

/**
 * Identity of one run folder: the base identity plus the shard and its rule, so a shard folder never mixes
 * samples partitioned two ways (the id rule keeps the hash shard folders had before the image rule existed).
 */
export function runIdentity(base: string, shard: Shard | null, rule: ShardRule): string {
  if (shard === null) return base;
  const by = rule === "id" ? "" : ` by ${rule}`;
  return sha256(`${base}\0shard ${shard.index}/${shard.count}${by}`).slice(0, 16);
}

/** Run id (folder name) of an identity; `--fresh` appends a timestamp so a new folder starts. */
export function runIdFor(identity: string, fresh: Date | null): string {
  if (fresh === null) return identity;
  const stamp = fresh
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${identity}-${stamp}`;
}

/**
 * Folder-safe model name: characters outside `[A-Za-z0-9._-]` become `-` and leading `-`/`.` are dropped (a
 * folder named `--ckpt` reads as an option to `ls` and `compare`, one named `.ckpt` is hidden), plus a short
 * hash of the name when anything changed (so `./a/b` and `./a-b` stay apart).
 */
export function modelSlug(name: string): string {
  const slug = name.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[-.]+/, "");
  if (slug === name && slug !== "") return slug;
  return `${slug === "" ? "model" : slug}-${sha256(name).slice(0, 8)}`;
}

/** `<out>/<model-slug>/<task>/<run-id>`. */
export function runDir(out: string, modelName: string, task: string, runId: string): string {
  return join(out, modelSlug(modelName), task, runId);
}
