/**
 * A model whose first greedy token is `<|im_end|>` for some prompts (the tiny model's `stop-sometimes`
 * misbehaviour: empty answers mixed with text): `--shard 0/3..2/3` + `merge`, and kill -9 + resume, both
 * end with 0 failed samples and the same prediction for every sample as one uninterrupted, unsharded run.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunRecord, readSamples } from "../../src/core/records.js";
import { seededMisbehaver } from "../helpers/tiny-model.js";
import { waitUntil } from "../helpers/wait.js";
import { type FixtureHub, runCli, runDirs, spawnCli, startFixtureHub } from "./run-helpers.js";

const TASKS = ["docvqa"];
const LIMIT = 12;
const TOTAL = LIMIT * TASKS.length;

let fx: FixtureHub;
let model: string;
beforeAll(async () => {
  fx = await startFixtureHub({ rowsPerTask: 16 }, "e2e-misbehave-shard-");
  // The same folder as the seed-2 misbehaving-run test: generated once, reused.
  model = await seededMisbehaver("stop-sometimes", 2);
});
afterAll(async () => {
  await fx?.close();
});

function runArgs(out: string, extra: string[] = []): string[] {
  return [
    "run",
    ...TASKS,
    "--model",
    model,
    "--out",
    out,
    "--limit",
    String(LIMIT),
    "--max-new-tokens",
    "4",
    "--latency-samples",
    "0",
    "--concurrency",
    "2",
    "--lock",
    "lock.json",
    "--json",
    ...extra,
  ];
}

/** id -> prediction of a run folder; throws on a failed sample or an id recorded twice. */
function predictions(dir: string): Map<string, string | null> {
  const lines = readFileSync(join(dir, "samples.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  const byId = new Map<string, string | null>();
  for (const s of readSamples(dir).records) {
    expect({ id: s.id, error: s.error }).toEqual({ id: s.id, error: null });
    byId.set(s.id, s.prediction);
  }
  expect(byId.size).toBe(lines.length);
  return byId;
}

/** Complete sample lines on disk over both tasks (a torn tail does not count). */
function linesOnDisk(out: string): number {
  let n = 0;
  for (const task of TASKS) {
    const dir = runDirs(out, task)[0];
    if (dir === undefined || !existsSync(join(dir, "samples.jsonl"))) continue;
    for (const ch of readFileSync(join(dir, "samples.jsonl"), "utf8")) if (ch === "\n") n += 1;
  }
  return n;
}

it("stop-sometimes model: shards + merge and kill -9 + resume equal the plain run, 0 failed", async () => {
  const refOut = join(fx.work, "reference");
  const ref = await runCli(runArgs(refOut), fx.env, fx.work);
  expect({ code: ref.code, stderr: ref.stderr }).toMatchObject({ code: 0 });
  const refRecords = JSON.parse(ref.stdout) as RunRecord[];
  const refPreds = new Map<string, Map<string, string | null>>();
  for (const task of TASKS) refPreds.set(task, predictions(runDirs(refOut, task)[0]!));
  // The model misbehaves on this data: some answers are empty, some are not.
  const all = [...refPreds.values()].flatMap((m) => [...m.values()]);
  expect(all.length).toBe(TOTAL);
  expect(all.filter((p) => p === "").length).toBeGreaterThan(0);
  expect(all.filter((p) => p !== "").length).toBeGreaterThan(0);

  // Three shards, then merge per task.
  const shardOut = join(fx.work, "shards");
  for (let i = 0; i < 3; i++) {
    const r = await runCli(runArgs(shardOut, ["--shard", `${i}/3`]), fx.env, fx.work);
    expect({ shard: i, code: r.code, stderr: r.stderr }).toMatchObject({ shard: i, code: 0 });
  }
  for (const [i, task] of TASKS.entries()) {
    const parts = runDirs(shardOut, task);
    expect(parts.length).toBe(3);
    const merged = await runCli(["merge", ...parts, "--json"], fx.env, fx.work);
    expect({ code: merged.code, stderr: merged.stderr }).toMatchObject({ code: 0 });
    const m = JSON.parse(merged.stdout) as RunRecord;
    expect(m.runId).toBe(refRecords[i]!.runId);
    expect(m.nSamples).toEqual(refRecords[i]!.nSamples);
    expect(m.metrics).toEqual(refRecords[i]!.metrics);
    const mergedDir = runDirs(shardOut, task).find((d) => d.endsWith(m.runId))!;
    expect(predictions(mergedDir)).toEqual(refPreds.get(task));
  }

  // kill -9 twice, at events of the run itself: at start-up (its first output on stderr), then right
  // after the first flush of sample lines reaches disk (samples in flight, more queued); then resume.
  const out = join(fx.work, "killed");
  for (const at of ["start-up", "first flush"]) {
    const { child, done } = spawnCli(runArgs(out), fx.env, fx.work);
    let spoke = false;
    child.stderr?.once("data", () => {
      spoke = true;
    });
    const ready = (): boolean => (at === "start-up" ? spoke : linesOnDisk(out) > 0);
    expect(await waitUntil(ready, { until: done, deadlineMs: 60_000, what: `the kill at ${at}` })).toBe(true);
    child.kill("SIGKILL");
    expect((await done).signal).toBe("SIGKILL");
  }
  const left = linesOnDisk(out);
  expect(left).toBeGreaterThan(0);
  expect(left).toBeLessThan(TOTAL);
  const final = await runCli(runArgs(out), fx.env, fx.work);
  expect({ code: final.code, stderr: final.stderr }).toMatchObject({ code: 0 });
  const records = JSON.parse(final.stdout) as RunRecord[];
  for (const [i, task] of TASKS.entries()) {
    expect(records[i]!.status).toBe("complete");
    expect(records[i]!.runId).toBe(refRecords[i]!.runId);
    expect(records[i]!.metrics).toEqual(refRecords[i]!.metrics);
    const dirs = runDirs(out, task);
    expect(dirs.length).toBe(1);
    expect(predictions(dirs[0]!)).toEqual(refPreds.get(task));
  }
}, 120_000);
