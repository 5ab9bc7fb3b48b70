/**
 * `--reuse on` survives what runs go through: kill -9 in the middle of an image's questions and resume
 * (complete, nothing lost or recorded twice, predictions identical to a `--reuse off` run), and
 * `--shard 0/2` + `--shard 1/2` + `merge` (disjoint, complete, each image's questions in one shard,
 * predictions identical to the unsharded `--reuse off` run). Kills land on events of the run itself (sample
 * lines on disk), never on a clock.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/core/records.js";
import {
  type RunRead,
  readRun,
  reuseArgs,
  runShaped,
  type ShapedHub,
  sortedOutputs,
  startShapedHub,
} from "../helpers/reuse-runs.js";
import type { ShapedTask } from "../helpers/shaped-datasets.js";
import { quickModelDir } from "../helpers/tiny-model.js";
import { waitUntil } from "../helpers/wait.js";
import { runCli, runDirs, spawnCli } from "./run-helpers.js";

// 6 questions per image: the writer's first flush (8 lines) lands two questions into the second image.
const SHAPES = { gqa: { images: 4, perImage: 6 }, pope: { images: 4, perImage: 6 } } as const;

let fx: ShapedHub;
let model: string;
beforeAll(async () => {
  fx = await startShapedHub({ ...SHAPES }, "e2e-reuse-resume-");
  model = await quickModelDir();
});
afterAll(async () => {
  await fx?.close();
});

async function run(
  task: ShapedTask,
  mode: "on" | "off",
  out: string,
  extra: string[] = [],
): Promise<RunRead> {
  return runShaped(fx, task, model, mode, out, extra);
}

/** `--shard i/2` of pope with reuse on, into the shared `pope-shards` folder. */
async function runShard(i: number): Promise<void> {
  const out = join(fx.work, "pope-shards");
  const r = await runCli(reuseArgs("pope", model, out, "on", ["--shard", `${i}/2`]), fx.env, fx.work);
  expect({ shard: i, code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
}

/** Complete sample lines on disk (a torn tail does not count). */
function linesOnDisk(out: string, task: string): number {
  const dir = runDirs(out, task)[0];
  if (dir === undefined || !existsSync(join(dir, "samples.jsonl"))) return 0;
  let n = 0;
  for (const ch of readFileSync(join(dir, "samples.jsonl"), "utf8")) if (ch === "\n") n += 1;
  return n;
}

describe("reuse on, interrupted and split", () => {
  it("gqa: kill -9 twice mid-run, resume: complete, no sample lost or doubled, answers equal reuse off", async () => {
    const data = fx.census.gqa!;
    const total = data.samples.length;
    const off = await run("gqa", "off", "gqa-off");
    const out = join(fx.work, "gqa-killed");
    const args = reuseArgs("gqa", model, out, "on");
    let restarts = 0;
    // Each attempt is killed right after more sample lines reach disk than before it started.
    for (let attempt = 0; attempt < 2; attempt++) {
      const before = linesOnDisk(out, "gqa");
      const { child, done } = spawnCli(args, fx.env, fx.work);
      const more = (): boolean => linesOnDisk(out, "gqa") > before;
      const hit = await waitUntil(more, {
        until: done,
        deadlineMs: 120_000,
        what: `lines of attempt ${attempt}`,
      });
      expect(hit).toBe(true);
      child.kill("SIGKILL");
      expect((await done).signal).toBe("SIGKILL");
      restarts += 1;
    }
    const left = linesOnDisk(out, "gqa");
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(total);

    const final = await run("gqa", "on", "gqa-killed");
    expect(final.record.status).toBe("complete");
    expect(final.samples.length).toBe(total);
    expect(final.samples.every((s) => s.error === null)).toBe(true);
    expect(sortedOutputs(final)).toEqual(sortedOutputs(off));
    expect(final.record.runId).toBe(off.record.runId);
    // Each process computes each image it meets once; a kill can split one image's questions over two.
    const r = final.record.reuse!;
    expect(r.mode).toBe("on");
    expect(r.visionComputed + r.visionReused).toBe(total);
    expect(r.visionComputed).toBeGreaterThanOrEqual(data.distinctImages);
    expect(r.visionComputed).toBeLessThanOrEqual(data.distinctImages + restarts);
  });

  it("pope: --shard 0/2 and 1/2 with reuse on, merged: disjoint, by image, equal to the unsharded reuse-off run", async () => {
    const data = fx.census.pope!;
    const off = await run("pope", "off", "pope-off");
    for (let i = 0; i < 2; i++) await runShard(i);
    const dirs = runDirs(join(fx.work, "pope-shards"), "pope");
    expect(dirs.length).toBe(2);
    const parts = dirs.map((d) => readRun(d));
    for (const p of parts) {
      expect(p.record.status).toBe("complete");
      expect(p.record.config.shardBy).toBe("image");
      // Both shards got work, so "one shard per image" below says something.
      expect(p.samples.length).toBeGreaterThan(0);
    }
    const ids = parts.flatMap((p) => p.samples.map((s) => s.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(data.samples.map((s) => s.id).sort());
    const imagesOf = (p: RunRead) => new Set(p.samples.map((s) => data.imageOf.get(s.id)!));
    const [a, b] = parts.map(imagesOf) as [Set<string>, Set<string>];
    expect([...a].filter((im) => b.has(im))).toEqual([]);
    // Each shard computed each of its images once (serial, everything fits the cache).
    for (const [k, p] of parts.entries()) {
      const own = [a, b][k]!.size;
      expect(p.record.reuse).toMatchObject({ visionComputed: own, visionReused: p.samples.length - own });
    }

    const merged = await runCli(["merge", ...dirs, "--json"], fx.env, fx.work);
    expect({ code: merged.code, stderr: merged.stderr }).toMatchObject({ code: 0 });
    const m = JSON.parse(merged.stdout) as RunRecord;
    expect(m.status).toBe("complete");
    expect(m.runId).toBe(off.record.runId);
    expect(m.metrics).toEqual(off.record.metrics);
    const mergedDir = runDirs(join(fx.work, "pope-shards"), "pope").find((d) => d.endsWith(m.runId))!;
    const mergedRun = readRun(mergedDir);
    expect(sortedOutputs(mergedRun)).toEqual(sortedOutputs(off));
    expect(m.reuse).toMatchObject({
      mode: "on",
      visionComputed: data.distinctImages,
      visionReused: data.samples.length - data.distinctImages,
    });
  });
});
