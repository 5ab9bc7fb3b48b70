/**
 * kill -9 at seeded moments of the run's own progress (start-up, or right after the k-th new sample line
 * reaches disk), then resume: the run ends with exactly the samples and metrics of an uninterrupted
 * run, no id recorded twice, and run.json readable after every kill.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunRecord, readRunRecord, readSamples } from "../../src/core/records.js";
import { rngFromSeed } from "../../src/stats/rng.js";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";
import { fixtureRoot } from "../helpers/fixtures.js";
import { waitUntil } from "../helpers/wait.js";
import { cliEnv, runCli, runDirs, spawnCli, workDir } from "./run-helpers.js";

let hub: FakeHub;
let work: string;
beforeAll(async () => {
  hub = await startFakeHub({ root: await fixtureRoot({ rowsPerTask: 16 }) });
  work = workDir("e2e-kill-");
});
afterAll(async () => {
  await hub?.close();
  rmSync(work, { recursive: true, force: true });
});

const TASKS = ["pope", "textvqa", "docvqa"];

function runArgs(out: string): string[] {
  return [
    "run",
    ...TASKS,
    "--model",
    "baseline:random",
    "--out",
    out,
    "--concurrency",
    "2",
    "--latency-samples",
    "3",
    "--warmup",
    "1",
    "--lock",
    "lock.json",
    "--json",
  ];
}

/** The task's run folder under `out`, or null before the run made one. */
function taskDir(out: string, task: string): string | null {
  return runDirs(out, task)[0] ?? null;
}

/** Sample lines on disk over all tasks (complete lines only; a torn tail does not count). */
function linesOnDisk(out: string): number {
  let n = 0;
  for (const task of TASKS) {
    const dir = taskDir(out, task);
    if (dir === null || !existsSync(join(dir, "samples.jsonl"))) continue;
    for (const ch of readFileSync(join(dir, "samples.jsonl"), "utf8")) if (ch === "\n") n += 1;
  }
  return n;
}

it("survives at least 10 kill -9s at seeded moments and resumes to the uninterrupted result", async () => {
  // A simulated 200 ms per generation keeps samples in flight whenever a kill lands. The runs nobody kills
  // (the reference, its rerun, the last resume) go at full speed: the delay changes no answer.
  const env = cliEnv(hub.url, work, { FASTVLM_EVAL_BASELINE_DELAY_MS: "200" });
  const fast = cliEnv(hub.url, work);
  const reference = await runCli(runArgs(join(work, "reference")), fast, work);
  expect({ code: reference.code, stderr: reference.stderr }).toMatchObject({ code: 0 });
  const refRecords = JSON.parse(reference.stdout) as RunRecord[];
  expect((await runCli(runArgs(join(work, "reference")), fast, work)).code).toBe(0);

  const out = join(work, "killed");
  // The kill schedule is events of the run itself, not clock times. Each attempt is killed either at
  // start-up (its first output on stderr) or right after its first flush of sample lines reaches disk
  // (samples in flight, more queued), as a seeded RNG decides. A flush adds at most 8 of the 48 lines and
  // flush kills stop at 40 lines, so the run cannot finish before the twelfth kill.
  const rand = rngFromSeed("kill-resume");
  const log: string[] = [];
  let kills = 0;
  let midRun = 0;
  for (let i = 0; i < 40 && kills < 12; i++) {
    const before = linesOnDisk(out);
    const draw = rand() < 0.4;
    const atStart = draw || before >= 40;
    const { child, done } = spawnCli(runArgs(out), env, work);
    let spoke = false;
    child.stderr?.once("data", () => {
      spoke = true;
    });
    const ready = (): boolean => (atStart && spoke) || linesOnDisk(out) > before;
    if (await waitUntil(ready, { until: done, deadlineMs: 60_000, what: `the kill point of attempt ${i}` })) {
      child.kill("SIGKILL");
    }
    const r = await done;
    if (r.signal === "SIGKILL") kills += 1;
    log.push(`${atStart ? "start" : "flush"}:${r.signal ?? r.code}:${before}->${linesOnDisk(out)}`);
    for (const task of TASKS) {
      const dir = taskDir(out, task);
      if (dir === null) continue;
      // run.json is written by rename: whole or absent, never torn.
      if (existsSync(join(dir, "run.json"))) expect(() => readRunRecord(dir)).not.toThrow();
      const n = readSamples(dir).records.length;
      if (n > 0 && n < 16) midRun += 1;
    }
  }
  expect(kills, log.join(" ")).toBeGreaterThanOrEqual(10);
  expect(log.filter((l) => l.startsWith("flush:SIGKILL")).length, log.join(" ")).toBeGreaterThanOrEqual(3);
  expect(midRun).toBeGreaterThan(0);

  const final = await runCli(runArgs(out), fast, work);
  expect({ code: final.code, stderr: final.stderr }).toMatchObject({ code: 0 });
  const records = JSON.parse(final.stdout) as RunRecord[];
  for (const [i, task] of TASKS.entries()) {
    const rec = records[i]!;
    const ref = refRecords[i]!;
    expect(rec.status).toBe("complete");
    expect(rec.runId).toBe(ref.runId);
    expect(rec.metrics).toEqual(ref.metrics);
    expect(rec.nSamples).toEqual(ref.nSamples);
    expect(rec.latency?.ttftMs.n).toBe(3);
    const dir = taskDir(out, task)!;
    const refDir = taskDir(join(work, "reference"), task)!;
    const lines = readFileSync(join(dir, "samples.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    const ids = lines.map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(
      readSamples(refDir)
        .records.map((s) => s.id)
        .sort(),
    );
  }
});

it("Ctrl-C (SIGINT) saves a partial run and exits 130; the next run resumes it", async () => {
  const env = cliEnv(hub.url, work, { FASTVLM_EVAL_BASELINE_DELAY_MS: "200" });
  const out = join(work, "sigint");
  const args = runArgs(out).filter((a) => a !== "textvqa" && a !== "docvqa");
  const { child, done } = spawnCli(args, env, work);
  // Interrupt once the first samples are on disk.
  const first = (): boolean => {
    const dir = taskDir(out, "pope");
    return dir !== null && readSamples(dir).records.length > 0;
  };
  await waitUntil(first, { until: done, deadlineMs: 60_000, what: "the first pope sample on disk" });
  child.kill("SIGINT");
  const r = await done;
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 130 });
  expect(r.stderr).toMatch(/Interrupted/);
  const dir = taskDir(out, "pope")!;
  const rec = readRunRecord(dir);
  expect(rec.status).toBe("partial");
  const saved = readSamples(dir).records.length;
  expect(saved).toBeGreaterThan(0);
  expect(saved).toBeLessThan(16);
  const again = await runCli(args, cliEnv(hub.url, work), work);
  expect(again.code).toBe(0);
  expect(again.stderr).toMatch(new RegExp(`resuming .*: ${saved} of 16 samples already done`));
  expect(readRunRecord(dir).status).toBe("complete");
});
