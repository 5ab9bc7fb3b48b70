/**
 * The first two phases of a task run: select the samples (one pass over ids, strata and, with `--reuse on`,
 * image keys), then open or resume the run folder under its lock (identity, folder, the records already
 * there, what is pending).
 */
import { mkdir } from "node:fs/promises";
import { UsageError } from "../core/errors.js";
import * as log from "../core/log.js";
import { type RunRecord, readRunRecordIfAny, readSamples, type SampleRecord } from "../core/records.js";
import type { GenerationSettings, TaskSample } from "../core/types.js";
import { baseIdentity, runDir, runIdentity, runIdFor } from "./identity.js";
import { type KeyedId, sampleImageKey } from "./locality.js";
import { acquireRunLock, type RunLock } from "./lock.js";
import type { TaskRunInput } from "./run-types.js";
import { inShard, type SampleKey, selectSubset, shardRule } from "./select.js";

/** What phase 1 chose. */
export interface Selection {
  /** The ids this process evaluates. */
  selected: Set<string>;
  /** The selected samples with their image keys, in file order (keys null with `--reuse off`). */
  keyed: KeyedId[];
  /** Size of the subset before sharding (merge checks the shards add up to it). */
  subsetSize: number;
}

/** Phase 1: the ids this process evaluates (the seeded subset, then this shard's part of it). */
export async function selectSamples(
  taskName: string,
  samples: () => AsyncIterable<TaskSample>,
  settings: TaskRunInput["settings"],
): Promise<Selection> {
  // Images are dropped as the stream moves on: only ids, strata and image keys are kept.
  const keys: SampleKey[] = [];
  const imageKeys = new Map<string, string | null>();
  for await (const s of samples()) {
    if (imageKeys.has(s.id)) {
      log.warn(`${taskName}: duplicate sample id '${s.id}' ignored.`);
      continue;
    }
    // Keys cost a hash of the image bytes for tasks without a cheap one: only computed when used.
    imageKeys.set(s.id, settings.reuse ? sampleImageKey(s) : null);
    keys.push({ id: s.id, stratum: s.stratum });
  }
  const subset = selectSubset(keys, settings.limit, settings.subsetSeed);
  const byImage = shardRule(settings) === "image";
  const selected = new Set(
    [...subset].filter((id) => inShard(id, settings.shard, byImage ? (imageKeys.get(id) ?? null) : null)),
  );
  const keyed = keys
    .filter((k) => selected.has(k.id))
    .map((k) => ({ id: k.id, key: imageKeys.get(k.id) ?? null }));
  if (selected.size === 0) {
    throw new UsageError(
      `${taskName}: no samples selected (${keys.length} in the split, limit ${settings.limit ?? "none"}, shard ${
        settings.shard ? `${settings.shard.index}/${settings.shard.count}` : "none"
      }).`,
      "Raise --limit or use fewer shards.",
    );
  }
  return { selected, keyed, subsetSize: subset.size };
}

/** An open (locked) run folder and what it already holds. */
export interface RunFolder {
  /** The folder. */
  dir: string;
  /** Its run id. */
  runId: string;
  /** The identity hash without the shard (recorded in config). */
  base: string;
  /** The run identity. */
  identity: string;
  /** The folder's lock; the caller releases it. */
  lock: RunLock;
  /** run.json as found, or null. */
  previous: RunRecord | null;
  /** Byte length of the intact part of samples.jsonl (appends start there). */
  intactBytes: number;
  /** Records of selected ids already there (failed ones included). */
  records: Map<string, SampleRecord>;
  /** Selected ids still to run: not recorded, or recorded as failed (failed samples are retried). */
  pending: Set<string>;
}

/** Phase 2: computes the identity, creates (or finds) the folder, locks it and reads what is there. */
export async function openRunFolder(
  input: TaskRunInput,
  selected: ReadonlySet<string>,
  generation: GenerationSettings,
): Promise<RunFolder> {
  const { task, scorer, dataset, model, settings } = input;
  const base = baseIdentity({
    task: { name: task.name, version: task.version },
    scorer: { name: scorer.name, version: scorer.version },
    dataset,
    model: model.info.fingerprint,
    generation,
    prompt: settings.promptSettings,
    subset: { limit: settings.limit, seed: settings.subsetSeed },
  });
  const identity = runIdentity(base, settings.shard, shardRule(settings));
  const runId = runIdFor(identity, settings.fresh ? new Date() : null);
  const dir = runDir(settings.out, model.info.name, task.name, runId);
  await mkdir(dir, { recursive: true });
  const lock = acquireRunLock(dir);
  try {
    const previous = readRunRecordIfAny(dir);
    const read = readSamples(dir);
    if (read.tornTail)
      log.info(`${task.name}: ignoring a torn last line in ${dir}/samples.jsonl (a crash mid-write).`);
    const records = new Map<string, SampleRecord>();
    for (const r of read.records) if (selected.has(r.id)) records.set(r.id, r);
    const pending = new Set([...selected].filter((id) => records.get(id)?.error !== null));
    const resumed = selected.size - pending.size;
    if (resumed > 0)
      log.info(`${task.name}: resuming ${dir}: ${resumed} of ${selected.size} samples already done.`);
    return { dir, runId, base, identity, lock, previous, intactBytes: read.intactBytes, records, pending };
  } catch (err) {
    lock.release();
    throw err;
  }
}
