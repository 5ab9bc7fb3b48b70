/**
 * `merge`: joins the shard folders of one run into one complete run folder, the same folder (run id) the
 * unsharded command would have written. Metrics and CIs are recomputed from the merged samples; the latency
 * block is taken from the lowest-numbered shard that measured one (its env comes with it), because each shard
 * timed its own serial pass on its own device and pooling passes from different machines would mix devices.
 * That shard's latency.jsonl (one line per timed generation) comes along with its block. Shards split by image
 * and shards split by id are never merged together (config.shardBy; absent in folders made before the image
 * rule existed, which were split by id).
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { DataError, UsageError } from "../core/errors.js";
import * as log from "../core/log.js";
import {
  LATENCY_FILE,
  type RunRecord,
  readRunRecord,
  readSamples,
  type SampleRecord,
  SampleWriter,
  writeRunRecord,
} from "../core/records.js";
import type { Json, Scorer } from "../core/types.js";
import { runDir } from "./identity.js";
import { reuseSummary } from "./run-record.js";
import type { ShardRule } from "./select.js";
import type { CiFunction, TaskRunResult } from "./task-run.js";
import { summarize } from "./task-run.js";

interface Shard {
  dir: string;
  record: RunRecord;
  samples: SampleRecord[];
}

function identityOf(r: RunRecord): string {
  return JSON.stringify({
    base: r.config.identityBase ?? null,
    task: [r.task.name, r.task.version, r.task.scorer ?? null],
    dataset: r.task.dataset,
    model: r.model.fingerprint ?? r.model.name,
  });
}

/** How a shard was partitioned (folders without `shardBy` predate the image rule: by id). */
function ruleOf(r: RunRecord): ShardRule {
  return r.config.shardBy === "image" ? "image" : "id";
}

/** A problem when shards were partitioned by different rules, naming each rule's folders. */
function mixedRules(shards: readonly Shard[]): string | null {
  const byRule = new Map<ShardRule, string[]>();
  for (const s of shards) {
    const rule = ruleOf(s.record);
    byRule.set(rule, [...(byRule.get(rule) ?? []), s.dir]);
  }
  if (byRule.size < 2) return null;
  const flag = (rule: ShardRule): string => (rule === "image" ? "--reuse on" : "--reuse off");
  const parts = [...byRule].map(([rule, dirs]) => `by ${rule} (${flag(rule)}): ${dirs.join(", ")}`);
  return `the shards were split by different rules, so their samples do not partition one run; ${parts.join("; ")}. Re-run the odd ones with the same --reuse as the rest`;
}

/** A problem when the shards' samples do not add up to the subset they were cut from (when recorded). */
function missingSamples(shards: readonly Shard[]): string | null {
  const sizes = new Set(shards.map((s) => s.record.config.subsetSize));
  const size = [...sizes][0];
  if (sizes.size !== 1 || typeof size !== "number") return null;
  const held = shards.reduce((n, s) => n + s.samples.length, 0);
  if (held === size) return null;
  return `the shards hold ${held} samples but the run selected ${size}: they were not cut the same way (run by different versions?); re-run every shard with one version`;
}

/** Checks the shard folders form one complete run; returns every problem found. */
export function checkShards(shards: Shard[]): string[] {
  const problems: string[] = [];
  const first = shards[0];
  if (first === undefined) return ["no run folders given"];
  const mixed = mixedRules(shards);
  if (mixed !== null) problems.push(mixed);
  for (const s of shards) {
    if (s.record.shard == null) problems.push(`${s.dir} is not a shard (it was run without --shard)`);
    if (s.record.status !== "complete")
      problems.push(`${s.dir} is ${s.record.status}: finish it first (re-run its command)`);
    if (identityOf(s.record) !== identityOf(first.record)) {
      problems.push(
        `${s.dir} is a different run (task, dataset, model or settings differ from ${first.dir})`,
      );
    }
    if (s.samples.length !== s.record.nSamples.total) {
      problems.push(
        `${s.dir} has ${s.samples.length} sample lines but run.json says ${s.record.nSamples.total}`,
      );
    }
  }
  const count = first.record.shard?.count;
  if (count !== undefined) {
    const seen = new Map<number, string>();
    for (const s of shards) {
      const sh = s.record.shard;
      if (!sh) continue;
      if (sh.count !== count)
        problems.push(`${s.dir} is shard ${sh.index}/${sh.count}, others are of ${count}`);
      const other = seen.get(sh.index);
      if (other !== undefined) problems.push(`shard ${sh.index}/${count} given twice: ${other} and ${s.dir}`);
      seen.set(sh.index, s.dir);
    }
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
    if (missing.length > 0)
      problems.push(`missing shard(s) ${missing.map((i) => `${i}/${count}`).join(", ")}`);
  }
  const owner = new Map<string, string>();
  let overlaps = 0;
  for (const s of shards) {
    for (const r of s.samples) {
      const o = owner.get(r.id);
      if (o !== undefined && o !== s.dir) {
        overlaps += 1;
        if (overlaps <= 5) problems.push(`sample '${r.id}' is in both ${o} and ${s.dir}`);
      }
      owner.set(r.id, s.dir);
    }
  }
  if (overlaps > 5) problems.push(`…and ${overlaps - 5} more overlapping ids`);
  // Only meaningful for a full, consistent set: a missing shard or an overlap is already named.
  if (problems.length === 0) {
    const missing = missingSamples(shards);
    if (missing !== null) problems.push(missing);
  }
  return problems;
}

