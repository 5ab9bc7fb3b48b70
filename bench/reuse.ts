/**
 * Reuse of vision and prefix work across the questions of one image (issue 14), side by side in one process
 * with the model loaded once: the runner's accuracy pass (runTask, no latency pass) over a GQA-shaped set
 * (≥ 20 short-answer questions per image) and a POPE-shaped one (18 per image over three categories, the
 * bytes inline), with `--reuse on` and `--reuse off`, against the unavoidable work measured in the same run
 * (bench/reuse-floor.ts: one vision pass and one prefix prefill per distinct image, each question's suffix
 * prefill and decode steps). Targets: with ÷ without ≤ 0.25 on the GQA shape, with ÷ unavoidable ≤ 1.10,
 * predictions identical in both modes, and the run's peak RSS − model RSS ≤ 600 MB (the data step's bound,
 * here including a reuse-on pass at concurrency 2 and the caches).
 *
 * The random-weight models never emit eos on their own, so answers are capped at `--max-new-tokens`
 * (default 3: a short answer, as GQA's and POPE's are).
 *
 *   node --import tsx bench/reuse.ts [--model tiny|real] [--gqa-images N] [--gqa-per-image 24]
 *     [--pope-images N] [--max-new-tokens 3] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSamples } from "../src/core/records.js";
import type { TaskSample } from "../src/core/types.js";
import { openSampleSource } from "../src/data/sample-source.js";
import type { DatasetFiles } from "../src/data/samples.js";
import { type FastVLMEngine, loadFastVLM } from "../src/models/fastvlm/engine.js";
import { silentProgress } from "../src/runner/progress.js";
import { type RunSettings, runTask, type TaskRunResult } from "../src/runner/task-run.js";
import { type AnyTask, TASKS } from "../tasks/index.js";
import { fixtureDatasetFiles } from "../test/helpers/fixtures.js";
import { census, type ShapedTask, shapedFixtureRoot } from "../test/helpers/shaped-datasets.js";
import {
  emit,
  ensureModel,
  finding,
  intFlag,
  log,
  machine,
  modelFlag,
  round,
  skipIfNoRealModel,
  type Target,
  target,
} from "./common.js";
import { type FloorResult, unavoidableWork } from "./reuse-floor.js";

const kind = modelFlag("tiny");
const gqaImages = intFlag("gqa-images", kind === "tiny" ? 4 : 3);
const gqaPerImage = intFlag("gqa-per-image", 24);
const popeImages = intFlag("pope-images", kind === "tiny" ? 4 : 2);
const maxNewTokens = intFlag("max-new-tokens", 3);
const MB = 2 ** 20;
const startMachine = machine();
const step = `reuse-${kind}`;

skipIfNoRealModel(kind, step, startMachine, (note) => [
  target(`reuse with÷without, GQA shape (${kind})`, null, "<=", 0.25, "ratio", note),
  target(`reuse with÷unavoidable, GQA shape (${kind})`, null, "<=", 1.1, "ratio", note),
]);

/** One accuracy pass: wall time, run folder, predictions by id. */
interface Pass {
  wallMs: number;
  result: TaskRunResult;
  predictions: Map<string, string | null>;
}

/** One shaped set: the task, its files, its samples and distinct images. */
interface Shaped {
  name: ShapedTask;
  task: AnyTask;
  dataset: DatasetFiles;
  samples: TaskSample[];
  distinctImages: number;
}

async function shapedSets(): Promise<Shaped[]> {
  const root = await shapedFixtureRoot({
    gqa: { images: gqaImages, perImage: gqaPerImage },
    pope: { images: popeImages, perImage: 18 },
  });
  const out: Shaped[] = [];
  for (const name of ["gqa", "pope"] as const) {
    const task = TASKS[name]!;
    const c = await census(root, name);
    const dataset = fixtureDatasetFiles(root, name, task.dataset);
    out.push({ name, task, dataset, samples: c.samples, distinctImages: c.distinctImages });
  }
  return out;
}

/** The runner's accuracy pass over a shaped set, fresh, in `out`. */
async function accuracyPass(
  engine: FastVLMEngine,
  set: Shaped,
  out: string,
  reuse: "on" | "off",
  opts: { concurrency: number; limit?: number },
): Promise<Pass> {
  const { task, dataset } = set;
  const settings = {
    out,
    limit: opts.limit ?? null,
    subsetSeed: 0,
    shard: null,
    concurrency: opts.concurrency,
    latencySamples: 0,
    warmup: 0,
    maxNewTokens,
    fresh: true,
    maxErrorRate: 0,
    promptSettings: { imageMode: "pad" },
    reuse: reuse === "on",
  } satisfies RunSettings;
  const t0 = performance.now();
  // As `run` reads data: one source per pass, rows read in the planned order.
  const source = openSampleSource(task, dataset);
  const result = await runTask({
    task,
    scorer: task.scorer,
    dataset: { repo: dataset.repo, config: task.dataset.config, split: task.dataset.split, sha: dataset.sha },
    samples: () => source.samples(),
    samplesInOrder: (ids) => source.samplesInOrder(ids),
    model: engine,
    settings,
    progress: silentProgress,
  });
  const wallMs = performance.now() - t0;
  const predictions = new Map<string, string | null>();
  for (const r of readSamples(result.dir).records) predictions.set(r.id, r.prediction);
  return { wallMs, result, predictions };
}

/** Ids whose predictions differ between two maps (or are missing from either). */
function differing(a: Map<string, string | null>, b: Map<string, string | null>): string[] {
  const ids = new Set([...a.keys(), ...b.keys()]);
  return [...ids].filter((id) => !a.has(id) || !b.has(id) || a.get(id) !== b.get(id));
}

