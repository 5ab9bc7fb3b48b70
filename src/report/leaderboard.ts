/**
 * The leaderboard: every complete run under a folder → leaderboard.json (schema-validated), README.md and a
 * self-contained index.html. A row is one model on one device; a column is one task at one version and dataset
 * revision, so results of different task versions or dataset shas never share a column, and averages are
 * comparable only between rows of the same group (the same set of columns).
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { TASKS } from "../../tasks/index.js";
import { InternalError } from "../core/errors.js";
import { warn } from "../core/log.js";
import { type RunRecord, readRunRecord } from "../core/records.js";
import { modelClock } from "../core/timing.js";
import type { Json } from "../core/types.js";
import { cardReferenceRows, type LeaderboardReference } from "./card-reference.js";
import { mdTable, ms, pts } from "./format.js";
import { leaderboardHtml } from "./leaderboard-html.js";
import { leaderboardSchema } from "./leaderboard-schema.js";
import type {
  Leaderboard,
  LeaderboardCell,
  LeaderboardColumn,
  LeaderboardRow,
  LeaderboardTtft,
} from "./leaderboard-types.js";
import { deviceKey, deviceLabel, findRunDirs, noRuns, primaryMetricOf, stableJson } from "./runs.js";

/** Options of buildLeaderboard. */
export interface BuildLeaderboardOptions {
  /** Folder searched recursively for run.json (default `predictions/`). */
  runsDir: string;
  /** Output folder (default `leaderboard/`). */
  outDir: string;
  /** Also write OpenVLM.json-style rows. */
  format?: "openvlm";
  /** Only these tasks' runs (task names; groups already expanded); default all. */
  tasks?: string[];
  /** Add the model cards' published numbers as reference rows (default true). */
  cardReference?: boolean;
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

/**
 * Order for picking a row's TTFT: the tasks with a `ttftRank`, lowest first (single-image tasks first);
 * tasks without one rank after them, in registry order.
 */
const TTFT_TASK_ORDER = Object.values(TASKS)
  .filter((t) => t.ttftRank !== undefined)
  .sort((a, b) => a.ttftRank! - b.ttftRank!)
  .map((t) => t.name);

/** Column order: the registry's order. */
const TASK_ORDER = Object.keys(TASKS);

const ajv = new Ajv2020({ allErrors: true, strict: false });
const checkLeaderboard = ajv.compile(leaderboardSchema);

/** Problems of a leaderboard.json value (empty when valid). */
export function validateLeaderboard(value: unknown): string[] {
  return checkLeaderboard(value)
    ? []
    : (checkLeaderboard.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
}

function shortHash(text: string, n = 10): string {
  return createHash("sha256").update(text).digest("hex").slice(0, n);
}

function taskRank(task: string, order: string[]): number {
  const i = order.indexOf(task);
  return i < 0 ? order.length : i;
}

function columnKey(run: RunRecord): string {
  return `${run.task.name}@v${run.task.version}@${run.task.dataset.revision ?? "none"}`;
}

/** True for runs of the offline demo (synthetic data, random weights). */
export function isDemoRun(run: RunRecord): boolean {
  return run.config.demo === true;
}

/**
 * A run's on-device TTFT, or null. Only an on-device clock has one: a baseline answers without a model (its
 * "TTFT" is ~0 ms and would sit alone on the Pareto front) and a remote server's includes the network.
 */
function ttftOf(run: RunRecord): LeaderboardTtft | null {
  if (modelClock(run.model) !== "device") return null;
  const t = run.latency?.ttftMs;
  return t && t.n > 0 ? { p50: t.p50, p90: t.p90, n: t.n, task: run.task.name } : null;
}

/** Collects every complete run under `runsDir` into leaderboard data (no files written). */
export function collectLeaderboard(
  runsDir: string,
  options: Pick<BuildLeaderboardOptions, "tasks" | "cardReference"> = {},
): { leaderboard: Leaderboard; skipped: string[] } {
  const root = resolve(runsDir);
  const skipped: string[] = [];
  const runs: { dir: string; run: RunRecord }[] = [];
  for (const dir of findRunDirs(root)) {
    let run: RunRecord;
    try {
      // run.json alone: samples are not needed for the leaderboard.
      run = readRunRecord(dir);
    } catch (err) {
      skipped.push(`${relative(root, dir) || "."}: ${(err as Error).message.split("\n")[0]}`);
      continue;
    }
    if (run.status !== "complete") {
      skipped.push(`${relative(root, dir) || "."}: status ${run.status}`);
      continue;
    }
    if (run.shard != null) {
      // A shard scores a slice of the task; it would compete with (and can outrank) the merged run.
      skipped.push(
        `${relative(root, dir) || "."}: shard ${run.shard.index}/${run.shard.count} (rows use whole runs; \`fastvlm-eval merge\` the shards)`,
      );
      continue;
    }
    if (options.tasks && !options.tasks.includes(run.task.name)) continue;
    runs.push({ dir, run });
  }

  const columns = new Map<string, LeaderboardColumn>();
  for (const { run } of runs) {
    const key = columnKey(run);
    if (!columns.has(key)) {
      columns.set(key, {
        key,
        task: run.task.name,
        version: run.task.version,
        dataset: run.task.dataset.repo,
        revision: run.task.dataset.revision,
        metric: primaryMetricOf(run),
        label: run.task.name,
      });
    }
  }
  const ordered = [...columns.values()].sort(
    (a, b) =>
      taskRank(a.task, TASK_ORDER) - taskRank(b.task, TASK_ORDER) ||
      a.task.localeCompare(b.task) ||
      a.version - b.version ||
      String(a.revision).localeCompare(String(b.revision)),
  );
  for (const c of ordered) {
    if (ordered.filter((o) => o.task === c.task).length > 1) {
      c.label = `${c.task} v${c.version} (${c.revision === null ? "no sha" : c.revision.slice(0, 7)})`;
    }
  }

  const byRow = new Map<string, { dir: string; run: RunRecord }[]>();
  for (const r of runs) {
    const m = r.run.model;
    const key = stableJson([m.name, m.source, m.revision, m.dtype, deviceKey(r.run)]);
    const list = byRow.get(key) ?? [];
    list.push(r);
    byRow.set(key, list);
  }

  const rows: LeaderboardRow[] = [];
  for (const [key, list] of byRow) {
    // Latest run per column wins (a re-run replaces an older one).
    const perColumn = new Map<string, { dir: string; run: RunRecord }>();
    for (const r of list) {
      const k = columnKey(r.run);
      const prev = perColumn.get(k);
      if (!prev || String(r.run.finishedAt) > String(prev.run.finishedAt)) perColumn.set(k, r);
    }
    const chosen = [...perColumn.values()].sort(
      (a, b) =>
        ordered.findIndex((c) => c.key === columnKey(a.run)) -
        ordered.findIndex((c) => c.key === columnKey(b.run)),
    );
    // One variant per task in the average: the latest one.
    const latestPerTask = new Map<string, { dir: string; run: RunRecord }>();
    for (const r of chosen) {
      const prev = latestPerTask.get(r.run.task.name);
      if (!prev || String(r.run.finishedAt) > String(prev.run.finishedAt))
        latestPerTask.set(r.run.task.name, r);
    }
    const scores: Record<string, number> = {};
    const cells: Record<string, LeaderboardCell> = {};
    for (const r of chosen) {
      const metric = primaryMetricOf(r.run);
      const v = r.run.metrics[metric];
      if (v !== undefined && Number.isFinite(v)) {
        scores[columnKey(r.run)] = v;
        cells[columnKey(r.run)] = { n: r.run.nSamples.scored, ci: r.run.ci[metric] ?? null };
      }
    }
    const avgKeys = [...latestPerTask.values()]
      .map((r) => columnKey(r.run))
      .filter((k) => k in scores)
      .sort();
    const average = avgKeys.length > 0 ? avgKeys.reduce((s, k) => s + scores[k]!, 0) / avgKeys.length : null;
    const first = chosen[0]!.run;
    const ttftRun = [...chosen]
      .filter((r) => ttftOf(r.run) !== null)
      .sort(
        (a, b) => taskRank(a.run.task.name, TTFT_TASK_ORDER) - taskRank(b.run.task.name, TTFT_TASK_ORDER),
      )[0];
    const finished = chosen
      .map((r) => r.run.finishedAt)
      .filter((x): x is string => x !== null)
      .sort();
    rows.push({
      id: `r-${shortHash(key)}`,
      model: {
        name: first.model.name,
        source: first.model.source,
        revision: first.model.revision,
        dtype: first.model.dtype,
        executionProvider: first.model.executionProvider,
        threads: first.model.threads,
        clock: modelClock(first.model),
      },
      device: { key: shortHash(deviceKey(first)), label: deviceLabel(first) },
      group: avgKeys.join(","),
      scores,
      cells,
      ...(chosen.some((r) => isDemoRun(r.run)) ? { synthetic: true } : {}),
      average,
      ttft: ttftRun ? ttftOf(ttftRun.run) : null,
      date: finished.length > 0 ? finished[finished.length - 1]!.slice(0, 10) : null,
      runs: chosen.map((r) => ({
        runId: r.run.runId,
        task: r.run.task.name,
        column: columnKey(r.run),
        path: relative(root, r.dir).split("\\").join("/"),
        config: r.run.config,
        env: r.run.env as unknown as Record<string, Json>,
        metrics: r.run.metrics,
        nSamples: r.run.nSamples,
        ttft: ttftOf(r.run),
        finishedAt: r.run.finishedAt,
      })),
    });
  }

  // Name groups A, B, … by size so the largest (usually the full task set) is A.
  const groupKeys = [...new Set(rows.map((r) => r.group))].sort(
    (a, b) => b.split(",").length - a.split(",").length || a.localeCompare(b),
  );
  const groupId = new Map(
    groupKeys.map((k, i) => [k, String.fromCharCode(65 + (i % 26)) + (i >= 26 ? i : "")]),
  );
  for (const r of rows) r.group = groupId.get(r.group)!;
  rows.sort(
    (a, b) =>
      (b.average ?? -1) - (a.average ?? -1) ||
      a.model.name.localeCompare(b.model.name) ||
      a.id.localeCompare(b.id),
  );
  const all = runs
    .map((r) => r.run.finishedAt)
    .filter((x): x is string => x !== null)
    .sort();
  return {
    leaderboard: {
      schemaVersion: 1,
      generatedAt: all.length > 0 ? all[all.length - 1]! : null,
      columns: ordered,
      groups: groupKeys.map((k) => ({ id: groupId.get(k)!, columns: k === "" ? [] : k.split(",") })),
      rows,
      ...(options.cardReference === false ? {} : referencesField(ordered)),
    },
    skipped,
  };
}

/** `{references}` when any column is a model-card benchmark, else nothing (the field stays absent). */
function referencesField(columns: LeaderboardColumn[]): { references?: LeaderboardReference[] } {
  const references = cardReferenceRows(columns);
  return references.length > 0 ? { references } : {};
}

/** A score cell: `61.2 (n=500, 57.0–65.3)`, or `–`. */
export function cellText(row: LeaderboardRow, key: string): string {
  const v = row.scores[key];
  if (v === undefined) return "–";
  const cell = row.cells?.[key];
  if (cell === undefined) return pts(v);
  const ci = cell.ci !== null ? `, ${pts(cell.ci[0])}–${pts(cell.ci[1])}` : "";
  return `${pts(v)} (n=${cell.n}${ci})`;
}

/** The README.md table. */
export function leaderboardMarkdown(lb: Leaderboard): string {
  const multiGroup = lb.groups.length > 1;
  const header = [
    "model",
    ...lb.columns.map((c) => `${c.label} (${c.metric})`),
    "average",
    ...(multiGroup ? ["group"] : []),
    "TTFT p50",
    "TTFT p90",
    "device",
    "date",
  ];
  const rows = lb.rows.map((r) => [
    r.synthetic ? `${r.model.name} (demo: synthetic data, random weights)` : r.model.name,
    ...lb.columns.map((c) => cellText(r, c.key)),
    r.average !== null ? pts(r.average) : "–",
    ...(multiGroup ? [r.group] : []),
    r.ttft ? ms(r.ttft.p50) : "–",
    r.ttft ? ms(r.ttft.p90) : "–",
    r.device.label,
    r.date ?? "–",
  ]);
  for (const ref of lb.references ?? []) {
    rows.push([
      `${ref.label} — reference`,
      ...lb.columns.map((c) => (ref.scores[c.key] !== undefined ? pts(ref.scores[c.key]!) : "–")),
      "–",
      ...(multiGroup ? ["–"] : []),
      "–",
      "–",
      "–",
      "–",
    ]);
  }
  const synthetic = lb.rows.some((r) => r.synthetic);
  const lines = [
    "# Leaderboard",
    "",
    ...(synthetic
      ? [
          "> **Demo rows are not results.** Rows marked *demo* ran on the bundled synthetic data (8 generated samples per " +
            "task, not the real benchmark) with random weights; they show that the pipeline works, nothing about the model.",
          "",
        ]
      : []),
    "Scores are each task's primary metric × 100, with the number of samples scored (n) and the 95% interval. " +
      "Baselines and remote backends have no on-device clock and show no TTFT. TTFT is the serial latency pass (concurrency 1, after warm-up) " +
      `of the row's first task in the order ${TTFT_TASK_ORDER.join(", ")}, on the device shown.`,
    "",
    mdTable(header, rows),
    "",
  ];
  if (multiGroup) {
    lines.push(
      "Averages are comparable only within a group (the same task versions and dataset revisions):",
      "",
    );
    for (const g of lb.groups) {
      const labels = g.columns.map((k) => lb.columns.find((c) => c.key === k)?.label ?? k);
      lines.push(`- group ${g.id}: ${labels.join(", ") || "(none)"}`);
    }
    lines.push("");
  }
  if (lb.references && lb.references.length > 0) {
    lines.push(
      `Rows marked "reference" are published numbers, not runs (never averaged, no TTFT). ${lb.references[0]!.caveat}`,
      "",
    );
    for (const ref of lb.references) {
      lines.push(
        `- ${ref.label}: ${ref.source.url}${ref.source.commit ? ` (commit ${ref.source.commit})` : ""}`,
      );
    }
    lines.push("");
  }
  lines.push("Columns:", "");
  for (const c of lb.columns) {
    lines.push(
      `- ${c.label}: ${c.task} v${c.version}, ${c.dataset.replace(/[<>|]/g, "")} @ ${c.revision ?? "unpinned"}, ${c.metric}`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

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
