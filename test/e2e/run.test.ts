/** `fastvlm-eval run` end to end: fixture datasets served by a fake Hub, baselines and the tiny model. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunRecord, readRunRecord, readSamples, validateRunRecord } from "../../src/core/records.js";
import { TASKS as REGISTRY } from "../../tasks/index.js";
import { quickModelDir } from "../helpers/tiny-model.js";
import { baselineRunArgs, type FixtureHub, runCli, startFixtureHub } from "./run-helpers.js";

const TASKS = Object.keys(REGISTRY);
let fx: FixtureHub;
let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  fx = await startFixtureHub({ rowsPerTask: 16, corruptImages: { docvqa: [2] } });
  ({ work, env } = fx);
});
afterAll(async () => {
  await fx?.close();
});

/** Run folders of a task under the only model folder of `out`. */
function runFolders(out: string, task: string): string[] {
  const base = join(out, readdirSync(out)[0]!, task);
  return readdirSync(base).map((d) => join(base, d));
}

describe("run", () => {
  it("runs every task of the registry with a baseline and writes schema-valid records", async () => {
    const out = join(work, "all");
    const r = await runCli(baselineRunArgs(TASKS, out, 3), env, work);
    expect(r.stderr).not.toMatch(/InternalError/);
    expect(r.code).toBe(0);
    const records = JSON.parse(r.stdout) as RunRecord[];
    expect(records.map((x) => x.task.name)).toEqual(TASKS);
    for (const rec of records) {
      expect(validateRunRecord(rec)).toEqual([]);
      expect(rec.status).toBe("complete");
      expect(rec.nSamples.total).toBeGreaterThan(0);
      expect(rec.metrics[rec.task.primaryMetric!]).toBeTypeOf("number");
      expect(rec.latency?.ttftMs.n).toBe(3);
      expect(rec.task.dataset.revision).toMatch(/^[0-9a-f]{40}$/);
      const dirs = runFolders(out, rec.task.name);
      expect(dirs).toHaveLength(1);
      expect(validateRunRecord(readRunRecord(dirs[0]!))).toEqual([]);
      expect(readSamples(dirs[0]!).records).toHaveLength(rec.nSamples.total);
    }
    // Table form on a re-run (resumes; nothing to do).
    const again = await runCli(
      [
        "run",
        "pope",
        "--model",
        "baseline:random",
        "--out",
        out,
        "--latency-samples",
        "3",
        "--lock",
        "lock.json",
      ],
      env,
      work,
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/pope\s+\d+\s+f1/);
    expect(again.stderr).toMatch(/already complete/);
  });

  it("--limit picks the same stratified subset for the same seed", async () => {
    const ids = async (out: string, seed: string): Promise<string[]> => {
      const r = await runCli(
        [
          "run",
          "pope",
          "--model",
          "baseline:constant=yes",
          "--out",
          out,
          "--limit",
          "9",
          "--subset-seed",
          seed,
          "--latency-samples",
          "0",
          "--json",
          "--lock",
          "lock.json",
        ],
        env,
        work,
      );
      expect(r.code).toBe(0);
      const rec = (JSON.parse(r.stdout) as RunRecord[])[0]!;
      expect(rec.nSamples.total).toBe(9);
      const samples = readSamples(runFolders(out, "pope")[0]!).records;
      // POPE's three categories are equal thirds of the fixture: 9 → 3 each.
      const per = new Map<string, number>();
      for (const s of samples) per.set(s.stratum ?? "", (per.get(s.stratum ?? "") ?? 0) + 1);
      expect([...per.values()].sort()).toEqual([3, 3, 3]);
      return samples.map((s) => s.id).sort();
    };
    const a = await ids(join(work, "lim-a"), "5");
    const b = await ids(join(work, "lim-b"), "5");
    const c = await ids(join(work, "lim-c"), "6");
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it("a changed setting starts a new run id; validation reports every bad flag", async () => {
    const out = join(work, "ident");
    const one = await runCli(
      [
        "run",
        "mmmu",
        "--model",
        "baseline:random",
        "--out",
        out,
        "--latency-samples",
        "0",
        "--json",
        "--lock",
        "lock.json",
      ],
      env,
      work,
    );
    const two = await runCli(
      [
        "run",
        "mmmu",
        "--model",
        "baseline:random",
        "--out",
        out,
        "--latency-samples",
        "0",
        "--json",
        "--max-new-tokens",
        "7",
        "--lock",
        "lock.json",
      ],
      env,
      work,
    );
    const id = (r: { stdout: string }) => (JSON.parse(r.stdout) as RunRecord[])[0]!.runId;
    expect(id(one)).not.toBe(id(two));
    const bad = await runCli(
      ["run", "mmmu", "--limit", "-1", "--concurrency", "0", "--shard", "3/3"],
      env,
      work,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--model is required[\s\S]*--limit[\s\S]*--concurrency[\s\S]*0 ≤ i < n/);
    const unknown = await runCli(["run", "popee", "--model", "baseline:random"], env, work);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/did you mean 'pope'/);
    // Task names and flags are checked together.
    const both = await runCli(["run", "popee", "--concurrency", "x"], env, work);
    expect(both.stderr).toMatch(/unknown task 'popee'[\s\S]*--concurrency/);
  });

  it("three shards merged equal one unsharded run", async () => {
    const out = join(work, "shards");
    const common = [
      "run",
      "textvqa",
      "--model",
      "baseline:constant=yes",
      "--out",
      out,
      "--limit",
      "12",
      "--latency-samples",
      "2",
      "--lock",
      "lock.json",
      "--json",
    ];
    const whole = await runCli(common, env, work);
    expect(whole.code).toBe(0);
    const wholeRec = (JSON.parse(whole.stdout) as RunRecord[])[0]!;
    const shardOut = join(work, "shard-parts");
    const dirs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runCli(
        [...common.map((a) => (a === out ? shardOut : a)), "--shard", "auto"],
        { ...env, JOB_COMPLETION_INDEX: String(i), EVAL_SHARD_COUNT: "3" },
        work,
      );
      expect(r.code).toBe(0);
      const rec = (JSON.parse(r.stdout) as RunRecord[])[0]!;
      expect(rec.shard).toEqual({ index: i, count: 3 });
    }
    const model = readdirSync(shardOut)[0]!;
    for (const d of readdirSync(join(shardOut, model, "textvqa")))
      dirs.push(join(shardOut, model, "textvqa", d));
    const merged = await runCli(["merge", ...dirs, "--json"], env, work);
    expect({ code: merged.code, stderr: merged.stderr }).toMatchObject({ code: 0 });
    const m = JSON.parse(merged.stdout) as RunRecord;
    expect(m.runId).toBe(wholeRec.runId);
    expect(m.metrics).toEqual(wholeRec.metrics);
    expect(m.nSamples).toEqual(wholeRec.nSamples);
    const mergedDir = join(shardOut, model, "textvqa", m.runId);
    const wholeDir = join(out, model, "textvqa", wholeRec.runId);
    const ids = (d: string) =>
      readSamples(d)
        .records.map((s) => s.id)
        .sort();
    expect(ids(mergedDir)).toEqual(ids(wholeDir));
    expect(validateRunRecord(readRunRecord(mergedDir))).toEqual([]);
    // Re-running the merge over the same glob (now including the merged folder) still works.
    const dirs2 = readdirSync(join(shardOut, model, "textvqa")).map((d) =>
      join(shardOut, model, "textvqa", d),
    );
    const again = await runCli(["merge", ...dirs2, "--json"], env, work);
    expect({ code: again.code, stderr: again.stderr }).toMatchObject({ code: 0 });
    // Two shards only: refused, naming the missing one.
    const missing = await runCli(["merge", ...dirs.slice(0, 2)], env, work);
    expect({ code: missing.code, stderr: missing.stderr }).toMatchObject({ code: 2 });
    expect(missing.stderr).toMatch(/missing shard/);
  });

  it("the tiny model: a corrupt image is a failed sample, not a crash; past the failure budget exit 5", async () => {
    const model = await quickModelDir();
    const out = join(work, "tiny");
    const args = [
      "run",
      "docvqa",
      "--model",
      model,
      "--out",
      out,
      "--concurrency",
      "2",
      "--latency-samples",
      "2",
      "--warmup",
      "1",
      "--max-new-tokens",
      "4",
      "--lock",
      "lock.json",
      "--json",
    ];
    // One corrupt image of 16 is within the default budget; with --max-error-rate 0 any failure fails.
    const tooMany = await runCli([...args, "--max-error-rate", "0"], env, work);
    expect(tooMany.stderr).not.toMatch(/InternalError/);
    expect(tooMany.code).toBe(5);
    expect(tooMany.stderr).toMatch(
      /max-error-rate 0 .*Most common error \(1 of 1 failures\): DataError: Image/s,
    );
    const ok = await runCli(args, env, work);
    expect(ok.code).toBe(0);
    const rec = (JSON.parse(ok.stdout) as RunRecord[])[0]!;
    expect(rec.status).toBe("complete");
    expect(rec.nSamples.failed).toBe(1);
    expect(rec.latency?.ttftMs.n).toBe(2);
    expect(rec.latency!.ttftMs.p50).toBeGreaterThan(0);
    const slug = readdirSync(out)[0]!;
    const dir = join(out, slug, "docvqa", rec.runId);
    const failed = readSamples(dir).records.filter((s) => s.error !== null);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toMatch(/image/i);
    expect(readFileSync(join(dir, "samples.jsonl"), "utf8")).toContain('"timing":{"preprocessMs"');
  });
});
