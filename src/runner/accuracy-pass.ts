/**
 * Phase 3 of a task run: the accuracy pass. Pending samples stream in (prefetched; with `--reuse on` in the
 * locality order, questions of one image together, read on demand), at most `--concurrency` generations are
 * in flight, every result is scored and appended to samples.jsonl as it arrives, and the failure budget is
 * judged on a running count after every sample.
 */
import { errorText, InternalError, TooManyFailuresError } from "../core/errors.js";
import { recordedReuse, type SampleRecord, SampleWriter } from "../core/records.js";
import { recordedTiming } from "../core/timing.js";
import type { GenerateRequest, GenerationSettings, Json, Scorer, TaskSample } from "../core/types.js";
import { BUDGET_RULE, mostCommonError, overBudget } from "./failure-budget.js";
import { filterAsync, prefetch } from "./prefetch.js";
import { silentProgress } from "./progress.js";
import { summarize } from "./run-record.js";
import type { TaskRunInput } from "./run-types.js";

/** The request a sample makes. */
export function requestOf(sample: TaskSample, generation: GenerationSettings): GenerateRequest {
  return { images: sample.images, prompt: sample.prompt, generation, id: sample.id };
}

/** The run's sample records by id, with a running count of the failed ones (the failure budget's input). */
export class SampleTally {
  /** Records by id. */
  readonly records: Map<string, SampleRecord>;
  private failedCount = 0;

  constructor(records: Map<string, SampleRecord>) {
    this.records = records;
    for (const r of records.values()) if (r.error !== null) this.failedCount += 1;
  }

  /** Records a sample (a retried one replaces its earlier record). */
  set(rec: SampleRecord): void {
    const old = this.records.get(rec.id);
    if (old !== undefined && old.error !== null) this.failedCount -= 1;
    if (rec.error !== null) this.failedCount += 1;
    this.records.set(rec.id, rec);
  }

  /** Failed records. */
  get failed(): number {
    return this.failedCount;
  }

  /** Recorded samples, failed ones included. */
  get attempted(): number {
    return this.records.size;
  }

  /** The most frequent kind of error so far, or null. */
  mostCommonError(): { text: string; count: number } | null {
    return mostCommonError([...this.records.values()].flatMap((r) => (r.error === null ? [] : [r.error])));
  }
}

/** How the accuracy pass ended, when it did not simply finish. */
export interface AccuracyOutcome {
  /** A scorer threw: a bug in fastvlm-eval (exit 70). */
  scorerBug: InternalError | null;
  /** The failure budget was exceeded (exit 5). */
  tooMany: TooManyFailuresError | null;
}

/** Judges the failure budget; the error to stop with, or null. */
export function budgetVerdict(
  tally: SampleTally,
  taskName: string,
  dir: string,
  maxErrorRate: number,
  atEnd: boolean,
): TooManyFailuresError | null {
  const { failed, attempted } = tally;
  if (!overBudget(failed, attempted, maxErrorRate, atEnd)) return null;
  const common = tally.mostCommonError();
  const commonText = common
    ? ` Most common error (${common.count} of ${failed} failures): ${common.text}`
    : "";
  return new TooManyFailuresError(
    `${taskName}: ${failed} of ${attempted} samples failed (${((100 * failed) / attempted).toFixed(1)}%), ` +
      `beyond --max-error-rate ${maxErrorRate} (${BUDGET_RULE}). Kept what was done in ${dir} (status partial).${commonText}`,
    "Look at the `error` fields in samples.jsonl; fix the cause or raise --max-error-rate, then re-run the same command to retry the failed samples.",
  );
}

/** Where the pass writes and what it runs. */
export interface AccuracyPassInput {
  /** The run folder. */
  dir: string;
  /** Intact bytes of samples.jsonl (appends start there). */
  intactBytes: number;
  /** Ids still to run (emptied as samples are taken). */
  pending: Set<string>;
  /** The pending ids in run order (localityOrder), or null for file order. */
  order: readonly string[] | null;
  /** Selected ids (for the progress total). */
  selected: ReadonlySet<string>;
  /** The records and their failure count. */
  tally: SampleTally;
  /** The generation settings. */
  generation: GenerationSettings;
  /** The user's abort (Ctrl-C). */
  signal: AbortSignal;
}

