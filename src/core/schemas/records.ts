/**
 * JSON Schemas (draft 2020-12) of the files a run folder holds: run.json and each samples.jsonl line.
 * The TypeScript types in src/core/records.ts mirror these; ajv validates on write and on read.
 */

const latencyStats = {
  type: "object",
  required: ["p50", "p90", "p99", "mean", "stdev", "n"],
  additionalProperties: false,
  properties: {
    p50: { type: "number" },
    p90: { type: "number" },
    p99: { type: "number" },
    mean: { type: "number" },
    stdev: { type: "number" },
    n: { type: "integer", minimum: 0 },
  },
} as const;

/** `ModelIdentity` (src/core/types.ts): run.json's model adds a fingerprint; leaderboard rows show it as is. */
export const modelIdentitySchema = {
  type: "object",
  required: ["name", "source", "revision", "dtype", "executionProvider", "threads"],
  additionalProperties: false,
  properties: {
    name: { type: "string" },
    source: { type: "string" },
    revision: { type: ["string", "null"] },
    dtype: { type: "object", additionalProperties: { type: "string" } },
    executionProvider: { type: "string" },
    threads: { type: "integer", minimum: 0 },
    // The backend's clock (src/core/types.ts TimingClock); optional: older run folders lack it.
    clock: { enum: ["device", "remote", "none"] },
  },
} as const;

const timing = {
  type: "object",
  required: ["preprocessMs", "visionMs", "prefillMs", "ttftMs", "decodeMs", "totalMs"],
  additionalProperties: false,
  properties: {
    preprocessMs: { type: "number" },
    visionMs: { type: "number" },
    prefillMs: { type: "number" },
    ttftMs: { type: "number" },
    decodeMs: { type: "number" },
    totalMs: { type: "number" },
  },
} as const;

const reuseInfo = {
  type: "object",
  required: ["visionComputed", "visionReused", "prefixTokens"],
  additionalProperties: false,
  properties: {
    visionComputed: { type: "integer", minimum: 0 },
    visionReused: { type: "integer", minimum: 0 },
    prefixTokens: { type: "integer", minimum: 0 },
  },
} as const;

const reuseSummary = {
  type: "object",
  required: ["mode", "visionComputed", "visionReused", "prefixReused", "prefixTokensReused"],
  additionalProperties: false,
  properties: {
    mode: { enum: ["on", "off"] },
    visionComputed: { type: "integer", minimum: 0 },
    visionReused: { type: "integer", minimum: 0 },
    prefixReused: { type: "integer", minimum: 0 },
    prefixTokensReused: { type: "integer", minimum: 0 },
  },
} as const;

export const sampleRecordSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://fastvlm-eval.dev/schemas/sample-record.json",
  title: "One line of samples.jsonl",
  type: "object",
  required: [
    "id",
    "prediction",
    "parsed",
    "parseOk",
    "rule",
    "score",
    "reference",
    "error",
    "timing",
    "concurrency",
  ],
  additionalProperties: false,
  properties: {
    id: { type: "string", minLength: 1 },
    stratum: { type: ["string", "null"] },
    prediction: { type: ["string", "null"] },
    parsed: {},
    parseOk: { type: "boolean" },
    rule: { type: "string" },
    score: { type: ["number", "null"] },
    reference: {},
    error: { type: ["string", "null"] },
    timing: { anyOf: [timing, { type: "null" }] },
    tokens: {
      anyOf: [
        {
          type: "object",
          required: ["prompt", "visual", "output"],
          additionalProperties: false,
          properties: {
            prompt: { type: "integer", minimum: 0 },
            visual: { type: "integer", minimum: 0 },
            output: { type: "integer", minimum: 0 },
          },
        },
        { type: "null" },
      ],
    },
    concurrency: { type: "integer", minimum: 0 },
    reuse: { anyOf: [reuseInfo, { type: "null" }] },
  },
} as const;

export const runRecordSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://fastvlm-eval.dev/schemas/run-record.json",
  title: "run.json",
  type: "object",
  required: [
    "schemaVersion",
    "runId",
    "status",
    "task",
    "model",
    "config",
    "env",
    "nSamples",
    "metrics",
    "ci",
    "latency",
    "startedAt",
    "finishedAt",
  ],
  additionalProperties: false,
  properties: {
    schemaVersion: { const: 1 },
    runId: { type: "string", pattern: "^[A-Za-z0-9._-]+$" },
    status: { enum: ["complete", "partial"] },
    task: {
      type: "object",
      required: ["name", "version", "dataset"],
      additionalProperties: false,
      properties: {
        name: { type: "string" },
        version: { type: "integer" },
        scorer: {
          type: "object",
          required: ["name", "version"],
          additionalProperties: false,
          properties: { name: { type: "string" }, version: { type: "integer" } },
        },
        primaryMetric: { type: "string" },
        dataset: {
          type: "object",
          required: ["repo", "config", "split", "revision"],
          additionalProperties: false,
          properties: {
            repo: { type: "string" },
            config: { type: "string" },
            split: { type: "string" },
            revision: { type: ["string", "null"] },
          },
        },
      },
    },
    model: {
      ...modelIdentitySchema,
      properties: { ...modelIdentitySchema.properties, fingerprint: { type: "string" } },
    },
    config: { type: "object" },
    env: {
      type: "object",
      required: ["os", "cpu", "cores", "memoryBytes", "node", "onnxruntime", "harness", "gitSha"],
      additionalProperties: false,
      properties: {
        os: { type: "string" },
        cpu: { type: "string" },
        cores: { type: "integer" },
        memoryBytes: { type: "number" },
        node: { type: "string" },
        onnxruntime: { type: ["string", "null"] },
        harness: { type: "string" },
        gitSha: { type: ["string", "null"] },
        fingerprint: { type: "string" },
      },
    },
    nSamples: {
      type: "object",
      required: ["total", "scored", "failed", "parseFailures"],
      additionalProperties: false,
      properties: {
        total: { type: "integer", minimum: 0 },
        scored: { type: "integer", minimum: 0 },
        failed: { type: "integer", minimum: 0 },
        parseFailures: { type: "integer", minimum: 0 },
      },
    },
    metrics: { type: "object", additionalProperties: { type: "number" } },
    ci: {
      type: "object",
      additionalProperties: {
        type: "array",
        prefixItems: [{ type: "number" }, { type: "number" }],
        minItems: 2,
        maxItems: 2,
      },
    },
    latency: {
      anyOf: [
        {
          type: "object",
          required: [
            "ttftMs",
            "preprocessMs",
            "visionMs",
            "prefillMs",
            "decodeTokensPerSec",
            "warmup",
            "measuredAtConcurrency",
          ],
          additionalProperties: false,
          properties: {
            ttftMs: latencyStats,
            preprocessMs: latencyStats,
            visionMs: latencyStats,
            prefillMs: latencyStats,
            decodeTokensPerSec: { type: "number" },
            warmup: { type: "integer", minimum: 0 },
            measuredAtConcurrency: { const: 1 },
            sampleIds: { type: "array", items: { type: "string" } },
          },
        },
        { type: "null" },
      ],
    },
    startedAt: { type: "string" },
    finishedAt: { type: ["string", "null"] },
    shard: {
      anyOf: [
        {
          type: "object",
          required: ["index", "count"],
          additionalProperties: false,
          properties: { index: { type: "integer", minimum: 0 }, count: { type: "integer", minimum: 1 } },
        },
        { type: "null" },
      ],
    },
    identity: { type: "string" },
    notes: { type: "array", items: { type: "string" } },
    reuse: reuseSummary,
  },
} as const;
