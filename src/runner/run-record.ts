/** run.json from the run's state: a pure function of what the phases produced (no clock, no files). */
import type { LatencyBlock, ReuseSummary, RunRecord, SampleRecord } from "../core/records.js";
import type { GenerationSettings, Json, ModelInfo, ScoredSample, Scorer } from "../core/types.js";
import { backendFor } from "../models/registry.js";
import type { CiFunction, ResolvedDataset, RunnableTask, RunSettings } from "./run-types.js";
import { shardRule } from "./select.js";

/** Metrics, CI and counts of a set of sample records (failed ones counted, never scored). */
export function summarize(
  scorer: Scorer<Json>,
  records: Iterable<SampleRecord>,
  seed: number,
  ci?: CiFunction,
): Pick<RunRecord, "metrics" | "ci"> & { counts: Omit<RunRecord["nSamples"], "total"> } {
  const scored: ScoredSample<Json>[] = [];
  let failed = 0;
  let parseFailures = 0;
  for (const r of records) {
    if (r.error !== null || r.score === null) {
      failed += 1;
      continue;
    }
    if (!r.parseOk) parseFailures += 1;
    scored.push({
      id: r.id,
      reference: r.reference,
      result: { score: r.score, parsed: r.parsed, parseOk: r.parseOk, rule: r.rule },
    });
  }
  // Stable order so aggregates and the bootstrap do not depend on completion order.
  scored.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const metrics = scored.length > 0 ? { ...scorer.aggregate(scored) } : {};
  if (scored.length > 0 && metrics.parse_failure_rate === undefined) {
    metrics.parse_failure_rate = parseFailures / scored.length;
  }
  for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) delete metrics[k];
  const intervals = ci && scored.length > 0 ? ci(scorer, scored, seed) : {};
  return { metrics, ci: intervals, counts: { scored: scored.length, failed, parseFailures } };
}

/**
 * What the recorded samples reused (run.json `reuse`): sums over every record, resumed ones included; a
 * record without reuse info (failed, or a backend without caches) adds nothing.
 */
export function reuseSummary(records: Iterable<SampleRecord>, reuse: boolean): ReuseSummary {
  const sum: ReuseSummary = {
    mode: reuse ? "on" : "off",
    visionComputed: 0,
    visionReused: 0,
    prefixReused: 0,
    prefixTokensReused: 0,
  };
  for (const r of records) {
    if (r.reuse == null) continue;
    sum.visionComputed += r.reuse.visionComputed;
    sum.visionReused += r.reuse.visionReused;
    if (r.reuse.prefixTokens > 0) sum.prefixReused += 1;
    sum.prefixTokensReused += r.reuse.prefixTokens;
  }
  return sum;
}

/**
 * run.json's `config`: the settings as run, the identity's base, the size of the subset before sharding
 * (merge checks shards add up to it) and the recorded extras. `reuse` is recorded but is not identity;
 * `shardBy` (the shard rule, null when unsharded) is part of a shard's.
 */
export function runConfig(
  settings: RunSettings,
  generation: GenerationSettings,
  identityBase: Json,
  subsetSize: number,
): Record<string, Json> {
  return {
    limit: settings.limit,
    subsetSeed: settings.subsetSeed,
    shard: settings.shard ? `${settings.shard.index}/${settings.shard.count}` : null,
    shardBy: settings.shard ? shardRule(settings) : null,
    subsetSize,
    reuse: settings.reuse ? "on" : "off",
    concurrency: settings.concurrency,
    maxNewTokens: generation.maxNewTokens,
    stop: generation.stop,
    ...settings.promptSettings,
    latencySamples: settings.latencySamples,
    warmup: settings.warmup,
    maxErrorRate: settings.maxErrorRate,
    identityBase,
    ...(settings.extraConfig ?? {}),
  };
}

/** Everything run.json is built from. */
export interface RunRecordParts {
  /** The run id (folder name). */
  runId: string;
  /** The task. */
  task: RunnableTask;
  /** Its scorer. */
  scorer: Scorer<Json>;
  /** Where its rows came from. */
  dataset: ResolvedDataset;
  /** The model. */
  model: ModelInfo;
  /** The run settings. */
  settings: RunSettings;
  /** runConfig's result. */
  config: Record<string, Json>;
  /** The environment block (collectEnv). */
  env: RunRecord["env"];
  /** The run identity. */
  identity: string;
  /** Selected sample ids (this shard's). */
  selected: ReadonlySet<string>;
  /** Sample records so far, by id. */
  records: ReadonlyMap<string, SampleRecord>;
  /** When the run (first) started. */
  startedAt: string;
  /** Confidence intervals; none when absent. */
  ci?: CiFunction | undefined;
}

/** Builds run.json from the parts and the run's state. */
export function buildRunRecord(
  parts: RunRecordParts,
  status: RunRecord["status"],
  latency: LatencyBlock | null,
  finishedAt: string | null,
  notes?: string[],
): RunRecord {
  const { task, scorer, dataset, model, settings } = parts;
  const s = summarize(scorer, parts.records.values(), settings.subsetSeed, parts.ci);
  const record: RunRecord = {
    schemaVersion: 1,
    runId: parts.runId,
    status,
    task: {
      name: task.name,
      version: task.version,
      scorer: { name: scorer.name, version: scorer.version },
      primaryMetric: scorer.primary,
      dataset: { repo: dataset.repo, config: dataset.config, split: dataset.split, revision: dataset.sha },
    },
    model: {
      name: model.name,
      source: model.source,
      revision: model.revision,
      dtype: model.dtype,
      executionProvider: model.executionProvider,
      threads: model.threads,
      fingerprint: model.fingerprint,
      clock: model.clock ?? backendFor(model.name)?.clock,
    },
    config: parts.config,
    env: parts.env,
    nSamples: { total: parts.selected.size, ...s.counts },
    metrics: s.metrics,
    ci: s.ci,
    latency,
    startedAt: parts.startedAt,
    finishedAt,
    shard: settings.shard,
    identity: parts.identity,
    reuse: reuseSummary(parts.records.values(), settings.reuse),
  };
  if (notes && notes.length > 0) record.notes = notes;
  return record;
}