/** Runs the pending samples; returns why it stopped early, if it did. */
export async function accuracyPass(input: TaskRunInput, pass: AccuracyPassInput): Promise<AccuracyOutcome> {
  const { task, scorer, model, settings } = input;
  const progress = input.progress ?? silentProgress;
  const { tally, pending, generation } = pass;
  const outcome: AccuracyOutcome = { scorerBug: null, tooMany: null };
  const stop = new AbortController();
  const signal = AbortSignal.any([pass.signal, stop.signal]);
  const writer = new SampleWriter(pass.dir, pass.intactBytes);
  // The one concurrency bound: a sample is taken from the stream only when a slot is free.
  const inflight = new Set<Promise<void>>();
  const running = (): { name: string; value: number } | null => {
    const value = summarize(scorer, tally.records.values(), settings.subsetSeed).metrics[scorer.primary];
    return value === undefined ? null : { name: scorer.primary, value };
  };
  progress.start(task.name, pass.selected.size, pass.selected.size - pending.size, running);
  const runOne = async (sample: TaskSample, concurrency: number): Promise<void> => {
    const rec = await recordOf(sample, concurrency, scorer, () =>
      model.generate(requestOf(sample, generation), { signal, reuse: settings.reuse }),
    ).catch((err: unknown) => {
      if (!(err instanceof InternalError)) throw err;
      outcome.scorerBug ??= err;
      stop.abort(err);
      return null;
    });
    // An aborted generation did not finish: it is neither done nor failed, and resume runs it.
    if (rec === null || (rec.error !== null && signal.aborted)) return;
    tally.set(rec);
    writer.append(rec);
    progress.tick(rec.error !== null);
    if (outcome.tooMany === null) {
      outcome.tooMany = budgetVerdict(tally, task.name, pass.dir, settings.maxErrorRate, false);
      if (outcome.tooMany !== null) stop.abort(outcome.tooMany);
    }
  };
  try {
    const stream = prefetch(
      filterAsync(pendingSamples(input, pass.order), (s) => pending.has(s.id)),
      Math.max(2, settings.concurrency * 2),
    );
    for await (const sample of stream) {
      if (signal.aborted) break;
      pending.delete(sample.id);
      while (inflight.size >= settings.concurrency) await Promise.race(inflight);
      if (signal.aborted) break;
      const p: Promise<void> = runOne(sample, inflight.size + 1).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
  } finally {
    await Promise.allSettled(inflight);
    writer.close();
    progress.stop();
  }
  return outcome;
}

/** The pending samples: in the planned order when there is one and the data can be read in order, else in file order. */
function pendingSamples(input: TaskRunInput, order: readonly string[] | null): AsyncIterable<TaskSample> {
  if (order !== null && input.samplesInOrder !== undefined) return input.samplesInOrder(order);
  return input.samples();
}

/**
 * One sample's record: generated and scored, or failed (the error is data). A scorer that throws is a bug
 * in fastvlm-eval: an InternalError is thrown. An aborted generation rejects with its abort error.
 */
async function recordOf(
  sample: TaskSample,
  concurrency: number,
  scorer: Scorer<Json>,
  generate: () => ReturnType<TaskRunInput["model"]["generate"]>,
): Promise<SampleRecord | null> {
  const base = { id: sample.id, stratum: sample.stratum, reference: sample.reference, concurrency };
  let gen: Awaited<ReturnType<typeof generate>>;
  try {
    gen = await generate();
  } catch (err) {
    if (err instanceof Error && err.name === "AbortError") return null;
    return {
      ...base,
      prediction: null,
      parsed: null,
      parseOk: false,
      rule: "error",
      score: null,
      error: errorText(err),
      timing: null,
      tokens: null,
      reuse: null,
    };
  }
  let result: ReturnType<Scorer<Json>["scoreSample"]>;
  try {
    result = scorer.scoreSample(gen.text, sample.reference, sample.id);
  } catch (err) {
    throw new InternalError(`scorer ${scorer.name} threw on sample ${sample.id}: ${errorText(err)}`, {
      cause: err,
    });
  }
  return {
    ...base,
    prediction: gen.text,
    parsed: result.parsed,
    parseOk: result.parseOk,
    rule: result.rule,
    score: result.score,
    error: null,
    timing: recordedTiming(gen.timing),
    tokens: { prompt: gen.promptTokens, visual: gen.visualTokens, output: gen.outputTokens },
    reuse: recordedReuse(gen.reuse),
  };
}
