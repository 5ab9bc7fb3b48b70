/**
 * Shared pieces of the `--reuse` end-to-end tests (test/e2e/reuse*.test.ts): a fake Hub over shaped
 * datasets (shaped-datasets.ts), the `run` command line, reading run folders back, and the reuse counts a
 * run must report, derived from the dataset (distinct images vs questions) and the prompt's token ids — never
 * from the reuse code.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { type RunRecord, readRunRecord, readSamples, type SampleRecord } from "../../src/core/records.js";
import { SPECIAL_IDS } from "../../src/models/fastvlm/constants.js";
import { loadPromptTokenizer } from "../../src/models/fastvlm/prompt.js";
import { cliEnv, runCli, runDirs, workDir } from "../e2e/run-helpers.js";
import { type FakeHub, startFakeHub } from "./fake-hub.js";
import {
  census,
  type DatasetCensus,
  type ShapedTask,
  type Shapes,
  shapedFixtureRoot,
} from "./shaped-datasets.js";

/** A test file's fake Hub over shaped datasets, its work folder, CLI environment and each dataset's census. */
export interface ShapedHub {
  /** The fake Hub. */
  hub: FakeHub;
  /** cwd of CLI runs (private HF_HOME). */
  work: string;
  /** CLI environment pointing at `hub` and `work`. */
  env: NodeJS.ProcessEnv;
  /** What each served dataset holds. */
  census: Partial<Record<ShapedTask, DatasetCensus>>;
  /** Closes the Hub and removes the work folder. */
  close(): Promise<void>;
}

/** Serves the shaped datasets from a fake Hub and reads each one back. */
export async function startShapedHub(shapes: Shapes, prefix: string): Promise<ShapedHub> {
  const root = await shapedFixtureRoot(shapes);
  const hub = await startFakeHub({ root });
  const work = workDir(prefix);
  const counted: Partial<Record<ShapedTask, DatasetCensus>> = {};
  for (const task of Object.keys(shapes) as ShapedTask[]) counted[task] = await census(root, task);
  return {
    hub,
    work,
    env: cliEnv(hub.url, work),
    census: counted,
    close: async () => {
      await hub.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Answer length of every reuse run: long enough for differences to show, short enough to stay quick. */
export const MAX_NEW = 6;

/** `run <task> --model <model> --out <out> --reuse <mode> …` with no latency pass unless `extra` asks. */
export function reuseArgs(
  task: ShapedTask,
  model: string,
  out: string,
  mode: "on" | "off",
  extra: string[] = [],
): string[] {
  return [
    "run",
    task,
    "--model",
    model,
    "--out",
    out,
    "--reuse",
    mode,
    "--max-new-tokens",
    String(MAX_NEW),
    "--latency-samples",
    "0",
    "--lock",
    "lock.json",
    "--json",
    ...extra,
  ];
}

/** A run folder read back: run.json, the sample records in file order, and the raw line count. */
export interface RunRead {
  /** The folder. */
  dir: string;
  /** run.json. */
  record: RunRecord;
  /** samples.jsonl records, in file order. */
  samples: SampleRecord[];
}

/** Reads a run folder; fails the test when a line is torn or an id is recorded twice. */
export function readRun(dir: string): RunRead {
  const raw = readFileSync(join(dir, "samples.jsonl"), "utf8");
  const samples = readSamples(dir).records;
  expect(raw.endsWith("\n")).toBe(true);
  expect(raw.split("\n").filter((l) => l.trim() !== "").length).toBe(samples.length);
  expect(new Set(samples.map((s) => s.id)).size).toBe(samples.length);
  return { dir, record: readRunRecord(dir), samples };
}

/** What must not change with reuse: the answer and its token counts, and whether the sample failed. */
export function outputs(run: RunRead): Map<string, unknown> {
  return new Map(
    run.samples.map((s) => [
      s.id,
      { prediction: s.prediction, tokens: s.tokens, error: s.error, score: s.score },
    ]),
  );
}

/** Ids in a stable order with each one's output, for a readable toEqual diff. */
export function sortedOutputs(run: RunRead): [string, unknown][] {
  return [...outputs(run)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Prompt positions up to and including the last image row: text ids before the image + the image's rows. */
export function prefixPositions(modelDir: string): (prompt: string, visualRows: number) => number {
  const tokenizer = loadPromptTokenizer(modelDir, SPECIAL_IDS.image);
  return (prompt, visualRows) => {
    const ids = tokenizer.encodePrompt(prompt, 1).ids;
    const at = ids.lastIndexOf(SPECIAL_IDS.image);
    expect(at).toBeGreaterThanOrEqual(0);
    // The image id itself becomes the rows: `at` text ids before it, then `visualRows` rows.
    return at + visualRows;
  };
}

/** The reuse counts a run over a census must report. */
export interface ExpectedReuse {
  /** Images computed. */
  visionComputed: number;
  /** Images taken from the cache. */
  visionReused: number;
  /** Samples whose prefix came from the cache. */
  prefixReused: number;
  /** Their prefix positions. */
  prefixTokensReused: number;
}

/**
 * A serial (concurrency 1) reuse-on run with a cache that holds everything, in the order the lines were
 * written: the first question of each image computes it, every later one reuses the image and its prefix.
 */
export function expectedSerialReuse(
  run: RunRead,
  data: DatasetCensus,
  prefix: (prompt: string, visualRows: number) => number,
): {
  total: ExpectedReuse;
  perLine: { visionComputed: number; visionReused: number; prefixTokens: number }[];
} {
  const prompts = new Map(data.samples.map((s) => [s.id, s.prompt]));
  const seen = new Set<string>();
  const total: ExpectedReuse = { visionComputed: 0, visionReused: 0, prefixReused: 0, prefixTokensReused: 0 };
  const perLine = run.samples.map((s) => {
    const image = data.imageOf.get(s.id)!;
    const first = !seen.has(image);
    seen.add(image);
    const tokens = first ? 0 : prefix(prompts.get(s.id)!, s.tokens!.visual);
    total.visionComputed += first ? 1 : 0;
    total.visionReused += first ? 0 : 1;
    total.prefixReused += first ? 0 : 1;
    total.prefixTokensReused += tokens;
    return { visionComputed: first ? 1 : 0, visionReused: first ? 0 : 1, prefixTokens: tokens };
  });
  return { total, perLine };
}

/** True when every image's lines are contiguous in the file (questions of one image ran together). */
export function imagesContiguous(run: RunRead, data: DatasetCensus): boolean {
  const done = new Set<string>();
  let current: string | null = null;
  for (const s of run.samples) {
    const image = data.imageOf.get(s.id)!;
    if (image === current) continue;
    if (done.has(image)) return false;
    if (current !== null) done.add(current);
    current = image;
  }
  return true;
}

/**
 * `run <task> --reuse <mode>` on the shaped Hub into `<work>/<out>`: exits 0 and makes one run folder, which is
 * returned read back (its status is the caller's to check: a resumed run may be asked for more).
 */
export async function runShaped(
  fx: ShapedHub,
  task: ShapedTask,
  model: string,
  mode: "on" | "off",
  out: string,
  extra: string[] = [],
): Promise<RunRead> {
  const r = await runCli(reuseArgs(task, model, join(fx.work, out), mode, extra), fx.env, fx.work);
  expect({ task, mode, code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
  const dirs = runDirs(join(fx.work, out), task);
  expect(dirs.length).toBe(1);
  return readRun(dirs[0]!);
}
