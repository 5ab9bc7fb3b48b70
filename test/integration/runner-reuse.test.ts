import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { InterruptedError, UsageError } from "../../src/core/errors.js";
import { readRunRecord, readSamples, type SampleRecord, validateRunRecord } from "../../src/core/records.js";
import type {
  GenerateOptions,
  GenerateRequest,
  Generation,
  Json,
  ModelBackend,
  ReuseInfo,
  Scorer,
  TaskSample,
} from "../../src/core/types.js";
import { parseRunFlags } from "../../src/runner/flags.js";
import { mergeRuns } from "../../src/runner/merge.js";
import { type RunSettings, runTask, type TaskRunInput } from "../../src/runner/task-run.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const tmp = tempDirs("runner-reuse-");

const N = 36;
const IMAGES = 6;
/** Sample i asks about image i mod 6 (interleaved in file order, as questions often are); every 12th is text-only. */
function keyOf(i: number): string | null {
  return i % 12 === 11 ? null : `img${i % IMAGES}`;
}
const SAMPLES: TaskSample[] = Array.from({ length: N }, (_, i) => {
  const key = keyOf(i);
  return {
    id: `q${i}`,
    prompt: `Question ${i}?`,
    images: key === null ? [] : [{ bytes: new Uint8Array([i % IMAGES, 7, 7]), source: "image" }],
    doc: {},
    reference: { answer: i % 2 === 0 ? "Yes" : "No" },
    stratum: null,
    ...(key === null ? {} : { imageKey: key }),
  };
});
const byId = new Map(SAMPLES.map((s) => [s.id, s]));
const KEY = new Map(SAMPLES.map((s, i) => [s.id, keyOf(i)]));

async function* stream(): AsyncGenerator<TaskSample> {
  for (const s of SAMPLES) yield s;
}
/** Ordered access, as the data layer gives it; `requested` records what the runner asked for. */
function ordered(requested: string[][]): (ids: readonly string[]) => AsyncIterable<TaskSample> {
  return async function* (ids) {
    requested.push([...ids]);
    for (const id of ids) yield byId.get(id)!;
  };
}

const scorer: Scorer<Json> = {
  name: "fake_exact",
  version: 1,
  primary: "accuracy",
  metrics: {
    accuracy: { description: "exact", aggregation: "mean", higherIsBetter: true, ci: { method: "mean" } },
  },
  scoreSample(prediction, ref) {
    const ok = prediction === (ref as { answer: string }).answer;
    return { score: ok ? 1 : 0, parsed: prediction, parseOk: true, rule: "exact" };
  },
  aggregate(samples) {
    return { accuracy: samples.reduce((s, x) => s + x.result.score, 0) / samples.length };
  },
};
const task = { name: "reusetask", version: 1, generation: { maxNewTokens: 4, stop: [] } };
const PREFIX = 9;

interface Call {
  id: string;
  reuse: boolean | undefined;
  returned: ReuseInfo | undefined;
}

/**
 * A backend with a cache of image features of its own: a call with `reuse: true` for an image it has seen
 * reports a reuse, anything else computes. `report: false` models a backend without caches.
 */
function cachingModel(opts: { report?: boolean; onCall?: (n: number) => void } = {}) {
  const calls: Call[] = [];
  const cached = new Set<string>();
  const model: ModelBackend = {
    info: {
      name: "fake/reuse",
      source: "memory",
      revision: null,
      dtype: { decoder: "fp32" },
      executionProvider: "cpu",
      threads: 1,
      fingerprint: "fp-reuse",
    },
    async generate(req: GenerateRequest, o?: GenerateOptions): Promise<Generation> {
      opts.onCall?.(calls.length + 1);
      await sleep(1, undefined, { signal: o?.signal });
      const image = req.images[0] === undefined ? null : Buffer.from(req.images[0].bytes).toString("hex");
      let info: ReuseInfo;
      if (image === null) info = { visionComputed: 0, visionReused: 0, prefixTokens: 0 };
      else if (o?.reuse === true && cached.has(image))
        info = { visionComputed: 0, visionReused: 1, prefixTokens: PREFIX };
      else {
        if (o?.reuse === true) cached.add(image);
        info = { visionComputed: 1, visionReused: 0, prefixTokens: 0 };
      }
      const returned = opts.report === false ? undefined : info;
      calls.push({ id: req.id ?? "", reuse: o?.reuse, returned });
      const i = Number((req.id ?? "q0").slice(1));
      return {
        text: i % 3 === 0 ? "No" : "Yes",
        tokens: [1],
        promptTokens: 20,
        visualTokens: 4,
        outputTokens: 1,
        timing: { preprocessMs: 1, visionMs: 1, prefillMs: 1, ttftMs: 3, decodeMs: 0, totalMs: 3 },
        ...(returned === undefined ? {} : { reuse: returned }),
      };
    },
    async dispose() {},
  };
  return { model, calls };
}

