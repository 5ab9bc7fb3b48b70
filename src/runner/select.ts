/**
 * Which samples a run evaluates: a seeded stratified subset (`--limit`), a stable hash partition (`--shard`,
 * by image key or by id), and the seeded subset the latency pass measures. Every choice depends on ids, image
 * keys and the seed only, never on row order, so the same command picks the same samples on any machine.
 */
import { createHash } from "node:crypto";

/** A sample as selection sees it. */
export interface SampleKey {
  /** Sample id. */
  id: string;
  /** Stratum, or null when the task has none. */
  stratum: string | null;
}

/** One shard of a sharded run: this process evaluates ids whose hash falls in `index` of `count`. */
export interface Shard {
  /** 0-based shard index. */
  index: number;
  /** Number of shards. */
  count: number;
}

/** A 32-bit unsigned hash of the parts, joined unambiguously. */
export function hash32(...parts: string[]): number {
  return createHash("sha256").update(parts.join("\0")).digest().readUInt32BE(0);
}

/** Orders ids by their seeded hash (ties by id), the shuffle every selection uses. */
function seededOrder(ids: string[], seed: number, salt: string): string[] {
  const keyed = ids.map((id) => ({ id, h: hash32(salt, String(seed), id) }));
  keyed.sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.map((k) => k.id);
}

/**
 * Proportional allocation of `limit` over strata by largest remainders (ties: larger stratum, then name).
 * Returns stratum → count; the counts sum to min(limit, total).
 */
export function allocate(sizes: ReadonlyMap<string, number>, limit: number): Map<string, number> {
  const total = [...sizes.values()].reduce((s, n) => s + n, 0);
  const take = Math.min(limit, total);
  const out = new Map<string, number>();
  if (total === 0) return out;
  const parts = [...sizes.entries()].map(([name, size]) => {
    const exact = (take * size) / total;
    return { name, size, base: Math.floor(exact), frac: exact - Math.floor(exact) };
  });
  let left = take - parts.reduce((s, p) => s + p.base, 0);
  const byRemainder = [...parts].sort(
    (a, b) => b.frac - a.frac || b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  for (const p of byRemainder) {
    if (left === 0) break;
    if (p.base < p.size) {
      p.base += 1;
      left -= 1;
    }
  }
  for (const p of parts) out.set(p.name, p.base);
  return out;
}

/**
 * The seeded stratified subset of `limit` samples: each stratum gets its proportional share, filled with the
 * stratum's ids in seeded-hash order. `limit` null (or ≥ the population) selects everything.
 */
export function selectSubset(samples: readonly SampleKey[], limit: number | null, seed: number): Set<string> {
  if (limit === null || limit >= samples.length) return new Set(samples.map((s) => s.id));
  const byStratum = new Map<string, string[]>();
  for (const s of samples) {
    const key = s.stratum ?? "";
    const list = byStratum.get(key);
    if (list) list.push(s.id);
    else byStratum.set(key, [s.id]);
  }
  const quota = allocate(new Map([...byStratum].map(([k, ids]) => [k, ids.length])), limit);
  const chosen = new Set<string>();
  for (const [stratum, ids] of byStratum) {
    const n = quota.get(stratum) ?? 0;
    for (const id of seededOrder(ids, seed, "subset").slice(0, n)) chosen.add(id);
  }
  return chosen;
}

/**
 * How `--shard` partitions: `image` (with `--reuse on`) hashes a sample's image key so every question of an
 * image lands in one shard, and its caches serve them all; `id` (with `--reuse off`) hashes the id.
 */
export type ShardRule = "image" | "id";

/** The shard rule of a run: by image with `--reuse on`, by id with `--reuse off`. */
export function shardRule(settings: { reuse: boolean }): ShardRule {
  return settings.reuse ? "image" : "id";
}

/**
 * True when the sample belongs to the shard: a stable hash partition, independent of the subset seed, of the
 * image key when one is given (the image rule) and of the id otherwise (the id rule, or a sample without
 * an image).
 */
export function inShard(id: string, shard: Shard | null, imageKey: string | null = null): boolean {
  if (shard === null) return true;
  const h = imageKey === null ? hash32("shard", id) : hash32("shard-image", imageKey);
  return h % shard.count === shard.index;
}

/** The seeded subset of ids the latency pass measures (at most n, in measuring order). */
export function latencySubset(ids: readonly string[], n: number, seed: number): string[] {
  return seededOrder([...ids], seed, "latency").slice(0, Math.max(0, n));
}

/**
 * Parses `--shard i/n` or `--shard auto` (JOB_COMPLETION_INDEX and EVAL_SHARD_COUNT, as a Kubernetes
 * indexed Job sets them). Returns the shard or a problem description.
 */
export function parseShard(value: string, env: NodeJS.ProcessEnv = process.env): Shard | string {
  if (value === "auto") {
    const index = env.JOB_COMPLETION_INDEX;
    const count = env.EVAL_SHARD_COUNT;
    if (index === undefined || count === undefined) {
      return "--shard auto needs JOB_COMPLETION_INDEX and EVAL_SHARD_COUNT in the environment";
    }
    return checkShard(
      index,
      count,
      `--shard auto (JOB_COMPLETION_INDEX=${index}, EVAL_SHARD_COUNT=${count})`,
    );
  }
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) return `--shard must be i/n (e.g. 0/3) or auto, got '${value}'`;
  return checkShard(m[1]!, m[2]!, `--shard ${value}`);
}

function checkShard(indexText: string, countText: string, what: string): Shard | string {
  const index = Number(indexText);
  const count = Number(countText);
  if (!Number.isInteger(index) || !Number.isInteger(count) || count < 1 || index < 0 || index >= count) {
    return `${what}: need 0 ≤ i < n with n ≥ 1`;
  }
  return { index, count };
}
