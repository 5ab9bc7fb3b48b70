/**
 * One task, one model, one run folder: selection → resume → accuracy pass (prefetch + p-limit pool, scored and
 * appended as results arrive) → serial latency pass → run.json. Data, model and statistics come in as
 * arguments, so the pipeline runs the same on the real Hub and on in-memory fakes.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { collectEnv } from "../core/env.js";
import {
  errorText,
  InternalError,
  InterruptedError,
  TooManyFailuresError,
  UsageError,
} from "../core/errors.js";
import * as log from "../core/log.js";
import {
  LATENCY_FILE,
  type LatencyBlock,
  type LatencyLine,
  type RunRecord,
  readRunRecordIfAny,
  readSamples,
  type SampleRecord,
  SampleWriter,
  writeLatencyLines,
  writeRunRecord,
} from "../core/records.js";
import type {
  GenerateRequest,
  GenerationSettings,
  Json,
  ModelBackend,
  ScoredSample,
  Scorer,
  TaskSample,
} from "../core/types.js";
import { latencyStats } from "../stats/latency.js";
import { BUDGET_RULE, mostCommonError, overBudget } from "./failure-budget.js";
import { baseIdentity, runDir, runIdentity, runIdFor } from "./identity.js";
import { acquireRunLock, type RunLock } from "./lock.js";
import { filterAsync, prefetch } from "./prefetch.js";
import { type ProgressSink, silentProgress } from "./progress.js";
import { inShard, latencySubset, type SampleKey, type Shard, selectSubset } from "./select.js";

/** Settings of a run, as the `run` flags give them. */
export interface RunSettings {
  /** Root of run folders (`predictions/`). */
  out: string;
  /** `--limit`: size of the seeded stratified subset, or null for every sample. */
  limit: number | null;
  /** `--subset-seed`: seeds the subset, the latency subset and the bootstrap. */
  subsetSeed: number;
  /** `--shard`: this process's shard, or null. */
  shard: Shard | null;
  /** `--concurrency`: generations in flight during the accuracy pass. */
  concurrency: number;
  /** `--latency-samples`: samples timed in the serial pass (0 = no latency pass). */
  latencySamples: number;
  /** `--warmup`: uncounted generations before the latency pass. */
  warmup: number;
  /** `--max-new-tokens`: overrides the task's, or null. */
  maxNewTokens: number | null;
  /** `--fresh`: start a new run folder instead of resuming. */
  fresh: boolean;
  /** `--max-error-rate`: the failure budget (failure-budget.ts says how it is judged; exit 5). */
  maxErrorRate: number;
  /** Prompt and image settings that change outputs (e.g. `{ imageMode: "pad" }`); part of the identity. */
  promptSettings: Record<string, Json>;
  /** Further settings recorded in run.json config but not part of the identity (dtype, device, threads flags). */
  extraConfig?: Record<string, Json>;
}

/** The task as the runner needs it (a TaskDefinition fits). */
export interface RunnableTask {
  /** Task name. */
  name: string;
  /** Task version. */
  version: number;
  /** The task's generation settings. */
  generation: GenerationSettings;
}

/** The resolved dataset a run reads. */
export interface ResolvedDataset {
  /** Hub repo actually used. */
  repo: string;
  /** Config name. */
  config: string;
  /** Split name. */
  split: string;
  /** Commit sha the files come from. */
  sha: string;
}

/** Bootstrap confidence intervals: metric name → [low, high]. */
export type CiFunction = (
  scorer: Scorer<Json>,
  samples: ScoredSample<Json>[],
  seed: number,
) => Record<string, [number, number]>;

/** Inputs of one task run. */
export interface TaskRunInput {
  /** The task. */
  task: RunnableTask;
  /** Its scorer. */
  scorer: Scorer<Json>;
  /** Where its rows came from. */
  dataset: ResolvedDataset;
  /** Opens a fresh stream over every sample of the split (called once per pass). */
  samples: () => AsyncIterable<TaskSample>;
  /** The model. */
  model: ModelBackend;
  /** Run settings. */
  settings: RunSettings;
  /** Confidence intervals; none when absent. */
  ci?: CiFunction;
  /** Progress display. */
  progress?: ProgressSink;
  /** Aborts the run (Ctrl-C): in-flight generations stop, finished ones are kept. */
  signal?: AbortSignal;
}

