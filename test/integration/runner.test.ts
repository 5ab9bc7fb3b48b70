/** The task runner on an in-memory task and fake backends: records, resume, failures, abort, identity. */

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DataError, InternalError, InterruptedError, TooManyFailuresError } from "../../src/core/errors.js";
import {
  LATENCY_FILE,
  type LatencyLine,
  readRunRecord,
  readSamples,
  validateRunRecord,
} from "../../src/core/records.js";
import type {
  GenerateRequest,
  Generation,
  Json,
  ModelBackend,
  Scorer,
  TaskSample,
} from "../../src/core/types.js";
import { createBaseline } from "../../src/models/baseline/index.js";
import { evaluateGate } from "../../src/report/gate.js";
import { loadRun, loadRunSet } from "../../src/report/runs.js";
import { MIN_FAILURES_TO_STOP } from "../../src/runner/failure-budget.js";
import { mergeRuns } from "../../src/runner/merge.js";
import { type RunSettings, runTask, type TaskRunInput } from "../../src/runner/task-run.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const tmp = tempDirs("runner-");

const N = 40;
function sampleOf(i: number): TaskSample {
  return {
    id: `q${i}`,
    prompt: `Is item ${i} even?`,
    images: [{ bytes: new Uint8Array([i % 256]), source: "image" }],
    doc: { question: `Is item ${i} even?` },
    reference: { answer: i % 2 === 0 ? "Yes" : "No" },
    stratum: i % 4 === 0 ? "a" : "b",
  };
}
async function* stream(): AsyncGenerator<TaskSample> {
  for (let i = 0; i < N; i++) yield sampleOf(i);
}

const exact: Scorer<Json> = {
  name: "fake_exact",
  version: 1,
  primary: "accuracy",
  metrics: {
    accuracy: {
      description: "exact answers",
      aggregation: "mean",
      higherIsBetter: true,
      ci: { method: "mean" },
    },
  },
  scoreSample(prediction, ref) {
    const want = (ref as { answer: string }).answer;
    const ok = prediction === "Yes" || prediction === "No";
    return {
      score: prediction === want ? 1 : 0,
      parsed: prediction,
      parseOk: ok,
      rule: ok ? "exact" : "none",
    };
  },
  aggregate(samples) {
    return { accuracy: samples.reduce((s, x) => s + x.result.score, 0) / samples.length };
  },
};

const task = {
  name: "faketask",
  version: 1,
  generation: { maxNewTokens: 8, stop: [] },
};

function settings(out: string, over: Partial<RunSettings> = {}): RunSettings {
  return {
    out,
    limit: null,
    subsetSeed: 0,
    shard: null,
    concurrency: 3,
    latencySamples: 5,
    warmup: 1,
    maxNewTokens: null,
    fresh: false,
    maxErrorRate: 0.01,
    reuse: true,
    promptSettings: { imageMode: "pad" },
    ...over,
  };
}

/** A backend that answers from the id, optionally fails some ids, and counts calls and overlap. */
function fakeModel(
  opts: { fail?: Set<string>; delayMs?: number; fingerprint?: string; ttft?: (i: number) => number } = {},
) {
  let active = 0;
  const stats = { calls: 0, maxActive: 0, ids: [] as string[] };
  const model: ModelBackend = {
    info: {
      name: "fake/model",
      source: "memory",
      revision: null,
      dtype: { decoder: "fp32" },
      executionProvider: "cpu",
      threads: 1,
      fingerprint: opts.fingerprint ?? "fp1",
    },
    async generate(req: GenerateRequest, o): Promise<Generation> {
      stats.calls += 1;
      stats.ids.push(req.id ?? "");
      active += 1;
      stats.maxActive = Math.max(stats.maxActive, active);
      try {
        await sleep(opts.delayMs ?? 1, undefined, { signal: o?.signal });
        if (opts.fail?.has(req.id ?? "")) throw new DataError(`cannot decode image of ${req.id}`);
        const i = Number((req.id ?? "q0").slice(1));
        const text = i % 3 === 0 ? "No" : i % 2 === 0 ? "Yes" : "No";
        return {
          text,
          tokens: [1, 2],
          promptTokens: 10,
          visualTokens: 4,
          outputTokens: 2,
          timing: {
            preprocessMs: 1,
            visionMs: 2,
            prefillMs: 3,
            ttftMs: opts.ttft?.(i) ?? 6,
            decodeMs: 4,
            totalMs: 10,
          },
        };
      } finally {
        active -= 1;
      }
    },
    async dispose() {},
  };
  return { model, stats };
}

