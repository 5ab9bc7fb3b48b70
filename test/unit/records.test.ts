import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type RunRecord,
  readRunRecord,
  readSamples,
  type SampleRecord,
  SampleWriter,
  validateRunRecord,
  writeRunRecord,
} from "../../src/core/records.js";

function sample(id: string, score = 1): SampleRecord {
  return {
    id,
    stratum: null,
    prediction: "yes",
    parsed: "yes",
    parseOk: true,
    rule: "exact",
    score,
    reference: { answer: "yes" },
    error: null,
    timing: { preprocessMs: 1, visionMs: 2, prefillMs: 3, ttftMs: 7, decodeMs: 4, totalMs: 11 },
    tokens: { prompt: 300, visual: 256, output: 2 },
    concurrency: 1,
  };
}

function minimalRun(): RunRecord {
  return {
    schemaVersion: 1,
    runId: "r1",
    status: "complete",
    task: {
      name: "pope",
      version: 1,
      dataset: { repo: "lmms-lab/POPE", config: "default", split: "test", revision: null },
    },
    model: { name: "m", source: "builtin", revision: null, dtype: {}, executionProvider: "none", threads: 0 },
    config: {},
    env: {
      os: "linux",
      cpu: "x",
      cores: 2,
      memoryBytes: 1,
      node: "v20",
      onnxruntime: null,
      harness: "0.1.0",
      gitSha: null,
    },
    nSamples: { total: 1, scored: 1, failed: 0, parseFailures: 0 },
    metrics: { f1: 1 },
    ci: { f1: [0.5, 1] },
    latency: null,
    startedAt: new Date(0).toISOString(),
    finishedAt: null,
  };
}

describe("run records", () => {
  it("round-trips run.json and rejects invalid ones with every problem listed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rec-"));
    await writeRunRecord(dir, minimalRun());
    expect(readRunRecord(dir).metrics.f1).toBe(1);
    const bad = { ...minimalRun(), status: "done", metrics: { f1: "high" } };
    expect(validateRunRecord(bad).length).toBeGreaterThanOrEqual(2);
    writeFileSync(join(dir, "run.json"), JSON.stringify(bad));
    expect(() => readRunRecord(dir)).toThrow(/status|metrics/);
  });

  it("ignores a torn last line and the writer truncates it before appending", () => {
    const dir = mkdtempSync(join(tmpdir(), "rec-"));
    const w1 = new SampleWriter(dir, 0);
    w1.append(sample("a"));
    w1.append(sample("b"));
    w1.close();
    appendFileSync(join(dir, "samples.jsonl"), '{"id":"c","predic');
    const read = readSamples(dir);
    expect(read.records.map((r) => r.id)).toEqual(["a", "b"]);
    expect(read.tornTail).toBe(true);
    const w2 = new SampleWriter(dir, read.intactBytes);
    w2.append(sample("c"));
    w2.close();
    const text = readFileSync(join(dir, "samples.jsonl"), "utf8");
    expect(text.trim().split("\n")).toHaveLength(3);
    expect(readSamples(dir).records.map((r) => r.id)).toEqual(["a", "b", "c"]);
  });

  it("reports a corrupt middle line with its number", () => {
    const dir = mkdtempSync(join(tmpdir(), "rec-"));
    writeFileSync(
      join(dir, "samples.jsonl"),
      `${JSON.stringify(sample("a"))}\nnot json\n${JSON.stringify(sample("b"))}\n`,
    );
    expect(() => readSamples(dir)).toThrow(/line 2/);
  });
});