/** The run-folder root a shard folder lives under (`<out>/<model>/<task>/<run-id>` → `<out>`). */
export function outRootOf(runFolder: string): string {
  return resolve(runFolder, "..", "..", "..");
}

/**
 * Reads the folders and keeps the shards (warning about the others), in shard order; throws when there are
 * none or they do not form one complete run.
 */
function readShards(dirs: string[]): Shard[] {
  const read: Shard[] = dirs.map((dir) => ({
    dir,
    record: readRunRecord(dir),
    samples: readSamples(dir).records,
  }));
  // A glob like predictions/m/task/*/ also matches unsharded runs and earlier merges: skip those.
  const shards = read.filter((s) => s.record.shard != null);
  for (const s of read) if (s.record.shard == null) log.warn(`skipping ${s.dir}: not a shard folder.`);
  if (shards.length === 0) {
    throw new UsageError(
      "None of the folders is a shard of a sharded run.",
      "Pass the folders written by run --shard i/n.",
    );
  }
  const problems = checkShards(shards);
  if (problems.length > 0) {
    throw new UsageError(
      `Cannot merge these run folders:\n  ${problems.join("\n  ")}`,
      "Pass every shard folder of one run (same command, --shard 0/n … n-1/n), each complete.",
    );
  }
  return shards.sort((a, b) => (a.record.shard?.index ?? 0) - (b.record.shard?.index ?? 0));
}

/** Empties the merged folder's files (it is derived data: rebuilt whole) and writes every shard's samples. */
function writeMergedSamples(dir: string, shards: readonly Shard[]): SampleRecord[] {
  for (const f of ["samples.jsonl", "run.json", LATENCY_FILE])
    if (existsSync(`${dir}/${f}`)) rmSync(`${dir}/${f}`);
  const writer = new SampleWriter(dir, 0, 256);
  const all: SampleRecord[] = [];
  for (const s of shards) {
    for (const r of s.samples) {
      writer.append(r);
      all.push(r);
    }
  }
  writer.close();
  return all;
}

/** The merged run.json: the first shard's settings, recomputed metrics, the latency of the first timed shard. */
function mergedRecord(
  shards: readonly Shard[],
  all: readonly SampleRecord[],
  base: string,
  sum: ReturnType<typeof summarize>,
): RunRecord {
  const first = shards[0]!.record;
  const timed = shards.find((s) => s.record.latency !== null);
  const count = first.shard?.count ?? shards.length;
  const notes = [
    `merged from ${count} shards: ${shards.map((s) => s.record.runId).join(", ")}`,
    timed
      ? `latency from shard ${timed.record.shard?.index}/${count} (${timed.record.runId}); env is that shard's`
      : "no shard ran a latency pass",
  ];
  const record: RunRecord = {
    schemaVersion: 1,
    runId: base,
    status: "complete",
    task: first.task,
    model: first.model,
    config: { ...first.config, shard: null, mergedFrom: shards.map((s) => s.record.runId) },
    env: (timed ?? shards[0]!).record.env,
    nSamples: { total: all.length, ...sum.counts },
    metrics: sum.metrics,
    ci: sum.ci,
    latency: timed?.record.latency ?? null,
    startedAt: shards.map((s) => s.record.startedAt).sort()[0]!,
    finishedAt: shards
      .map((s) => s.record.finishedAt ?? "")
      .sort()
      .at(-1)!,
    shard: null,
    identity: base,
    notes,
  };
  // What the shards reused, summed over the merged samples (absent for shards made before reuse existed).
  const mode = first.config.reuse;
  if (mode === "on" || mode === "off") record.reuse = reuseSummary(all, mode === "on");
  return record;
}

/**
 * Merges shard run folders into `<out>/<model>/<task>/<base identity>/` (the folder the unsharded run would
 * use). Folders that are not shards are skipped with a warning.
 */
export async function mergeRuns(
  dirs: string[],
  out: string,
  scorer: Scorer<Json>,
  ci?: CiFunction,
): Promise<TaskRunResult> {
  const shards = readShards(dirs);
  const first = shards[0]!.record;
  if (first.task.scorer && first.task.scorer.name !== scorer.name) {
    throw new DataError(`The shards were scored with '${first.task.scorer.name}', not '${scorer.name}'.`);
  }
  const base = typeof first.config.identityBase === "string" ? first.config.identityBase : first.runId;
  const dir = runDir(out, first.model.name, first.task.name, base);
  await mkdir(dir, { recursive: true });
  const all = writeMergedSamples(dir, shards);
  const seed = typeof first.config.subsetSeed === "number" ? first.config.subsetSeed : 0;
  const record = mergedRecord(shards, all, base, summarize(scorer, all, seed, ci));
  // The per-generation lines travel with the latency block they summarise (written atomically, like run.json).
  const timed = shards.find((s) => s.record.latency !== null);
  const lines = timed ? join(timed.dir, LATENCY_FILE) : null;
  if (lines !== null && existsSync(lines)) writeFileAtomic(join(dir, LATENCY_FILE), readFileSync(lines));
  await writeRunRecord(dir, record);
  return { dir, record };
}