function latencyLines(dir: string): LatencyLine[] {
  return readFileSync(join(dir, LATENCY_FILE), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LatencyLine);
}

/** The one run folder under `out` (`<model>/<task>/<run-id>`), found without rebuilding the model slug. */
function onlyRunDir(out: string): string {
  let dir = out;
  for (let depth = 0; depth < 3; depth++) {
    const entries = readdirSync(dir);
    expect(entries, `exactly one folder in ${dir}`).toHaveLength(1);
    dir = join(dir, entries[0]!);
  }
  expect(readdirSync(dir)).toContain("run.json");
  return dir;
}

function input(
  out: string,
  model: ModelBackend,
  over: Partial<RunSettings> = {},
  extra: Partial<TaskRunInput> = {},
): TaskRunInput {
  return {
    task,
    scorer: exact,
    dataset: { repo: "org/fake", config: "default", split: "test", sha: "a".repeat(40) },
    samples: stream,
    model,
    settings: settings(out, over),
    ...extra,
  };
}

describe("runTask", () => {
  it("runs every sample, writes schema-valid records and a latency block, bounded by --concurrency", async () => {
    const out = tmp();
    const { model, stats } = fakeModel({ delayMs: 3 });
    const { dir, record } = await runTask(input(out, model));
    expect(validateRunRecord(readRunRecord(dir))).toEqual([]);
    expect(record.status).toBe("complete");
    expect(record.nSamples).toEqual({ total: N, scored: N, failed: 0, parseFailures: 0 });
    const samples = readSamples(dir).records;
    expect(samples).toHaveLength(N);
    expect(new Set(samples.map((s) => s.id)).size).toBe(N);
    const expected = samples.filter((s) => s.score === 1).length / N;
    expect(record.metrics.accuracy).toBeCloseTo(expected, 12);
    expect(record.metrics.parse_failure_rate).toBe(0);
    expect(stats.maxActive).toBeLessThanOrEqual(3);
    expect(Math.max(...samples.map((s) => s.concurrency))).toBeLessThanOrEqual(3);
    expect(record.latency).not.toBeNull();
    expect(record.latency!.ttftMs).toMatchObject({ p50: 6, n: 5 });
    expect(record.latency!.measuredAtConcurrency).toBe(1);
    expect(record.latency!.decodeTokensPerSec).toBeCloseTo(250, 6); // 1 token per 4 ms
    // accuracy pass + 1 warm-up + 5 measured
    expect(stats.calls).toBe(N + 1 + 5);
    // latency.jsonl: one line per measured generation, the warm-up left out.
    const lines = latencyLines(dir);
    expect(lines.map((l) => l.id)).toEqual(record.latency!.sampleIds);
    expect(lines[0]).toEqual({
      id: record.latency!.sampleIds![0],
      timing: { preprocessMs: 1, visionMs: 2, prefillMs: 3, ttftMs: 6, decodeMs: 4, totalMs: 10 },
      tokens: { prompt: 10, visual: 4, output: 2 },
      reuse: null, // this fake backend reports no reuse
    });
    expect(record.env.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(dir).toContain(join(out, "fake-model-"));
  });

  it("resumes: skips done samples, ignores a torn tail, never scores twice", async () => {
    const out = tmp();
    const first = await runTask(input(out, fakeModel().model, { latencySamples: 0 }));
    const lines = readFileSync(join(first.dir, "samples.jsonl"), "utf8").split("\n").filter(Boolean);
    // Keep 25 lines and half of the 26th, as a kill -9 mid-write would.
    writeFileSync(
      join(first.dir, "samples.jsonl"),
      `${lines.slice(0, 25).join("\n")}\n${lines[25]!.slice(0, 30)}`,
    );
    const { model, stats } = fakeModel();
    const again = await runTask(input(out, model, { latencySamples: 0 }));
    expect(again.dir).toBe(first.dir);
    expect(stats.calls).toBe(N - 25);
    const samples = readSamples(again.dir);
    expect(samples.tornTail).toBe(false);
    expect(samples.records).toHaveLength(N);
    const raw = readFileSync(join(again.dir, "samples.jsonl"), "utf8").split("\n").filter(Boolean);
    expect(raw).toHaveLength(N);
    expect(again.record.metrics).toEqual(first.record.metrics);
    // A complete run re-run does nothing.
    const third = fakeModel();
    await runTask(input(out, third.model, { latencySamples: 0 }));
    expect(third.stats.calls).toBe(0);
  });

  it("only reruns the latency pass when the accuracy pass is done", async () => {
    const out = tmp();
    await runTask(input(out, fakeModel().model, { latencySamples: 0 }));
    const { model, stats } = fakeModel();
    const r = await runTask(input(out, model, { latencySamples: 4, warmup: 2 }));
    expect(stats.calls).toBe(2 + 4);
    expect(r.record.latency?.ttftMs.n).toBe(4);
    // Same settings: nothing to do. More latency samples: only the latency pass again.
    const same = fakeModel();
    await runTask(input(out, same.model, { latencySamples: 4, warmup: 2 }));
    expect(same.stats.calls).toBe(0);
    const more = fakeModel();
    const r2 = await runTask(input(out, more.model, { latencySamples: 6, warmup: 2 }));
    expect(more.stats.calls).toBe(2 + 6);
    expect(r2.record.latency?.ttftMs.n).toBe(6);
    // The new pass replaced the old lines.
    expect(latencyLines(r2.dir).map((l) => l.id)).toEqual(r2.record.latency?.sampleIds);
  });

  it("a changed setting or --fresh starts a new run id", async () => {
    const out = tmp();
    const a = await runTask(input(out, fakeModel().model, { latencySamples: 0 }));
    const b = await runTask(input(out, fakeModel().model, { latencySamples: 0, maxNewTokens: 3 }));
    const c = await runTask(input(out, fakeModel({ fingerprint: "fp2" }).model, { latencySamples: 0 }));
    const d = await runTask(input(out, fakeModel().model, { latencySamples: 0, limit: 10 }));
    const e = await runTask(input(out, fakeModel().model, { latencySamples: 0, fresh: true }));
    const ids = [a, b, c, d, e].map((r) => r.record.runId);
    expect(new Set(ids).size).toBe(5);
    expect(e.record.runId.startsWith(a.record.runId)).toBe(true);
    // Concurrency is not part of the identity.
    const f = await runTask(input(out, fakeModel().model, { latencySamples: 0, concurrency: 1 }));
    expect(f.record.runId).toBe(a.record.runId);
  });

  it("records a failing sample with its error and goes on; retries it on resume", async () => {
    const out = tmp();
    const { model } = fakeModel({ fail: new Set(["q7"]) });
    const r = await runTask(input(out, model, { maxErrorRate: 0.5, latencySamples: 3 }));
    expect(r.record.status).toBe("complete");
    expect(r.record.nSamples.failed).toBe(1);
    expect(r.record.nSamples.scored).toBe(N - 1);
    const bad = readSamples(r.dir).records.find((s) => s.id === "q7")!;
    expect(bad.error).toMatch(/DataError: cannot decode image of q7/);
    expect(bad.score).toBeNull();
    expect(r.record.latency?.sampleIds).not.toContain("q7");
    const fixed = fakeModel();
    const again = await runTask(input(out, fixed.model, { maxErrorRate: 0.5, latencySamples: 3 }));
    expect(fixed.stats.ids.slice(0, 1)).toEqual(["q7"]);
    expect(again.record.nSamples.failed).toBe(0);
    expect(readSamples(again.dir).records).toHaveLength(N);
  });

  it("stops with TooManyFailuresError past --max-error-rate, keeping what it has", async () => {
    const out = tmp();
    const fail = new Set(Array.from({ length: N }, (_, i) => `q${i}`).filter((_, i) => i % 5 === 0));
    const { model } = fakeModel({ fail });
    await expect(runTask(input(out, model, { maxErrorRate: 0.05 }))).rejects.toBeInstanceOf(
      TooManyFailuresError,
    );
    const runDirPath = onlyRunDir(out);
    const rec = readRunRecord(runDirPath);
    expect(rec.status).toBe("partial");
    expect(rec.nSamples.failed).toBeGreaterThanOrEqual(MIN_FAILURES_TO_STOP);
    expect(readSamples(runDirPath).records.length).toBeLessThan(N);
  });

  it("failure budget: one early transient failure does not stop a run; a run failing every sample stops early naming the error", async () => {
    const out = tmp();
    // The very first sample fails once (a transient fault), everything else works.
    const flaky = fakeModel({ fail: new Set(["q0"]) });
    const r = await runTask(input(out, flaky.model, { concurrency: 1, latencySamples: 0 }));
    expect(r.record.status).toBe("complete");
    expect(r.record.nSamples.failed).toBe(1);
    // A model failing every sample the same way stops after the first few, and says why.
    const all = new Set(Array.from({ length: N }, (_, i) => `q${i}`));
    const broken = fakeModel({ fail: all });
    const err = await runTask(input(tmp(), broken.model, { concurrency: 1, latencySamples: 0 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TooManyFailuresError);
    expect(broken.stats.calls).toBe(MIN_FAILURES_TO_STOP);
    expect((err as Error).message).toMatch(
      /Most common error \(3 of 3 failures\): DataError: cannot decode image/,
    );
    expect((err as Error).message).toMatch(/Wilson/);
  });

  it("a scorer that throws stops the run as a harness bug, not a failed sample", async () => {
    const out = tmp();
    const throwing: Scorer<Json> = {
      ...exact,
      scoreSample(prediction, ref, id) {
        if (id === "q9") throw new TypeError("cannot read properties of undefined");
        return exact.scoreSample(prediction, ref, id);
      },
    };
    const err = await runTask({ ...input(out, fakeModel().model), scorer: throwing }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InternalError);
    expect((err as InternalError).exitCode).toBe(70);
    expect((err as Error).message).toMatch(/scorer fake_exact threw on sample q9: TypeError: cannot read/);
    const dir = onlyRunDir(out);
    expect(readRunRecord(dir).status).toBe("partial");
    const records = readSamples(dir).records;
    expect(records.find((r) => r.id === "q9")).toBeUndefined();
    expect(records.every((r) => r.error === null)).toBe(true);
  });

  it("reports an unreadable run.json instead of overwriting it", async () => {
    const out = tmp();
    const first = await runTask(input(out, fakeModel().model, { latencySamples: 0 }));
    writeFileSync(join(first.dir, "run.json"), '{"status": "compl');
    const err = await runTask(input(out, fakeModel().model, { latencySamples: 0 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toContain(join(first.dir, "run.json"));
    expect((err as DataError).hint).toMatch(/--fresh/);
    expect(readFileSync(join(first.dir, "run.json"), "utf8")).toBe('{"status": "compl');
  });

  it("Ctrl-C aborts in-flight generations, saves a partial run, and a resume completes it", async () => {
    const out = tmp();
    const controller = new AbortController();
    const { model } = fakeModel({ delayMs: 5 });
    let seen = 0;
    const wrapped: ModelBackend = {
      ...model,
      async generate(req, o) {
        seen += 1;
        if (seen === 12) controller.abort();
        return model.generate(req, o);
      },
    };
    await expect(runTask(input(out, wrapped, {}, { signal: controller.signal }))).rejects.toBeInstanceOf(
      InterruptedError,
    );
    const again = fakeModel();
    const r = await runTask(input(out, again.model, { latencySamples: 0 }));
    const partialDone = N - again.stats.calls;
    expect(partialDone).toBeGreaterThan(0);
    expect(partialDone).toBeLessThan(12);
    expect(r.record.status).toBe("complete");
    expect(readSamples(r.dir).records).toHaveLength(N);
  });

  it("three shards merged equal one unsharded run", async () => {
    const out = tmp();
    const whole = await runTask(
      input(out, createBaseline("baseline:random"), { limit: 30, latencySamples: 0 }),
    );
    const shardDirs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runTask(
        input(out, createBaseline("baseline:random"), {
          limit: 30,
          latencySamples: 2,
          shard: { index: i, count: 3 },
        }),
      );
      shardDirs.push(r.dir);
    }
    const mergedOut = tmp();
    const merged = await mergeRuns(shardDirs, mergedOut, exact);
    expect(merged.record.runId).toBe(whole.record.runId);
    const ids = (d: string) =>
      readSamples(d)
        .records.map((s) => s.id)
        .sort();
    expect(ids(merged.dir)).toEqual(ids(whole.dir));
    expect(merged.record.metrics).toEqual(whole.record.metrics);
    expect(merged.record.nSamples).toEqual(whole.record.nSamples);
    expect(merged.record.latency).not.toBeNull();
    expect(validateRunRecord(merged.record)).toEqual([]);
    // The chosen shard's latency.jsonl comes along with its block.
    expect(latencyLines(merged.dir)).toEqual(latencyLines(shardDirs[0]!));
    expect(latencyLines(merged.dir).map((l) => l.id)).toEqual(merged.record.latency?.sampleIds);
    // Missing a shard, or the same shard twice, is refused with every problem named.
    await expect(mergeRuns([shardDirs[0]!, shardDirs[0]!], tmp(), exact)).rejects.toThrow(
      /given twice[\s\S]*missing shard/,
    );
  });

  it("gate --max-ttft-increase bootstraps an interval from the run's latency.jsonl", async () => {
    const base = tmp();
    const cand = tmp();
    const jitter = (i: number): number => (i * 7) % 11;
    const opts = { concurrency: 3, latencySamples: 12, warmup: 1 };
    const b = await runTask(input(base, fakeModel({ ttft: (i) => 100 + jitter(i) }).model, opts));
    const c = await runTask(input(cand, fakeModel({ ttft: (i) => 160 + jitter(i) }).model, opts));
    // The gate reads exactly the measured serial TTFTs, not the concurrent accuracy-pass timings.
    expect(loadRun(b.dir).serialTtftMs).toEqual(latencyLines(b.dir).map((l) => l.timing.ttftMs));
    expect(loadRun(b.dir).serialTtftMs).toHaveLength(12);
    const r = evaluateGate(loadRunSet(b.dir), loadRunSet(c.dir), {
      maxDropPoints: 0,
      min: {},
      maxTtftIncreasePct: 10,
    });
    const ttftRule = r.rules.find((x) => x.name.startsWith("latency"))!;
    expect(ttftRule).toBeDefined();
    expect(ttftRule.detail).toMatch(/95% CI/);
    expect(ttftRule.detail).not.toMatch(/p50 alone/);
    expect(ttftRule.pass).toBe(false);
    const lat = r.comparisons[0]!.latency;
    expect(lat.status).toBe("compared");
    if (lat.status === "compared") expect(lat.p50ChangeCi![0]).toBeGreaterThan(10);
  });
});