/** Drops what the engine's reuse caches hold, so each reuse-on pass starts cold. */
function clearCaches(engine: FastVLMEngine): void {
  engine.model.reuse?.clear();
}

/** Both modes and the floor on one set; `onFirst` alternates which mode runs first across sets. */
async function measureSet(engine: FastVLMEngine, set: Shaped, out: string, onFirst: boolean) {
  log(`${step}: ${set.name}: ${set.samples.length} questions on ${set.distinctImages} images`);
  const runs: Partial<Record<"on" | "off", Pass>> = {};
  for (const mode of onFirst ? (["on", "off"] as const) : (["off", "on"] as const)) {
    clearCaches(engine);
    runs[mode] = await accuracyPass(engine, set, join(out, mode), mode, { concurrency: 1 });
    log(`  reuse ${mode}: ${(runs[mode].wallMs / 1000).toFixed(1)} s`);
  }
  clearCaches(engine);
  const floor = await unavoidableWork(engine, set.samples, maxNewTokens);
  log(`  unavoidable: ${(floor.ms / 1000).toFixed(1)} s (${floor.decoderRuns} decoder runs)`);
  return { on: runs.on!, off: runs.off!, floor };
}

/** The per-set figures for the details block. */
function setDetails(set: Shaped, m: { on: Pass; off: Pass; floor: FloorResult }) {
  const floorMismatch = differing(
    m.on.predictions,
    new Map([...m.floor.text].map(([id, t]) => [id, t] as [string, string | null])),
  );
  return {
    questions: set.samples.length,
    distinctImages: set.distinctImages,
    wallMsOn: round(m.on.wallMs),
    wallMsOff: round(m.off.wallMs),
    unavoidableMs: round(m.floor.ms),
    unavoidablePerImageMs: round(m.floor.perImageMs),
    unavoidablePerQuestionMs: round(m.floor.perQuestionMs),
    decoderRuns: m.floor.decoderRuns,
    withOverWithout: round(m.on.wallMs / m.off.wallMs),
    withOverUnavoidable: round(m.on.wallMs / m.floor.ms),
    predictionsDiffer: differing(m.on.predictions, m.off.predictions),
    floorPredictionsDiffer: floorMismatch,
    reuseOn: m.on.result.record.reuse ?? null,
    reuseOff: m.off.result.record.reuse ?? null,
    expectedReusedAtC1: set.samples.length - set.distinctImages,
  };
}

const dir = await ensureModel(kind);
const sets = await shapedSets();
log(`${step}: loading the model (${dir})…`);
const engine = (await loadFastVLM(dir)) as FastVLMEngine;
const out = mkdtempSync(join(tmpdir(), "bench-reuse-"));
const targets: Target[] = [];
const details: Record<string, unknown> = { model: kind, dir, maxNewTokens };
try {
  // Untimed: warms the sessions and loads the runner's, scorers' and data layer's modules (one-offs).
  await accuracyPass(engine, sets[0]!, join(out, "warm"), "off", { concurrency: 1, limit: 2 });
  const modelRssMB = process.memoryUsage().rss / MB;
  const perSet: Record<string, ReturnType<typeof setDetails>> = {};
  let gqaOff = new Map<string, string | null>();
  for (const [i, set] of sets.entries()) {
    const m = await measureSet(engine, set, join(out, set.name), i % 2 === 1);
    perSet[set.name] = setDetails(set, m);
    if (set.name === "gqa") gqaOff = m.off.predictions;
  }
  // Reuse on at concurrency 2 (the memory target's setting): peak RSS with the caches filled.
  clearCaches(engine);
  const c2 = await accuracyPass(engine, sets[0]!, join(out, "c2"), "on", { concurrency: 2 });
  const c2Differ = differing(c2.predictions, gqaOff);
  const peakRssMB = (process.resourceUsage().maxRSS * 1024) / MB;
  const gqa = perSet.gqa!;
  const pope = perSet.pope!;
  const identical =
    gqa.predictionsDiffer.length === 0 && pope.predictionsDiffer.length === 0 && c2Differ.length === 0;
  targets.push(
    target(
      `reuse with÷without, GQA shape (${kind})`,
      gqa.withOverWithout,
      "<=",
      0.25,
      "ratio",
      `${gqa.questions} questions on ${gqa.distinctImages} images, concurrency 1, ${maxNewTokens} new tokens`,
    ),
    target(`reuse with÷unavoidable, GQA shape (${kind})`, gqa.withOverUnavoidable, "<=", 1.1, "ratio"),
    finding(
      `reuse with÷without, POPE shape (${kind})`,
      pope.withOverWithout,
      "<=",
      0.25,
      "ratio",
      `${pope.questions} questions on ${pope.distinctImages} images`,
    ),
    target(`reuse with÷unavoidable, POPE shape (${kind})`, pope.withOverUnavoidable, "<=", 1.1, "ratio"),
    target(
      `reuse predictions identical on/off (${kind})`,
      identical ? 1 : 0,
      "==",
      1,
      "bool",
      "GQA and POPE at concurrency 1, GQA reuse on at concurrency 2",
    ),
    target(
      `reuse run peak RSS − model RSS (${kind})`,
      peakRssMB - modelRssMB,
      "<=",
      600,
      "MB",
      "process peak over every pass (incl. reuse on at concurrency 2) minus RSS after load and warm-up",
    ),
  );
  Object.assign(details, {
    perSet,
    c2: { wallMs: round(c2.wallMs), predictionsDiffer: c2Differ, reuse: c2.result.record.reuse ?? null },
    modelRssMB: round(modelRssMB),
    peakRssMB: round(peakRssMB),
    loadavgEnd: machine().loadavg1,
  });
} finally {
  await engine.dispose();
  rmSync(out, { recursive: true, force: true });
}
emit({ step, machine: startMachine, targets, details });