function settings(out: string, over: Partial<RunSettings> = {}): RunSettings {
  return {
    out,
    limit: null,
    subsetSeed: 0,
    shard: null,
    concurrency: 1,
    latencySamples: 0,
    warmup: 0,
    maxNewTokens: null,
    fresh: false,
    maxErrorRate: 0.01,
    reuse: true,
    promptSettings: {},
    ...over,
  };
}

function input(
  out: string,
  model: ModelBackend,
  over: Partial<RunSettings> = {},
  extra: Partial<TaskRunInput> = {},
): TaskRunInput {
  return {
    task,
    scorer,
    dataset: { repo: "org/reuse", config: "default", split: "test", sha: "b".repeat(40) },
    samples: stream,
    samplesInOrder: ordered([]),
    model,
    settings: settings(out, over),
    ...extra,
  };
}

/** run.json's summary recomputed from sample lines. */
function summed(records: readonly SampleRecord[]) {
  const s = { visionComputed: 0, visionReused: 0, prefixReused: 0, prefixTokensReused: 0 };
  for (const r of records) {
    if (r.reuse == null) continue;
    s.visionComputed += r.reuse.visionComputed;
    s.visionReused += r.reuse.visionReused;
    s.prefixReused += r.reuse.prefixTokens > 0 ? 1 : 0;
    s.prefixTokensReused += r.reuse.prefixTokens;
  }
  return s;
}

/** The sequence of groups (image key, or the id of a text-only sample) the ids run through. */
function groupsOf(ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const g = KEY.get(id) ?? id;
    if (out.at(-1) !== g) out.push(g);
  }
  return out;
}

