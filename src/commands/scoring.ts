/**
 * The library behind `fastvlm-eval score`: scoring a predictions file into a run folder, and re-scoring a
 * saved run with the current scorer. Heavy and shared modules load inside the functions so `--help`
 * stays fast.
 */
import type { RunRecord, SampleRecord } from "../core/records.js";
import type { Json, ScoredSample, Scorer, TaskDefinition } from "../core/types.js";

/** What `score` produced. */
export interface ScoreResult {
  /** The folder written. */
  dir: string;
  /** Its run.json. */
  record: RunRecord;
}

/** Metrics, intervals and parse failures of scored samples. */
interface ScoredSummary {
  /** Finite aggregate metrics. */
  metrics: Record<string, number>;
  /** 95 % intervals per metric. */
  ci: Record<string, [number, number]>;
  /** Samples whose prediction did not parse. */
  parseFailures: number;
}

/** One valid input line. */
interface PredictionLine {
  id: string;
  prediction: string;
  reference: Json;
}

/** Reads and validates a predictions file; throws one DataError listing every bad line. */
async function readPredictions(task: string, file: string): Promise<PredictionLine[]> {
  const { readFileSync } = await import("node:fs");
  const { DataError, UsageError, unknownName } = await import("../core/errors.js");
  const { TASKS } = await import("../../tasks/index.js");
  const def = TASKS[task];
  if (!def) throw unknownName("task", task, Object.keys(TASKS));
  const scorer = def.scorer;
  let text: string;
  try {
    // A UTF-8 byte-order mark (some editors write one) is not part of the first line's JSON.
    text = readFileSync(file, "utf8").replace(/^\ufeff/, "");
  } catch (err) {
    throw new UsageError(
      `Cannot read predictions file ${file}: ${(err as Error).message}`,
      'Check the --predictions path: a JSONL file of {"id", "prediction", "doc"} lines.',
    );
  }
  const problems: string[] = [];
  const lines: PredictionLine[] = [];
  const seen = new Map<string, number>();
  text.split("\n").forEach((raw, i) => {
    const n = i + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      problems.push(`line ${n}: not valid JSON (${(err as Error).message})`);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push(`line ${n}: expected an object {"id", "prediction", "doc"}`);
      return;
    }
    const obj = value as Record<string, unknown>;
    const here: string[] = [];
    if (typeof obj.id !== "string" || obj.id === "") here.push('"id" must be a non-empty string');
    if (typeof obj.prediction !== "string") here.push('"prediction" must be a string');
    let reference: Json | undefined;
    if (typeof obj.doc !== "object" || obj.doc === null || Array.isArray(obj.doc)) {
      here.push('"doc" must be an object of the Hub row fields');
    } else {
      try {
        reference = def.referenceFromDoc(obj.doc as Record<string, unknown>);
        here.push(...(scorer.checkReference?.(reference) ?? []));
      } catch (err) {
        here.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (typeof obj.id === "string") {
      const first = seen.get(obj.id);
      if (first !== undefined) here.push(`duplicate id ${JSON.stringify(obj.id)} (first on line ${first})`);
      else seen.set(obj.id, n);
    }
    if (here.length > 0) {
      problems.push(`line ${n}: ${here.join("; ")}`);
      return;
    }
    lines.push({ id: obj.id as string, prediction: obj.prediction as string, reference: reference as Json });
  });
  if (problems.length > 0) {
    throw new DataError(
      `${file} has ${problems.length} malformed line(s); nothing was written:\n  ${problems.join("\n  ")}`,
      `Each line must be {"id": string, "prediction": string, "doc": {…}} with the ${task} doc fields.`,
    );
  }
  if (lines.length === 0) throw new DataError(`${file} has no predictions.`);
  return lines;
}

/** Metrics, CIs and parse failures of scored samples, in the given order. */
async function summarizeScored(
  scorer: Scorer<Json>,
  scored: ScoredSample<Json>[],
  seed: number,
): Promise<ScoredSummary> {
  const { confidenceIntervals } = await import("../stats/ci.js");
  const metrics: Record<string, number> = {};
  if (scored.length > 0) {
    for (const [k, v] of Object.entries(scorer.aggregate(scored))) if (Number.isFinite(v)) metrics[k] = v;
  }
  const ci = scored.length > 0 ? confidenceIntervals(scorer, scored, { seed }) : {};
  return { metrics, ci, parseFailures: scored.filter((s) => !s.result.parseOk).length };
}

/** Writes a folder's samples.jsonl whole, atomically (temp file + rename). */
async function writeSamplesAtomic(dir: string, records: SampleRecord[]): Promise<void> {
  const { join } = await import("node:path");
  const { writeFileAtomic } = await import("../core/atomic-write.js");
  const { validateSampleRecord, SAMPLES_FILE } = await import("../core/records.js");
  const { InternalError } = await import("../core/errors.js");
  for (const r of records) {
    const errs = validateSampleRecord(r);
    if (errs.length > 0) throw new InternalError(`sample ${r.id} would be invalid: ${errs.join("; ")}`);
  }
  writeFileAtomic(join(dir, SAMPLES_FILE), records.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

/** `score --task --predictions --out`: scores a predictions file into a run folder. */
export async function scorePredictions(
  task: string,
  file: string,
  out: string,
  seed = 0,
): Promise<ScoreResult> {
  const { resolve } = await import("node:path");
  const { TASKS } = await import("../../tasks/index.js");
  const { writeRunRecord } = await import("../core/records.js");
  const { checkOutputDir } = await import("../core/fs-errors.js");
  checkOutputDir(out, "the output folder (--out)");
  const lines = await readPredictions(task, file);
  const def = TASKS[task]!;
  const scorer = def.scorer;
  const startedAt = new Date().toISOString();
  const records: SampleRecord[] = [];
  const scored: ScoredSample<Json>[] = [];
  for (const line of lines) {
    const result = scorer.scoreSample(line.prediction, line.reference, line.id);
    scored.push({ id: line.id, reference: line.reference, result });
    records.push({
      id: line.id,
      prediction: line.prediction,
      parsed: result.parsed,
      parseOk: result.parseOk,
      rule: result.rule,
      score: result.score,
      reference: line.reference,
      error: null,
      timing: null,
      concurrency: 0,
    });
  }
  // Input order is kept for the aggregates: lmms-eval aggregates in document order.
  const summary = await summarizeScored(scorer, scored, seed);
  const dir = resolve(out);
  const source = resolve(file);
  const record = await scoredRunRecord({
    task,
    def,
    source,
    seed,
    samples: records.length,
    summary,
    startedAt,
  });
  await writeSamplesAtomic(dir, records);
  await writeRunRecord(dir, record);
  return { dir, record };
}

/** What the run.json of a scored predictions file is made of. */
interface ScoredRun {
  /** The task name as given. */
  task: string;
  /** The task. */
  def: TaskDefinition<unknown, Json>;
  /** The predictions file, absolute. */
  source: string;
  /** --seed of the intervals. */
  seed: number;
  /** How many predictions were scored. */
  samples: number;
  /** Their metrics, intervals and parse failures. */
  summary: ScoredSummary;
  /** When scoring started (ISO). */
  startedAt: string;
}

/** The run.json of a scored predictions file: model "predictions", no latency, every sample scored. */
async function scoredRunRecord(run: ScoredRun): Promise<RunRecord> {
  const { collectEnv } = await import("../core/env.js");
  const { def, source, seed, summary } = run;
  const scorer = def.scorer;
  return {
    schemaVersion: 1,
    runId: `scored-${run.task}`,
    status: "complete",
    task: {
      name: def.name,
      version: def.version,
      scorer: { name: scorer.name, version: scorer.version },
      primaryMetric: scorer.primary,
      dataset: {
        repo: def.dataset.repo,
        config: def.dataset.config,
        split: def.dataset.split,
        revision: null,
      },
    },
    model: {
      name: "predictions",
      source,
      revision: null,
      dtype: {},
      executionProvider: "none",
      threads: 0,
      clock: "none", // predictions made elsewhere: no timings of ours
    },
    config: { predictions: source, seed },
    env: collectEnv(),
    nSamples: {
      total: run.samples,
      scored: run.samples,
      failed: 0,
      parseFailures: summary.parseFailures,
    },
    metrics: summary.metrics,
    ci: summary.ci,
    latency: null,
    startedAt: run.startedAt,
    finishedAt: new Date().toISOString(),
    shard: null,
    notes: [`scored from ${source} with ${scorer.name} v${scorer.version}`],
  };
}

/** `score <run-dir>`: re-scores every recorded prediction with the current scorer and rewrites the folder. */
export async function rescoreRun(runDir: string): Promise<ScoreResult> {
  const { resolve } = await import("node:path");
  const { readRunRecord } = await import("../core/records.js");
  const dir = resolve(runDir);
  const record = readRunRecord(dir);
  const { acquireRunLock } = await import("../runner/lock.js");
  const lock = acquireRunLock(dir);
  try {
    return await rescoreLocked(dir, record);
  } finally {
    lock.release();
  }
}

async function rescoreLocked(dir: string, record: RunRecord): Promise<ScoreResult> {
  const { readSamples, writeRunRecord } = await import("../core/records.js");
  const { DataError, UsageError } = await import("../core/errors.js");
  const { TASKS } = await import("../../tasks/index.js");
  const { SCORERS } = await import("../../scorers/index.js");
  const { summarize } = await import("../runner/task-run.js");
  const { loadCi } = await import("../runner/index.js");
  const def = TASKS[record.task.name];
  const scorerName = def?.scorer.name ?? record.task.scorer?.name ?? "";
  const scorer = def?.scorer ?? SCORERS[scorerName];
  if (!scorer) {
    throw new UsageError(
      `The run's task '${record.task.name}' (scorer '${scorerName}') is not known to this version.`,
      `Known scorers: ${Object.keys(SCORERS).join(", ")}.`,
    );
  }
  const read = readSamples(dir);
  const problems: string[] = [];
  const rescored: SampleRecord[] = read.records.map((r) => {
    // Failed samples stay failed: there is nothing to score.
    if (r.error !== null || r.prediction === null) return r;
    const refProblems = scorer.checkReference?.(r.reference) ?? [];
    if (refProblems.length > 0) {
      problems.push(`sample ${JSON.stringify(r.id)}: ${refProblems.join("; ")}`);
      return r;
    }
    const result = scorer.scoreSample(r.prediction, r.reference, r.id);
    return { ...r, parsed: result.parsed, parseOk: result.parseOk, rule: result.rule, score: result.score };
  });
  if (problems.length > 0) {
    throw new DataError(
      `${dir}: ${problems.length} sample(s) have references the scorer cannot use; nothing was rewritten:\n  ${problems.join("\n  ")}`,
    );
  }
  const seed = typeof record.config.subsetSeed === "number" ? record.config.subsetSeed : 0;
  const s = summarize(scorer, rescored, seed, await loadCi());
  // A torn last line (a crash mid-write) or lost lines: the run is not complete, whatever run.json said.
  const missing = record.nSamples.total - rescored.length;
  const notes: string[] = [];
  let status = record.status;
  if (read.tornTail || missing > 0) {
    const { warn } = await import("../core/log.js");
    const why = read.tornTail
      ? `the last line of ${dir}/samples.jsonl is torn (a crash mid-write) and was dropped`
      : `${dir}/samples.jsonl holds ${rescored.length} records`;
    warn(
      `score: ${why}; ${rescored.length} of ${record.nSamples.total} samples are recorded, so the run is left partial. ` +
        "Re-run the same `fastvlm-eval run` command to redo the missing sample(s).",
    );
    status = "partial";
    notes.push(
      `${rescored.length} of ${record.nSamples.total} samples recorded when re-scored${read.tornTail ? " (a torn last line was dropped)" : ""}`,
    );
  }
  const before = record.task.scorer;
  const note =
    before && (before.name !== scorer.name || before.version !== scorer.version)
      ? `re-scored ${new Date().toISOString()}: ${before.name} v${before.version} → ${scorer.name} v${scorer.version}`
      : `re-scored ${new Date().toISOString()} with ${scorer.name} v${scorer.version}`;
  const updated: RunRecord = {
    ...record,
    status,
    finishedAt: status === "complete" ? record.finishedAt : null,
    task: { ...record.task, scorer: { name: scorer.name, version: scorer.version } },
    nSamples: { ...record.nSamples, ...s.counts },
    metrics: s.metrics,
    ci: s.ci,
    notes: [...(record.notes ?? []), note, ...notes],
  };
  await writeSamplesAtomic(dir, rescored);
  await writeRunRecord(dir, updated);
  return { dir, record: updated };
}
