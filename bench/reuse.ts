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
 * (default 2: the decoder runs of a one-word answer — the prefill gives the word, one decode step the eos —
 * which is what GQA's and POPE's answers are).
 *
 *   node --import tsx bench/reuse.ts [--model tiny|real] [--gqa-images N] [--gqa-per-image 24]
 *     [--pope-images N] [--max-new-tokens 2] [--repeat 3|1] [--json]
 *
 * Each of `--repeat` rounds runs reuse on, reuse off and the floor in a rotated order, each from empty
 * caches; ratios are medians of the per-round ratios (tiny: 3 rounds, its passes take ~1 s and the machine's
 * jitter is that size; real dims: 1 round of several minutes).
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
  median,
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
const maxNewTokens = intFlag("max-new-tokens", 2);
const repeat = Math.max(1, intFlag("repeat", kind === "tiny" ? 3 : 1));
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
  /** Σ of the samples' own totalMs (the engine's time; at concurrency 1 the spans do not overlap). */
  modelMs: number;
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
  let modelMs = 0;
  for (const r of readSamples(result.dir).records) {
    predictions.set(r.id, r.prediction);
    modelMs += r.timing?.totalMs ?? 0;
  }
  return { wallMs, modelMs, result, predictions };
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

/** One round on one set: both modes and the floor. */
interface Round {
  on: Pass;
  off: Pass;
  floor: FloorResult;
}

/** The three contenders' orders, one per round (rotated, so none always runs first or after another). */
const ORDERS = [
  ["on", "off", "floor"],
  ["off", "floor", "on"],
  ["floor", "on", "off"],
] as const;

/** `rounds` rounds of both modes and the floor on one set, each from empty caches. */
async function measureSet(engine: FastVLMEngine, set: Shaped, out: string, first: number): Promise<Round[]> {
  log(`${step}: ${set.name}: ${set.samples.length} questions on ${set.distinctImages} images`);
  const rounds: Round[] = [];
  for (let r = 0; r < repeat; r++) {
    const got: Partial<Round> = {};
    for (const who of ORDERS[(first + r) % ORDERS.length]!) {
      clearCaches(engine);
      if (who === "floor") got.floor = await unavoidableWork(engine, set.samples, maxNewTokens);
      else got[who] = await accuracyPass(engine, set, join(out, `${who}-${r}`), who, { concurrency: 1 });
    }
    const { on, off, floor } = got as Round;
    log(
      `  ${r + 1}/${repeat}: reuse on ${(on.wallMs / 1000).toFixed(2)} s, off ${(off.wallMs / 1000).toFixed(2)} s, ` +
        `unavoidable ${(floor.ms / 1000).toFixed(2)} s (${floor.decoderRuns} decoder runs)`,
    );
    rounds.push({ on, off, floor });
  }
  return rounds;
}

/** What the floor's work would cost with no reuse at all: every question pays an image and its own part. */
function coldFloorMs(floor: FloorResult, questions: number): number {
  return (floor.perImageMs / floor.images) * questions + floor.perQuestionMs;
}

/** The per-set figures for the details block: medians of per-round ratios, every round's raw times. */
function setDetails(set: Shaped, rounds: Round[]) {
  const med = (f: (r: Round) => number) => round(median(rounds.map(f)));
  const differ = new Set<string>();
  const floorDiffer = new Set<string>();
  for (const r of rounds) {
    for (const id of differing(r.on.predictions, r.off.predictions)) differ.add(id);
    for (const id of differing(r.on.predictions, new Map<string, string | null>(r.floor.text)))
      floorDiffer.add(id);
  }
  const counts = rounds.map((r) => JSON.stringify(r.on.result.record.reuse ?? null));
  return {
    questions: set.samples.length,
    distinctImages: set.distinctImages,
    rounds: rounds.length,
    withOverWithout: med((r) => r.on.wallMs / r.off.wallMs),
    withOverUnavoidable: med((r) => r.on.wallMs / r.floor.ms),
    // Where the difference to the floor goes: the engine's own time (Σ totalMs) and the runner around it.
    engineOverUnavoidable: med((r) => r.on.modelMs / r.floor.ms),
    wallOverEngineOn: med((r) => r.on.wallMs / r.on.modelMs),
    wallMsOn: med((r) => r.on.wallMs),
    wallMsOff: med((r) => r.off.wallMs),
    engineMsOn: med((r) => r.on.modelMs),
    unavoidableMs: med((r) => r.floor.ms),
    unavoidablePerImageMs: med((r) => r.floor.perImageMs),
    unavoidablePerQuestionMs: med((r) => r.floor.perQuestionMs),
    // The floor ÷ the floor's parts with no reuse (each question paying its image), from one floor run, so
    // load drift between passes does not enter it: what with ÷ without would be if both cost the floor's parts.
    floorWithOverWithout: med((r) => r.floor.ms / coldFloorMs(r.floor, set.samples.length)),
    decoderRuns: rounds[0]!.floor.decoderRuns,
    predictionsDiffer: [...differ],
    floorPredictionsDiffer: [...floorDiffer],
    reuseCountsSameEveryRound: new Set(counts).size === 1,
    reuseOn: rounds[0]!.on.result.record.reuse ?? null,
    reuseOff: rounds[0]!.off.result.record.reuse ?? null,
    expectedReusedAtC1: set.samples.length - set.distinctImages,
    raw: rounds.map((r) => ({
      onMs: round(r.on.wallMs),
      offMs: round(r.off.wallMs),
      floorMs: round(r.floor.ms),
    })),
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
  await accuracyPass(engine, sets[0]!, join(out, "warm-off"), "off", { concurrency: 1, limit: 2 });
  await accuracyPass(engine, sets[0]!, join(out, "warm-on"), "on", { concurrency: 1, limit: 4 });
  const modelRssMB = process.memoryUsage().rss / MB;
  const perSet: Record<string, ReturnType<typeof setDetails>> = {};
  let gqaOff = new Map<string, string | null>();
  for (const [i, set] of sets.entries()) {
    const rounds = await measureSet(engine, set, join(out, set.name), i);
    perSet[set.name] = setDetails(set, rounds);
    if (set.name === "gqa") gqaOff = rounds[0]!.off.predictions;
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
      `reuse best possible with÷without (floor), GQA shape (${kind})`,
      gqa.floorWithOverWithout,
      "<=",
      0.25,
      "ratio",
      "the floor's parts with reuse ÷ the same parts with every question paying its image: the first ratio if both passes cost exactly the floor's parts",
    ),
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
