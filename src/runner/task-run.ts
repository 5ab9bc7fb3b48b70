/**
 * One task, one model, one run folder, in named phases: select the samples → open or resume the run folder
 * (locked) → the accuracy pass (bounded concurrency, scored and appended as results arrive, a counting
 * failure budget) → the serial latency pass → run.json (a pure function of the state). Data, model and
 * statistics come in as arguments, so the pipeline runs the same on the real Hub and on in-memory fakes.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { collectEnv } from "../core/env.js";
import { InterruptedError } from "../core/errors.js";
import * as log from "../core/log.js";
import {
  LATENCY_FILE,
  type LatencyBlock,
  type RunRecord,
  writeLatencyLines,
  writeRunRecord,
} from "../core/records.js";
import type { GenerationSettings } from "../core/types.js";
import { type AccuracyOutcome, accuracyPass, budgetVerdict, SampleTally } from "./accuracy-pass.js";
import { latencyPass } from "./latency-pass.js";
import { localityOrder } from "./locality.js";
import { silentProgress } from "./progress.js";
import { openRunFolder, type RunFolder, type Selection, selectSamples } from "./run-folder.js";
import { buildRunRecord, type RunRecordParts, runConfig } from "./run-record.js";
import type { RunnableTask, RunSettings, TaskRunInput, TaskRunResult } from "./run-types.js";

export { summarize } from "./run-record.js";
export type { CiFunction, RunSettings, TaskRunInput, TaskRunResult } from "./run-types.js";

function generationFor(task: RunnableTask, settings: RunSettings): GenerationSettings {
  return {
    maxNewTokens: settings.maxNewTokens ?? task.generation.maxNewTokens,
    stop: [...task.generation.stop],
  };
}

/** True when the folder's earlier latency block was measured with the same settings on the same device. */
function latencyReusable(
  folder: RunFolder,
  settings: RunSettings,
  envFingerprint: string | undefined,
): boolean {
  const previous = folder.previous;
  return (
    previous?.latency != null &&
    previous.latency.warmup === settings.warmup &&
    previous.config.latencySamples === settings.latencySamples &&
    previous.env.fingerprint === envFingerprint
  );
}

/** Runs (or resumes) one task and returns its run folder and record. */
export async function runTask(input: TaskRunInput): Promise<TaskRunResult> {
  const generation = generationFor(input.task, input.settings);
  const selection = await selectSamples(input.task.name, input.samples, input.settings);
  const folder = await openRunFolder(input, selection.selected, generation);
  // The run folder's lock is released however the run ends.
  try {
    return await runInFolder(input, folder, selection, generation);
  } finally {
    folder.lock.release();
  }
}

async function runInFolder(
  input: TaskRunInput,
  folder: RunFolder,
  selection: Selection,
  generation: GenerationSettings,
): Promise<TaskRunResult> {
  const { task, settings, model } = input;
  const { selected } = selection;
  const userSignal = input.signal ?? new AbortController().signal;
  const { dir, previous } = folder;
  const env = collectEnv(model.info);
  const tally = new SampleTally(folder.records);
  const parts: RunRecordParts = {
    runId: folder.runId,
    task,
    scorer: input.scorer,
    dataset: input.dataset,
    model: model.info,
    settings,
    config: runConfig(settings, generation, folder.base, selection.subsetSize),
    env,
    identity: folder.identity,
    selected,
    records: tally.records,
    startedAt: previous?.startedAt ?? new Date().toISOString(),
    ci: input.ci,
  };
  const partial = (): RunRecord => buildRunRecord(parts, "partial", null, null);
  const latencyWanted = settings.latencySamples > 0;
  const latencyDone = latencyReusable(folder, settings, env.fingerprint);
  if (folder.pending.size === 0 && previous?.status === "complete" && (!latencyWanted || latencyDone)) {
    log.info(`${task.name}: ${dir} is already complete.`);
    return { dir, record: previous };
  }
  await writeRunRecord(dir, partial());

  const outcome =
    folder.pending.size > 0
      ? await accuracyPass(input, {
          dir,
          intactBytes: folder.intactBytes,
          pending: folder.pending,
          // With --reuse on, questions of one image run together (resumed runs too: pending only).
          order: settings.reuse ? localityOrder(selection.keyed, folder.pending) : null,
          selected,
          tally,
          generation,
          signal: userSignal,
        })
      : { scorerBug: null, tooMany: null };
  await settleAccuracy(
    outcome,
    tally,
    { task: task.name, dir, selected: selected.size },
    settings,
    userSignal,
    partial,
  );

  const { latency, notes } = await latencyPhase(input, folder, tally, generation, latencyDone, userSignal);
  if (userSignal.aborted) {
    await writeRunRecord(dir, partial());
    throw new InterruptedError(
      `Interrupted during the latency pass of ${task.name}; samples are saved in ${dir}.`,
    );
  }
  const complete = [...selected].every((id) => tally.records.has(id));
  const record = buildRunRecord(
    parts,
    complete ? "complete" : "partial",
    latency,
    new Date().toISOString(),
    notes,
  );
  await writeRunRecord(dir, record);
  return { dir, record };
}

