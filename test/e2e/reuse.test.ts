/**
 * `run --reuse on` against `--reuse off` through the built CLI, on datasets in the real benchmarks' shape
 * (several questions per image: GQA with its joined images config and questions out of image order, POPE
 * with each image inline in three categories, DocVQA with pages inline): every sample's prediction, token
 * counts and score are identical; run.json's reuse counts are what the dataset implies (computed from its
 * distinct images and questions); questions of one image run together; `--concurrency 2` answers the same;
 * the latency pass after a reuse-on accuracy pass still measures (cold) generations.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LatencyLine } from "../../src/core/records.js";
import {
  expectedSerialReuse,
  imagesContiguous,
  prefixPositions,
  type RunRead,
  readRun,
  runShaped,
  type ShapedHub,
  sortedOutputs,
  startShapedHub,
} from "../helpers/reuse-runs.js";
import type { ShapedTask } from "../helpers/shaped-datasets.js";
import { quickModelDir } from "../helpers/tiny-model.js";
import { runDirs } from "./run-helpers.js";

const SHAPES = {
  gqa: { images: 3, perImage: 8 },
  pope: { images: 3, perImage: 6 },
  docvqa: { images: 4, perImage: 4 },
} as const;
const LATENCY = 3;

let fx: ShapedHub;
let model: string;
let prefix: (prompt: string, visualRows: number) => number;
beforeAll(async () => {
  fx = await startShapedHub({ ...SHAPES }, "e2e-reuse-");
  model = await quickModelDir();
  prefix = prefixPositions(model);
});
afterAll(async () => {
  await fx?.close();
});

/** Runs one task in one mode into its own folder; returns the folder read back. */
async function run(
  task: ShapedTask,
  mode: "on" | "off",
  out: string,
  extra: string[] = [],
): Promise<RunRead> {
  const read = await runShaped(fx, task, model, mode, out, extra);
  expect(read.record.status).toBe("complete");
  return read;
}

describe("--reuse on answers exactly what --reuse off answers, and counts what it saved", () => {
  for (const task of ["gqa", "pope", "docvqa"] as const) {
    it(`${task}: ${SHAPES[task].images} images, ~${SHAPES[task].perImage} questions each`, async () => {
      const data = fx.census[task]!;
      // The generated dataset really has the shape: fewer images than questions.
      expect(data.distinctImages).toBe(SHAPES[task].images);
      expect(data.samples.length).toBeGreaterThan(data.distinctImages);
      // gqa also runs the latency pass after a reuse-on accuracy pass.
      const latency = task === "gqa" ? ["--latency-samples", String(LATENCY), "--warmup", "1"] : [];
      const on = await run(task, "on", `${task}-on`, latency);
      const off = await run(task, "off", `${task}-off`);

      expect(on.samples.map((s) => s.id).sort()).toEqual(data.samples.map((s) => s.id).sort());
      expect(on.samples.every((s) => s.error === null)).toBe(true);
      expect(sortedOutputs(on)).toEqual(sortedOutputs(off));
      expect(on.record.metrics).toEqual(off.record.metrics);
      // --reuse is not part of the identity: the same run, computed two ways.
      expect(on.record.runId).toBe(off.record.runId);

      // Serial, with a cache that holds every image: the first question of an image computes it, the rest reuse.
      const questions = data.samples.length;
      const want = expectedSerialReuse(on, data, prefix);
      expect(want.total.visionComputed).toBe(data.distinctImages);
      expect(want.total.visionReused).toBe(questions - data.distinctImages);
      expect(on.record.reuse).toEqual({ mode: "on", ...want.total });
      expect(on.samples.map((s) => s.reuse)).toEqual(want.perLine);
      expect(imagesContiguous(on, data)).toBe(true);

      expect(off.record.reuse).toEqual({
        mode: "off",
        visionComputed: questions,
        visionReused: 0,
        prefixReused: 0,
        prefixTokensReused: 0,
      });
      for (const s of off.samples)
        expect(s.reuse).toEqual({ visionComputed: 1, visionReused: 0, prefixTokens: 0 });

      if (task === "gqa") expectLatencyPass(on);
    });
  }

  it("pope at --concurrency 2: the same answers; every question computes or reuses its one image", async () => {
    const data = fx.census.pope!;
    const c2 = await run("pope", "on", "pope-on-c2", ["--concurrency", "2"]);
    const off = readRun(runDirs(join(fx.work, "pope-off"), "pope")[0]!);
    expect(sortedOutputs(c2)).toEqual(sortedOutputs(off));
    const r = c2.record.reuse!;
    expect(r.mode).toBe("on");
    expect(r.visionComputed + r.visionReused).toBe(data.samples.length);
    expect(r.visionComputed).toBeGreaterThanOrEqual(data.distinctImages);
    expect(r.visionReused).toBeGreaterThan(0);
    expect(c2.samples.some((s) => s.concurrency === 2)).toBe(true);
  });
});

/**
 * The latency pass's evidence: it ran (n lines with every stage timed), over samples whose prompts carry an
 * image, and its generations are not in run.json's reuse counts (those equal the accuracy pass's alone, as
 * checked by the caller), and every line says what it reused: nothing (each image encoded, no prefix KV taken
 * from the cache), although the accuracy pass before it filled the cache with these very images.
 */
function expectLatencyPass(on: RunRead): void {
  expect(on.record.latency?.ttftMs.n).toBe(LATENCY);
  const file = join(on.dir, "latency.jsonl");
  expect(existsSync(file)).toBe(true);
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as LatencyLine);
  expect(lines.length).toBe(LATENCY);
  for (const l of lines) {
    for (const stage of ["preprocessMs", "visionMs", "prefillMs", "ttftMs", "decodeMs", "totalMs"] as const)
      expect(typeof l.timing[stage]).toBe("number");
    expect(l.tokens.visual).toBeGreaterThan(0);
    expect(l.reuse).toEqual({ visionComputed: 1, visionReused: 0, prefixTokens: 0 });
  }
}