/** What a task run produced. */
export interface TaskRunResult {
  /** The run folder. */
  dir: string;
  /** Its run.json as written. */
  record: RunRecord;
}

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

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && err.name === "AbortError");
}

function generationFor(task: RunnableTask, settings: RunSettings): GenerationSettings {
  return {
    maxNewTokens: settings.maxNewTokens ?? task.generation.maxNewTokens,
    stop: [...task.generation.stop],
  };
}

function requestOf(sample: TaskSample, generation: GenerationSettings): GenerateRequest {
  return { images: sample.images, prompt: sample.prompt, generation, id: sample.id };
}

/** Runs (or resumes) one task and returns its run folder and record. */
export async function runTask(input: TaskRunInput): Promise<TaskRunResult> {
  // The run folder's lock (taken once the folder is known) is released however the run ends.
  const locks: RunLock[] = [];
  try {
    return await runTaskLocked(input, locks);
  } finally {
    for (const lock of locks) lock.release();
  }
}

async function runTaskLocked(input: TaskRunInput, locks: RunLock[]): Promise<TaskRunResult> {
  const { task, scorer, dataset, model, settings } = input;
  const progress = input.progress ?? silentProgress;
  const userSignal = input.signal ?? new AbortController().signal;
  const generation = generationFor(task, settings);

  // 1. Selection: one cheap pass over ids and strata (images are dropped as the stream moves on).
  const keys: SampleKey[] = [];
  const seen = new Set<string>();
  for await (const s of input.samples()) {
    if (seen.has(s.id)) {
      log.warn(`${task.name}: duplicate sample id '${s.id}' ignored.`);
      continue;
    }
    seen.add(s.id);
    keys.push({ id: s.id, stratum: s.stratum });
  }
  seen.clear();
  const subset = selectSubset(keys, settings.limit, settings.subsetSeed);
  const selected = new Set([...subset].filter((id) => inShard(id, settings.shard)));
  if (selected.size === 0) {
    throw new UsageError(
      `${task.name}: no samples selected (${keys.length} in the split, limit ${settings.limit ?? "none"}, shard ${
        settings.shard ? `${settings.shard.index}/${settings.shard.count}` : "none"
      }).`,
      "Raise --limit or use fewer shards.",
    );
  }

  // 2. Identity and folder.
  const base = baseIdentity({
    task: { name: task.name, version: task.version },
    scorer: { name: scorer.name, version: scorer.version },
    dataset,
    model: model.info.fingerprint,
    generation,
    prompt: settings.promptSettings,
    subset: { limit: settings.limit, seed: settings.subsetSeed },
  });
  const identity = runIdentity(base, settings.shard);
  const runId = runIdFor(identity, settings.fresh ? new Date() : null);
  const dir = runDir(settings.out, model.info.name, task.name, runId);
  await mkdir(dir, { recursive: true });
  locks.push(acquireRunLock(dir));

  // 3. Resume: keep successful records of selected ids; failed ones are retried.
  const previous = readRunRecordIfAny(dir);
  // A scorer that throws is a bug in fastvlm-eval, not a failed sample: the run stops (exit 70).
  let scorerBug: InternalError | null = null;
  const read = readSamples(dir);
  if (read.tornTail)
    log.info(`${task.name}: ignoring a torn last line in ${dir}/samples.jsonl (a crash mid-write).`);
  const records = new Map<string, SampleRecord>();
  for (const r of read.records) if (selected.has(r.id)) records.set(r.id, r);
  // Not yet recorded, or recorded as failed: failed samples are retried on every re-run.
  const pending = new Set([...selected].filter((id) => records.get(id)?.error !== null));
  const resumed = selected.size - pending.size;
  if (resumed > 0)
    log.info(`${task.name}: resuming ${dir}: ${resumed} of ${selected.size} samples already done.`);

  const shardText = settings.shard ? `${settings.shard.index}/${settings.shard.count}` : null;
  const config: Record<string, Json> = {
    limit: settings.limit,
    subsetSeed: settings.subsetSeed,
    shard: shardText,
    concurrency: settings.concurrency,
    maxNewTokens: generation.maxNewTokens,
    stop: generation.stop,
    ...settings.promptSettings,
    latencySamples: settings.latencySamples,
    warmup: settings.warmup,
    maxErrorRate: settings.maxErrorRate,
    identityBase: base,
    ...(settings.extraConfig ?? {}),
  };
  const env = collectEnv(model.info);
  const startedAt = previous?.startedAt ?? new Date().toISOString();
  const recordOf = (
    status: RunRecord["status"],
    latency: LatencyBlock | null,
    finishedAt: string | null,
    notes?: string[],
  ): RunRecord => {
    const s = summarize(scorer, records.values(), settings.subsetSeed, input.ci);
    const record: RunRecord = {
      schemaVersion: 1,
      runId,
      status,
      task: {
        name: task.name,
        version: task.version,
        scorer: { name: scorer.name, version: scorer.version },
        primaryMetric: scorer.primary,
        dataset: { repo: dataset.repo, config: dataset.config, split: dataset.split, revision: dataset.sha },
      },
      model: {
        name: model.info.name,
        source: model.info.source,
        revision: model.info.revision,
        dtype: model.info.dtype,
        executionProvider: model.info.executionProvider,
        threads: model.info.threads,
        fingerprint: model.info.fingerprint,
      },
      config,
      env,
      nSamples: { total: selected.size, ...s.counts },
      metrics: s.metrics,
      ci: s.ci,
      latency,
      startedAt,
      finishedAt,
      shard: settings.shard,
      identity,
    };
    if (notes && notes.length > 0) record.notes = notes;
    return record;
  };

  const latencyWanted = settings.latencySamples > 0;
  // A latency block is reused only when it was measured with the same settings on the same device.
  const latencyDone =
    previous?.latency != null &&
    previous.latency.warmup === settings.warmup &&
    previous.config.latencySamples === settings.latencySamples &&
    previous.env.fingerprint === env.fingerprint;
  if (pending.size === 0 && previous?.status === "complete" && (!latencyWanted || latencyDone)) {
    log.info(`${task.name}: ${dir} is already complete.`);
    return { dir, record: previous };
  }
  await writeRunRecord(dir, recordOf("partial", null, null));

  // 4. Accuracy pass.
  const stop = new AbortController();
  const signal = AbortSignal.any([userSignal, stop.signal]);
  let tooMany: TooManyFailuresError | null = null;
  const failRate = (): { failed: number; attempted: number } => {
    let failed = 0;
    for (const r of records.values()) if (r.error !== null) failed += 1;
    return { failed, attempted: records.size };
  };
  const checkFailures = (atEnd: boolean): void => {
    if (tooMany !== null) return;
    const { failed, attempted } = failRate();
    if (!overBudget(failed, attempted, settings.maxErrorRate, atEnd)) return;
    const errors = [...records.values()].flatMap((r) => (r.error === null ? [] : [r.error]));
    const common = mostCommonError(errors);
    const commonText = common
      ? ` Most common error (${common.count} of ${failed} failures): ${common.text}`
      : "";
    tooMany = new TooManyFailuresError(
      `${task.name}: ${failed} of ${attempted} samples failed (${((100 * failed) / attempted).toFixed(1)}%), ` +
        `beyond --max-error-rate ${settings.maxErrorRate} (${BUDGET_RULE}). Kept what was done in ${dir} (status partial).${commonText}`,
      "Look at the `error` fields in samples.jsonl; fix the cause or raise --max-error-rate, then re-run the same command to retry the failed samples.",
    );
    stop.abort(tooMany);
  };

  if (pending.size > 0) {
    const { default: pLimit } = await import("p-limit");
    const writer = new SampleWriter(dir, read.intactBytes);
    const limit = pLimit(settings.concurrency);
    const inflight = new Set<Promise<void>>();
    const running = (): { name: string; value: number } | null => {
      const value = summarize(scorer, records.values(), settings.subsetSeed).metrics[scorer.primary];
      return value === undefined ? null : { name: scorer.primary, value };
    };
    progress.start(task.name, selected.size, selected.size - pending.size, running);
    const runOne = async (sample: TaskSample): Promise<void> => {
      const concurrency = limit.activeCount;
      const base = {
        id: sample.id,
        stratum: sample.stratum,
        reference: sample.reference,
        concurrency,
      };
      let rec: SampleRecord;
      try {
        const gen = await model.generate(requestOf(sample, generation), { signal });
        let result: ReturnType<Scorer<Json>["scoreSample"]>;
        try {
          result = scorer.scoreSample(gen.text, sample.reference, sample.id);
        } catch (err) {
          const why = `scorer ${scorer.name} threw on sample ${sample.id}: ${errorText(err)}`;
          scorerBug ??= new InternalError(why, { cause: err });
          stop.abort(scorerBug);
          return;
        }
        rec = {
          ...base,
          prediction: gen.text,
          parsed: result.parsed,
          parseOk: result.parseOk,
          rule: result.rule,
          score: result.score,
          error: null,
          timing: gen.timing,
          tokens: { prompt: gen.promptTokens, visual: gen.visualTokens, output: gen.outputTokens },
        };
      } catch (err) {
        // An aborted generation did not finish: it is neither done nor failed, and resume runs it.
        if (isAbort(err, signal)) return;
        rec = {
          ...base,
          prediction: null,
          parsed: null,
          parseOk: false,
          rule: "error",
          score: null,
          error: errorText(err),
          timing: null,
          tokens: null,
        };
      }
      records.set(rec.id, rec);
      writer.append(rec);
      progress.tick(rec.error !== null);
      checkFailures(false);
    };
    try {
      const stream = prefetch(
        filterAsync(input.samples(), (s) => pending.has(s.id)),
        Math.max(2, settings.concurrency * 2),
      );
      for await (const sample of stream) {
        if (signal.aborted) break;
        pending.delete(sample.id);
        while (inflight.size >= settings.concurrency) await Promise.race(inflight);
        if (signal.aborted) break;
        const p: Promise<void> = limit(() => runOne(sample)).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await Promise.all(inflight);
    } finally {
      await Promise.allSettled(inflight);
      writer.close();
      progress.stop();
    }
  }
  if (scorerBug !== null) {
    await writeRunRecord(dir, recordOf("partial", null, null));
    throw scorerBug;
  }
  if (!userSignal.aborted) checkFailures(true);
  if (userSignal.aborted) {
    await writeRunRecord(dir, recordOf("partial", null, null));
    throw new InterruptedError(
      `Interrupted: ${task.name} stopped with ${records.size} of ${selected.size} samples recorded in ${dir}.`,
      "Re-run the same command to resume.",
    );
  }
  if (tooMany !== null) {
    await writeRunRecord(dir, recordOf("partial", null, null));
    throw tooMany;
  }
  const { failed } = failRate();
  const common = mostCommonError([...records.values()].flatMap((r) => (r.error === null ? [] : [r.error])));
  if (failed > 0 && common !== null)
    log.warn(
      `${task.name}: ${failed} of ${records.size} samples failed (within the failure budget); most common error (${common.count} of ${failed}): ${common.text}`,
    );

  // 5. Serial latency pass over successful samples.
  let latency: LatencyBlock | null = null;
  const notes: string[] = [];
  if (latencyWanted) {
    if (latencyDone && previous?.latency) latency = previous.latency;
    else {
      // Lines of an earlier pass must not outlive it (gate would read them as this run's).
      await rm(join(dir, LATENCY_FILE), { force: true });
      const okIds = [...records.values()].filter((r) => r.error === null).map((r) => r.id);
      const pass = await latencyPass(input, okIds, generation, userSignal, progress);
      if (pass === null) notes.push("latency pass measured nothing (no sample succeeded)");
      else {
        latency = pass.block;
        await writeLatencyLines(dir, pass.lines);
      }
    }
  } else await rm(join(dir, LATENCY_FILE), { force: true });
  if (userSignal.aborted) {
    await writeRunRecord(dir, recordOf("partial", null, null));
    throw new InterruptedError(
      `Interrupted during the latency pass of ${task.name}; samples are saved in ${dir}.`,
    );
  }
  const complete = [...selected].every((id) => records.has(id));
  const record = recordOf(complete ? "complete" : "partial", latency, new Date().toISOString(), notes);
  await writeRunRecord(dir, record);
  return { dir, record };
}

/**
 * Warm-up runs, then `latencySamples` serial generations: the summary block and one line per measured
 * generation (for latency.jsonl); null when nothing could be measured.
 */
async function latencyPass(
  input: TaskRunInput,
  okIds: string[],
  generation: GenerationSettings,
  signal: AbortSignal,
  progress: ProgressSink,
): Promise<{ block: LatencyBlock; lines: LatencyLine[] } | null> {
  const { settings, model } = input;
  const order = latencySubset(okIds, settings.latencySamples, settings.subsetSeed);
  if (order.length === 0) return null;
  const wanted = new Set(order);
  const byId = new Map<string, TaskSample>();
  for await (const s of input.samples()) {
    if (wanted.has(s.id) && !byId.has(s.id)) byId.set(s.id, s);
    if (byId.size === wanted.size) break;
  }
  const samples = order.map((id) => byId.get(id)).filter((s): s is TaskSample => s !== undefined);
  if (samples.length === 0) return null;
  for (let i = 0; i < settings.warmup && !signal.aborted; i++) {
    try {
      await model.generate(requestOf(samples[i % samples.length]!, generation), { signal });
    } catch {
      // Warm-up results are not counted, failures included.
    }
  }
  const ttft: number[] = [];
  const pre: number[] = [];
  const vision: number[] = [];
  const prefill: number[] = [];
  let decodeTokens = 0;
  let decodeMs = 0;
  const ids: string[] = [];
  const lines: LatencyLine[] = [];
  progress.start(`${input.task.name} latency`, samples.length, 0);
  try {
    for (const s of samples) {
      if (signal.aborted) return null;
      try {
        const g = await model.generate(requestOf(s, generation), { signal });
        ttft.push(g.timing.ttftMs);
        pre.push(g.timing.preprocessMs);
        vision.push(g.timing.visionMs);
        prefill.push(g.timing.prefillMs);
        decodeTokens += Math.max(0, g.outputTokens - 1);
        decodeMs += g.timing.decodeMs;
        ids.push(s.id);
        lines.push({
          id: s.id,
          timing: g.timing,
          tokens: { prompt: g.promptTokens, visual: g.visualTokens, output: g.outputTokens },
        });
        progress.tick(false);
      } catch (err) {
        if (signal.aborted) return null;
        log.warn(`${input.task.name}: latency sample ${s.id} failed and is not counted: ${errorText(err)}`);
        progress.tick(true);
      }
    }
  } finally {
    progress.stop();
  }
  if (ids.length === 0) return null;
  const block: LatencyBlock = {
    ttftMs: latencyStats(ttft),
    preprocessMs: latencyStats(pre),
    visionMs: latencyStats(vision),
    prefillMs: latencyStats(prefill),
    // Tokens after the first over the time after the first token, pooled over the pass.
    decodeTokensPerSec: decodeMs > 0 ? decodeTokens / (decodeMs / 1000) : 0,
    warmup: settings.warmup,
    measuredAtConcurrency: 1,
    sampleIds: ids,
  };
  return { block, lines };
}
