/**
 * `fastvlm-eval score <run-dir>` on folders written by `run` (fixture datasets behind the fake Hub, a baseline
 * model): re-scoring with the same scorers reproduces every score and metric, and the folder stays valid.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunRecord, readRunRecord, readSamples, validateRunRecord } from "../../src/core/records.js";
import { TASKS as REGISTRY } from "../../tasks/index.js";
import { baselineRunArgs, type FixtureHub, runCli, startFixtureHub } from "./run-helpers.js";

const TASKS = Object.keys(REGISTRY);
let fx: FixtureHub;
let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  fx = await startFixtureHub({ rowsPerTask: 12 }, "e2e-score-run-");
  ({ work, env } = fx);
});
afterAll(async () => {
  await fx?.close();
});

describe("score <run-dir> on run folders", () => {
  it("reproduces the run's scores and metrics for every task of the registry", async () => {
    const out = join(work, "runs");
    const r = await runCli(baselineRunArgs(TASKS, out, 0), env, work);
    expect(r.stderr).not.toMatch(/InternalError/);
    expect(r.code).toBe(0);
    const model = readdirSync(out)[0]!;
    for (const task of TASKS) {
      const base = join(out, model, task);
      const dir = join(base, readdirSync(base)[0]!);
      const before: RunRecord = readRunRecord(dir);
      const samplesBefore = readSamples(dir).records;
      const s = await runCli(["score", dir, "--json"], env, work);
      expect(s.stderr, task).not.toMatch(/error:/);
      expect(s.code, task).toBe(0);
      const after = readRunRecord(dir);
      expect(validateRunRecord(after)).toEqual([]);
      expect(after.metrics, task).toEqual(before.metrics);
      expect(after.ci, task).toEqual(before.ci);
      expect(after.nSamples).toEqual(before.nSamples);
      expect(after.notes?.at(-1)).toMatch(/^re-scored .* with /);
      const samplesAfter = readSamples(dir).records;
      expect(samplesAfter.map((x) => [x.id, x.score, x.parsed, x.rule])).toEqual(
        samplesBefore.map((x) => [x.id, x.score, x.parsed, x.rule]),
      );
      expect(JSON.parse(s.stdout).metrics).toEqual(after.metrics);
      expect(readFileSync(join(dir, "samples.jsonl"), "utf8").endsWith("\n")).toBe(true);
    }
  });
});