/** The latency phase: reuse the folder's block, measure a new one, or (no pass wanted) clear old lines. */
async function latencyPhase(
  input: TaskRunInput,
  folder: RunFolder,
  tally: SampleTally,
  generation: GenerationSettings,
  latencyDone: boolean,
  signal: AbortSignal,
): Promise<{ latency: LatencyBlock | null; notes: string[] }> {
  const notes: string[] = [];
  // Lines of an earlier pass must not outlive it (gate would read them as this run's).
  const clearLines = (): Promise<void> => rm(join(folder.dir, LATENCY_FILE), { force: true });
  if (input.settings.latencySamples <= 0) {
    await clearLines();
    return { latency: null, notes };
  }
  if (latencyDone && folder.previous?.latency) return { latency: folder.previous.latency, notes };
  await clearLines();
  const okIds = [...tally.records.values()].filter((r) => r.error === null).map((r) => r.id);
  const progress = input.progress ?? silentProgress;
  const pass = await latencyPass(input, okIds, generation, signal, progress);
  if (pass === null) {
    notes.push("latency pass measured nothing (no sample succeeded)");
    return { latency: null, notes };
  }
  await writeLatencyLines(folder.dir, pass.lines);
  return { latency: pass.block, notes };
}

/**
 * After the accuracy pass: a scorer bug, Ctrl-C or an exceeded failure budget (judged once more over every
 * sample) saves a partial run.json and throws; failures within the budget are reported.
 */
async function settleAccuracy(
  outcome: AccuracyOutcome,
  tally: SampleTally,
  run: { task: string; dir: string; selected: number },
  settings: RunSettings,
  userSignal: AbortSignal,
  partial: () => RunRecord,
): Promise<void> {
  const { task, dir } = run;
  if (outcome.scorerBug !== null) {
    await writeRunRecord(dir, partial());
    throw outcome.scorerBug;
  }
  if (userSignal.aborted) {
    await writeRunRecord(dir, partial());
    throw new InterruptedError(
      `Interrupted: ${task} stopped with ${tally.attempted} of ${run.selected} samples recorded in ${dir}.`,
      "Re-run the same command to resume.",
    );
  }
  const tooMany = outcome.tooMany ?? budgetVerdict(tally, task, dir, settings.maxErrorRate, true);
  if (tooMany !== null) {
    await writeRunRecord(dir, partial());
    throw tooMany;
  }
  const common = tally.mostCommonError();
  if (tally.failed > 0 && common !== null)
    log.warn(
      `${task}: ${tally.failed} of ${tally.attempted} samples failed (within the failure budget); most common error (${common.count} of ${tally.failed}): ${common.text}`,
    );
}
