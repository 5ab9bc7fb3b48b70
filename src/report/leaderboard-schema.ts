/** JSON Schema (draft 2020-12) of leaderboard/leaderboard.json; `buildLeaderboard` validates with ajv on write. */

import { modelIdentitySchema } from "../core/schemas/records.js";

const nullableNumber = { type: ["number", "null"] } as const;

const ttft = {
  anyOf: [
    {
      type: "object",
      required: ["p50", "p90", "n", "task"],
      additionalProperties: false,
      properties: {
        p50: { type: "number" },
        p90: { type: "number" },
        n: { type: "integer", minimum: 0 },
        task: { type: "string" },
      },
    },
    { type: "null" },
  ],
} as const;

export const leaderboardSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://fastvlm-eval.dev/schemas/leaderboard.json",
  title: "leaderboard.json",
  type: "object",
  required: ["schemaVersion", "generatedAt", "columns", "groups", "rows"],
  additionalProperties: false,
  properties: {
    references: {
      type: "array",
      description: "Published numbers (model cards) shown as marked rows; never averaged, no TTFT.",
      items: {
        type: "object",
        required: ["id", "label", "model", "repo", "source", "caveat", "scores"],
        additionalProperties: false,
        properties: {
          id: { type: "string" },
          label: { type: "string" },
          model: { type: "string" },
          repo: { type: "string" },
          source: {
            type: "object",
            required: ["url", "commit"],
            additionalProperties: false,
            properties: { url: { type: "string" }, commit: { type: ["string", "null"] } },
          },
          caveat: { type: "string" },
          scores: { type: "object", additionalProperties: { type: "number" } },
        },
      },
    },
    schemaVersion: { const: 1 },
    generatedAt: { type: ["string", "null"], description: "Latest finishedAt of the included runs." },
    columns: {
      type: "array",
      items: {
        type: "object",
        required: ["key", "task", "version", "dataset", "revision", "metric", "label"],
        additionalProperties: false,
        properties: {
          key: { type: "string", description: "task@v<version>@<revision>" },
          task: { type: "string" },
          version: { type: "integer" },
          dataset: { type: "string" },
          revision: { type: ["string", "null"] },
          metric: { type: "string" },
          label: { type: "string" },
        },
      },
    },
    groups: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "columns"],
        additionalProperties: false,
        properties: {
          id: { type: "string" },
          columns: { type: "array", items: { type: "string" } },
        },
      },
    },
    rows: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "model", "device", "group", "scores", "average", "ttft", "date", "runs"],
        additionalProperties: false,
        properties: {
          id: { type: "string", pattern: "^[A-Za-z0-9_-]+$" },
          model: modelIdentitySchema,
          device: {
            type: "object",
            required: ["key", "label"],
            additionalProperties: false,
            properties: { key: { type: "string" }, label: { type: "string" } },
          },
          group: { type: "string" },
          scores: { type: "object", additionalProperties: { type: "number" } },
          average: nullableNumber,
          ttft,
          date: { type: ["string", "null"] },
          runs: {
            type: "array",
            items: {
              type: "object",
              required: [
                "runId",
                "task",
                "column",
                "path",
                "config",
                "env",
                "metrics",
                "nSamples",
                "ttft",
                "finishedAt",
              ],
              additionalProperties: false,
              properties: {
                runId: { type: "string" },
                task: { type: "string" },
                column: { type: "string" },
                path: { type: "string" },
                config: { type: "object" },
                env: { type: "object" },
                metrics: { type: "object", additionalProperties: { type: "number" } },
                nSamples: { type: "object" },
                ttft,
                finishedAt: { type: ["string", "null"] },
              },
            },
          },
        },
      },
    },
  },
} as const;
