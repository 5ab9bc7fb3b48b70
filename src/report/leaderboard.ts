/**
 * The leaderboard: every complete run under a folder → leaderboard.json (schema-validated), README.md and a
 * self-contained index.html. A row is one model on one device; a column is one task at one version and dataset
 * revision, so results of different task versions or dataset shas never share a column, and averages are
 * comparable only between rows of the same group (the same set of columns). The data comes from
 * leaderboard-collect.ts, the README from leaderboard-markdown.ts, the page from leaderboard-html.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InternalError } from "../core/errors.js";
import { warn } from "../core/log.js";
import { type SchemaCheck, schemaCheck } from "../core/schema-check.js";
import type { Json } from "../core/types.js";
import { type CollectLeaderboardOptions, collectLeaderboard } from "./leaderboard-collect.js";
import { leaderboardHtml } from "./leaderboard-html.js";
import { leaderboardMarkdown } from "./leaderboard-markdown.js";
import { leaderboardSchema } from "./leaderboard-schema.js";
import type { Leaderboard } from "./leaderboard-types.js";
import { noRuns } from "./runs.js";

/** Options of buildLeaderboard (with collectLeaderboard's `tasks` and `cardReference`). */
export interface BuildLeaderboardOptions extends CollectLeaderboardOptions {
  /** Folder searched recursively for run.json (default `predictions/`). */
  runsDir: string;
  /** Output folder (default `leaderboard/`). */
  outDir: string;
  /** Also write OpenVLM.json-style rows. */
  format?: "openvlm";
  /** URL or path of a `fastvlm-eval view` server or export: score cells link to their run there. */
  viewer?: string;
}

/** What buildLeaderboard wrote. */
export interface BuildLeaderboardResult {
  /** The leaderboard data. */
  leaderboard: Leaderboard;
  /** Absolute paths written. */
  files: string[];
  /** Runs skipped (partial, shards or unreadable), with the reason. */
  skipped: string[];
}

/** Problems of a leaderboard.json value (empty when valid). */
export const validateLeaderboard: SchemaCheck = schemaCheck(leaderboardSchema, { strict: false });

const OPENVLM_NAMES: Record<string, string> = {
  gqa: "GQA_TestDev_Balanced",
  textvqa: "TextVQA_VAL",
  docvqa: "DocVQA_VAL",
  pope: "POPE",
  seedbench: "SEEDBench_IMG",
  mmmu: "MMMU_DEV_VAL",
};

/** OpenVLM.json-style results: `{time, results: {model: {META, <Benchmark>: {Overall}}}}` in points. */
export function leaderboardOpenVlm(lb: Leaderboard): Record<string, Json> {
  const results: Record<string, Json> = {};
  for (const r of lb.rows) {
    const name =
      lb.rows.filter((o) => o.model.name === r.model.name).length > 1
        ? `${r.model.name} (${r.device.label})`
        : r.model.name;
    const entry: Record<string, Json> = {
      META: {
        Method: [
          r.model.name,
          r.model.source.startsWith("http") ? r.model.source : `https://huggingface.co/${r.model.source}`,
        ],
        Parameters: "",
        "Language Model": "",
        "Vision Model": "",
        OpenSource: "Yes",
        Verified: "No",
        Org: "",
        Time: r.date ?? "",
        Device: r.device.label,
      },
    };
    for (const c of lb.columns) {
      const v = r.scores[c.key];
      if (v === undefined) continue;
      const bench = OPENVLM_NAMES[c.task] ?? c.task;
      const key = lb.columns.filter((o) => o.task === c.task).length > 1 ? `${bench}_v${c.version}` : bench;
      entry[key] = { Overall: Math.round(v * 1000) / 10 };
    }
    results[name] = entry;
  }
  return { time: lb.generatedAt, results };
}

/** Builds and writes leaderboard.json, README.md, index.html (and openvlm.json with `format: "openvlm"`). */
export function buildLeaderboard(options: BuildLeaderboardOptions): BuildLeaderboardResult {
  const { leaderboard, skipped } = collectLeaderboard(options.runsDir, options);
  for (const s of skipped) warn(`leaderboard: skipped ${s}`);
  if (leaderboard.rows.length === 0) throw noRuns(options.runsDir);
  const problems = validateLeaderboard(leaderboard);
  if (problems.length > 0)
    throw new InternalError(`leaderboard.json would be invalid: ${problems.join("; ")}`);
  const out = resolve(options.outDir);
  mkdirSync(out, { recursive: true });
  const files: [string, string][] = [
    ["leaderboard.json", `${JSON.stringify(leaderboard, null, 2)}\n`],
    ["README.md", leaderboardMarkdown(leaderboard)],
    ["index.html", leaderboardHtml(leaderboard, options.viewer ?? null)],
  ];
  if (options.format === "openvlm") {
    files.push(["openvlm.json", `${JSON.stringify(leaderboardOpenVlm(leaderboard), null, 2)}\n`]);
  }
  const written: string[] = [];
  for (const [name, text] of files) {
    const path = join(out, name);
    writeFileSync(path, text);
    written.push(path);
  }
  return { leaderboard, files: written, skipped };
}
