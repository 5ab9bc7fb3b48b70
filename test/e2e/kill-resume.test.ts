/**
 * kill -9 at random moments, then resume: the run ends with exactly the samples and metrics of an uninterrupted
 * run, no id recorded twice, and run.json readable after every kill.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunRecord, readRunRecord, readSamples } from "../../src/core/records.js";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";
import { fixtureRoot } from "../helpers/fixtures.js";
import { cliEnv, runCli, spawnCli, workDir } from "./run-helpers.js";

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

function taskDir(out: string, task: string): string | null {
  if (!existsSync(out)) return null;
  const model = readdirSync(out)[0];
  if (model === undefined || !existsSync(join(out, model, task))) return null;
  const run = readdirSync(join(out, model, task))[0];
  return run === undefined ? null : join(out, model, task, run);
}

it("survives at least 10 kill -9s at random moments and resumes to the uninterrupted result", async () => {
  // A simulated 200 ms per generation keeps the run (about 7 s of work) long enough to be hit many times.
  const env = cliEnv(hub.url, work, { FASTVLM_EVAL_BASELINE_DELAY_MS: "200" });
  const t0 = performance.now();
  const reference = await runCli(runArgs(join(work, "reference")), env, work);
  const total = performance.now() - t0;
  expect({ code: reference.code, stderr: reference.stderr }).toMatchObject({ code: 0 });
  const refRecords = JSON.parse(reference.stdout) as RunRecord[];
  // Start-up cost (imports, Hub check, selection pass) is what a no-op re-run of the finished run takes.
  const t1 = performance.now();
  expect((await runCli(runArgs(join(work, "reference")), env, work)).code).toBe(0);
  const startup = performance.now() - t1;
  const workMs = Math.max(500, total - startup);

  const out = join(work, "killed");
  // Seeded delays, so the sequence of kill moments is the same on every run of the test.
  let state = 12345;
  const rand = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  let kills = 0;
  let midRun = 0;
  for (let i = 0; i < 40 && kills < 12; i++) {
    const { child, done } = spawnCli(runArgs(out), env, work);
    // From late start-up to 12 % of the way into the work: most kills land while samples are in flight,
    // and an attempt gets through 6 % of the work on average, so the run does not finish before the tenth
    // kill (with up to a fifth, a run of long draws could finish it after nine).
    const delay = 0.8 * startup + rand() * (0.2 * startup + 0.12 * workMs);
    const timer = setTimeout(() => child.kill("SIGKILL"), delay);
    const r = await done;
    clearTimeout(timer);
    if (r.signal === "SIGKILL") kills += 1;
    for (const task of TASKS) {
      const dir = taskDir(out, task);
      if (dir === null) continue;
      // run.json is written by rename: whole or absent, never torn.
      if (existsSync(join(dir, "run.json"))) expect(() => readRunRecord(dir)).not.toThrow();
      const n = readSamples(dir).records.length;
      if (n > 0 && n < 16) midRun += 1;
    }
  }
  expect(kills).toBeGreaterThanOrEqual(10);
  expect(midRun).toBeGreaterThan(0);

  const final = await runCli(runArgs(out), env, work);
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
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    const dir = taskDir(out, "pope");
    if (dir !== null && readSamples(dir).records.length > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
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
  const again = await runCli(args, env, work);
  expect(again.code).toBe(0);
  expect(again.stderr).toMatch(new RegExp(`resuming .*: ${saved} of 16 samples already done`));
  expect(readRunRecord(dir).status).toBe("complete");
});