describe("--reuse on", () => {
  it("accuracy calls may reuse, warm-up and latency calls are cold; lines and run.json record the backend's reports", async () => {
    const out = tmp();
    const { model, calls } = cachingModel();
    const { dir, record } = await runTask(input(out, model, { latencySamples: 3, warmup: 2 }));
    expect(calls).toHaveLength(N + 2 + 3);
    expect(calls.slice(0, N).every((c) => c.reuse === true)).toBe(true);
    expect(calls.slice(N).every((c) => c.reuse === false)).toBe(true);
    const lines = readSamples(dir).records;
    const returned = new Map(calls.slice(0, N).map((c) => [c.id, c.returned]));
    for (const r of lines) expect(r.reuse, r.id).toEqual(returned.get(r.id));
    const fromBackend = calls.slice(0, N).map((c) => c.returned!);
    expect(record.reuse).toEqual({
      mode: "on",
      visionComputed: fromBackend.reduce((n, r) => n + r.visionComputed, 0),
      visionReused: fromBackend.reduce((n, r) => n + r.visionReused, 0),
      prefixReused: fromBackend.filter((r) => r.prefixTokens > 0).length,
      prefixTokensReused: fromBackend.reduce((n, r) => n + r.prefixTokens, 0),
    });
    expect(record.reuse!.visionReused).toBeGreaterThan(0);
    expect(record.config).toMatchObject({ reuse: "on", shardBy: null });
    expect(validateRunRecord(readRunRecord(dir))).toEqual([]);
  });

  it("runs the questions of one image consecutively, images in order of first appearance", async () => {
    const requested: string[][] = [];
    const { model, calls } = cachingModel();
    await runTask(input(tmp(), model, {}, { samplesInOrder: ordered(requested) }));
    const ids = calls.map((c) => c.id);
    expect([...ids].sort()).toEqual(SAMPLES.map((s) => s.id).sort());
    // Each image is one run of consecutive calls, and the runs come in file order of first appearance.
    const groups = groupsOf(ids);
    expect(new Set(groups).size).toBe(groups.length);
    expect(groups).toEqual(groupsOf(SAMPLES.map((s) => s.id)).filter((g, i, a) => a.indexOf(g) === i));
    expect(requested).toEqual([ids]);
    // So each image is computed once and reused by its other questions.
    expect(calls.filter((c) => c.returned!.visionComputed > 0)).toHaveLength(IMAGES);
  });

  it("without ordered access takes file order, still passing reuse to the backend", async () => {
    const { model, calls } = cachingModel();
    const plain: TaskRunInput = { ...input(tmp(), model) };
    delete plain.samplesInOrder;
    await runTask(plain);
    expect(calls.map((c) => c.id)).toEqual(SAMPLES.map((s) => s.id));
    expect(calls.every((c) => c.reuse === true)).toBe(true);
  });

  it("a backend without reuse info: lines carry null and the summary counts nothing", async () => {
    const { model } = cachingModel({ report: false });
    const { dir, record } = await runTask(input(tmp(), model));
    expect(readSamples(dir).records.every((r) => r.reuse === null)).toBe(true);
    expect(record.reuse).toEqual({
      mode: "on",
      visionComputed: 0,
      visionReused: 0,
      prefixReused: 0,
      prefixTokensReused: 0,
    });
  });
});

describe("--reuse off", () => {
  it("every call is cold, in file order, and run.json says off", async () => {
    const requested: string[][] = [];
    const { model, calls } = cachingModel();
    const { record } = await runTask(
      input(
        tmp(),
        model,
        { reuse: false, latencySamples: 2, warmup: 1 },
        { samplesInOrder: ordered(requested) },
      ),
    );
    expect(calls.every((c) => c.reuse === false)).toBe(true);
    expect(calls.slice(0, N).map((c) => c.id)).toEqual(SAMPLES.map((s) => s.id));
    expect(record.reuse).toMatchObject({ mode: "off", visionReused: 0, prefixReused: 0 });
    expect(record.config).toMatchObject({ reuse: "off", shardBy: null });
  });
});

describe("identity and resume", () => {
  it("a run interrupted under --reuse on resumes under --reuse off in the same folder; run.json sums every record", async () => {
    const out = tmp();
    const controller = new AbortController();
    const first = cachingModel({ onCall: (n) => n === 15 && controller.abort() });
    await expect(runTask(input(out, first.model, {}, { signal: controller.signal }))).rejects.toBeInstanceOf(
      InterruptedError,
    );
    const second = cachingModel();
    const { dir, record } = await runTask(input(out, second.model, { reuse: false }));
    const done = N - second.calls.length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(15);
    expect(record.status).toBe("complete");
    const lines = readSamples(dir).records;
    expect(lines).toHaveLength(N);
    expect(record.reuse).toEqual({ mode: "off", ...summed(lines) });
    // The samples done under --reuse on kept what they reused.
    expect(record.reuse!.visionReused).toBeGreaterThan(0);
    expect(second.calls.every((c) => c.reuse === false)).toBe(true);
    // A third run with either mode finds it complete.
    const third = cachingModel();
    expect((await runTask(input(out, third.model))).dir).toBe(dir);
    expect(third.calls).toHaveLength(0);
  });

  it("a shard's identity carries its rule: the same shard under on and off is two folders", async () => {
    const out = tmp();
    const on = await runTask(input(out, cachingModel().model, { shard: { index: 0, count: 2 } }));
    const off = await runTask(
      input(out, cachingModel().model, { shard: { index: 0, count: 2 }, reuse: false }),
    );
    expect(on.dir).not.toBe(off.dir);
    expect(on.record.config).toMatchObject({ shardBy: "image", reuse: "on", subsetSize: N });
    expect(off.record.config).toMatchObject({ shardBy: "id", reuse: "off", subsetSize: N });
  });
});

describe("shards by image and merge", () => {
  it("each image's questions stay in one shard, and the merge equals the unsharded run", async () => {
    const whole = await runTask(input(tmp(), cachingModel().model));
    const out = tmp();
    const shardDirs: string[] = [];
    const shardOf = new Map<string, number>();
    for (let i = 0; i < 3; i++) {
      const r = await runTask(input(out, cachingModel().model, { shard: { index: i, count: 3 } }));
      shardDirs.push(r.dir);
      for (const rec of readSamples(r.dir).records) shardOf.set(rec.id, i);
    }
    for (let k = 0; k < IMAGES; k++) {
      const shards = SAMPLES.filter((s) => s.imageKey === `img${k}`).map((s) => shardOf.get(s.id));
      expect(new Set(shards).size, `img${k}`).toBe(1);
    }
    expect(new Set(shardOf.values()).size).toBeGreaterThan(1);
    const merged = await mergeRuns(shardDirs, tmp(), scorer);
    expect(merged.record.runId).toBe(whole.record.runId);
    const ids = (d: string) =>
      readSamples(d)
        .records.map((r) => r.id)
        .sort();
    expect(ids(merged.dir)).toEqual(ids(whole.dir));
    expect(merged.record.metrics).toEqual(whole.record.metrics);
    expect(merged.record.config.shardBy).toBe("image");
    expect(merged.record.reuse).toEqual({ mode: "on", ...summed(readSamples(merged.dir).records) });
    expect(validateRunRecord(merged.record)).toEqual([]);
  });

  it("refuses shards split by different rules, naming the rule and folders of each", async () => {
    const out = tmp();
    const a = await runTask(input(out, cachingModel().model, { shard: { index: 0, count: 2 } }));
    const b = await runTask(
      input(out, cachingModel().model, { shard: { index: 1, count: 2 }, reuse: false }),
    );
    const err = await mergeRuns([a.dir, b.dir], tmp(), scorer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/split by different rules/);
    expect(msg).toContain(`by image (--reuse on): ${a.dir}`);
    expect(msg).toContain(`by id (--reuse off): ${b.dir}`);
  });

  it("refuses shards that do not add up to the subset they were cut from", async () => {
    const out = tmp();
    // Shard 1 of a dataset copy whose samples carry no image key: hashed bytes split it another way.
    const unkeyed = SAMPLES.map(({ imageKey: _, ...s }) => s);
    async function* other(): AsyncGenerator<TaskSample> {
      for (const s of unkeyed) yield s;
    }
    const a = await runTask(input(out, cachingModel().model, { shard: { index: 0, count: 2 } }));
    const parts = [a.dir];
    for (const samples of [stream, other]) {
      const r = await runTask(
        input(
          out,
          cachingModel().model,
          { shard: { index: 1, count: 2 }, fresh: samples === other },
          {
            samples,
            samplesInOrder: undefined,
          },
        ),
      );
      parts.push(r.dir);
    }
    // The consistent pair merges; the odd pair either overlaps or leaves samples out, and is refused.
    await expect(mergeRuns([parts[0]!, parts[1]!], tmp(), scorer)).resolves.toBeDefined();
    const err = await mergeRuns([parts[0]!, parts[2]!], tmp(), scorer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/is in both|the run selected 36/);
  });
});

describe("--reuse flag", () => {
  it("defaults to on, takes on or off, and names a bad value", () => {
    expect(parseRunFlags(["pope"], { model: "baseline:random" }).settings.reuse).toBe(true);
    expect(parseRunFlags(["pope"], { model: "baseline:random", reuse: "off" }).settings.reuse).toBe(false);
    expect(parseRunFlags(["pope"], { model: "baseline:random", reuse: "on" }).settings.reuse).toBe(true);
    expect(() => parseRunFlags(["pope"], { model: "baseline:random", reuse: "maybe" })).toThrow(
      /--reuse must be on or off, got 'maybe'/,
    );
  });
});
