/**
 * `compare` over several run sets: each later set against the first, per task, rendered as a terminal table,
 * Markdown or JSON.
 */
import { type CompareOptions, compareTask, failedNote, type TaskComparison } from "./compare.js";
import { ciPts, clip, mdTable, ms, pts, signed, signedPts, textTable } from "./format.js";
import { healthSentence } from "./health.js";
import type { LoadedRun } from "./runs.js";

/** One comparison row: a task, the baseline set and one candidate set. */
export interface CompareEntry extends TaskComparison {
  /** Label of the baseline run set. */
  baselineLabel: string;
  /** Label of the candidate run set. */
  candidateLabel: string;
}

/** A labelled set of runs (one per task). */
export interface RunSet {
  /** Model name or the argument given. */
  label: string;
  /** Runs by task. */
  runs: Map<string, LoadedRun>;
}

/** The whole comparison. */
export interface CompareReport {
  /** Labels of the run sets, the first is the baseline. */
  labels: string[];
  /** One entry per task per candidate set. */
  entries: CompareEntry[];
  /** Tasks present in some sets but not others, as sentences. */
  missing: string[];
}

/** Compares every later run set against the first, task by task. */
export function compareRunSets(sets: RunSet[], options: CompareOptions = {}): CompareReport {
  const [base, ...rest] = sets;
  if (!base) return { labels: [], entries: [], missing: [] };
  const entries: CompareEntry[] = [];
  const missing: string[] = [];
  const tasks = [...new Set(sets.flatMap((s) => [...s.runs.keys()]))].sort();
  for (const task of tasks) {
    const b = base.runs.get(task);
    for (const cand of rest) {
      const c = cand.runs.get(task);
      if (!b || !c) {
        missing.push(`${task}: no run in ${!b ? base.label : cand.label}`);
        continue;
      }
      entries.push({ ...compareTask(b, c, options), baselineLabel: base.label, candidateLabel: cand.label });
    }
  }
  return { labels: sets.map((s) => s.label), entries, missing };
}

/** What right means in the flip counts (isRight in compare.ts). */
const RIGHT_NOTE =
  "Right = score ≥ 0.5, or ≤ 0.5 for a lower-is-better metric (a failed sample is wrong). " +
  "Δ is candidate − baseline: for a lower-is-better metric a negative Δ is the improvement.";

function latencyCells(e: CompareEntry): [string, string] {
  const l = e.latency;
  if (l.status !== "compared") {
    const cell = {
      missing: "no latency",
      "different-device": "other device",
      "no-device-clock": "no device clock",
    };
    return [cell[l.status], ""];
  }
  return [
    `${signed(l.deltaP50Ms, 0, " ms")} (${signed(l.p50ChangePct, 1, "%")})`,
    signed(l.deltaP90Ms, 0, " ms"),
  ];
}

function rowsOf(report: CompareReport): { header: string[]; rows: string[][] } {
  const header = [
    "task",
    "metric",
    "baseline",
    "candidate",
    "Δ pts",
    "95% CI",
    "shared",
    "R→W",
    "W→R",
    "TTFT p50 Δ",
    "TTFT p90 Δ",
  ];
  const rows = report.entries.map((e) => {
    const [p50, p90] = latencyCells(e);
    return [
      e.task,
      e.higherIsBetter ? e.metric : `${e.metric} (lower is better)`,
      `${pts(e.values[0])} ${e.baselineLabel}`,
      `${pts(e.values[1])} ${e.candidateLabel}`,
      signedPts(e.delta),
      ciPts(e.ci),
      String(e.shared),
      String(e.flips.rightToWrong),
      String(e.flips.wrongToRight),
      p50,
      p90,
    ];
  });
  return { header, rows };
}

function notes(report: CompareReport): string[] {
  const lines: string[] = [];
  for (const e of report.entries) {
    for (const side of ["baseline", "candidate"] as const) {
      const sentence = healthSentence(side, e.health[side]);
      if (sentence !== null) lines.push(`${e.task}: WARNING: ${sentence}.`);
    }
    const un = e.unpaired;
    if (un.baseline + un.candidate > 0) {
      lines.push(
        `${e.task}: ${un.baseline} id(s) only in the baseline and ${un.candidate} only in the candidate were left out of the paired comparison.`,
      );
    }
    const failed = failedNote(e);
    if (failed !== null) lines.push(`${e.task}: ${failed}.`);
    if (e.issues.length > 0) lines.push(`${e.task}: not strictly comparable: ${e.issues.join("; ")}.`);
    if (e.latency.status !== "compared") lines.push(`${e.task}: latency not compared: ${e.latency.reason}.`);
    else {
      const l = e.latency;
      lines.push(
        `${e.task}: TTFT p50 ${ms(l.baseline.p50)} → ${ms(l.candidate.p50)}, p90 ${ms(l.baseline.p90)} → ${ms(
          l.candidate.p90,
        )} on ${l.device}.`,
      );
    }
  }
  for (const m of report.missing) lines.push(m);
  return lines;
}

function exampleLines(e: CompareEntry): string[] {
  const out: string[] = [];
  const show = (label: string, list: CompareEntry["examples"]["rightToWrong"], total: number): void => {
    if (total === 0) return;
    out.push(`${e.task} ${label} (${total}; first ${list.length}):`);
    for (const x of list)
      out.push(`  ${x.id}: ${JSON.stringify(clip(x.baseline))} → ${JSON.stringify(clip(x.candidate))}`);
  };
  show("right→wrong", e.examples.rightToWrong, e.flips.rightToWrong);
  show("wrong→right", e.examples.wrongToRight, e.flips.wrongToRight);
  return out;
}

/** Terminal rendering. */
export function compareText(report: CompareReport): string {
  const { header, rows } = rowsOf(report);
  const parts = [textTable(header, rows)];
  const n = notes(report);
  if (n.length > 0) parts.push(n.join("\n"));
  const ex = report.entries.flatMap(exampleLines);
  if (ex.length > 0) parts.push(ex.join("\n"));
  parts.push(`${RIGHT_NOTE} CI: seeded paired bootstrap over shared ids.`);
  return `${parts.join("\n\n")}\n`;
}

/** Markdown rendering. */
export function compareMarkdown(report: CompareReport): string {
  const { header, rows } = rowsOf(report);
  const parts = ["## Compare", mdTable(header, rows)];
  const n = notes(report);
  if (n.length > 0)
    parts.push(n.map((l) => `- ${l.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)}`).join("\n"));
  for (const e of report.entries) {
    for (const dir of ["rightToWrong", "wrongToRight"] as const) {
      const list = e.examples[dir];
      if (list.length === 0) continue;
      parts.push(
        `### ${e.task}: ${dir === "rightToWrong" ? "right → wrong" : "wrong → right"} (${e.flips[dir]}, first ${list.length})\n\n${mdTable(
          ["id", "baseline", "candidate"],
          list.map((x) => [x.id, clip(x.baseline, 80), clip(x.candidate, 80)]),
        )}`,
      );
    }
  }
  parts.push(`_${RIGHT_NOTE} CI: seeded paired bootstrap over shared ids._`);
  return `${parts.join("\n\n")}\n`;
}

/** JSON rendering: one object per task (per candidate when more than two sets). */
export function compareJson(report: CompareReport): unknown[] {
  return report.entries.map((e) => ({
    task: e.task,
    metric: e.metric,
    baseline: e.baselineLabel,
    candidate: e.candidateLabel,
    values: e.values.map(nullIfNaN),
    delta: nullIfNaN(e.delta),
    higherIsBetter: e.higherIsBetter,
    ci: e.ci.map(nullIfNaN),
    method: e.method,
    shared: e.shared,
    unpaired: e.unpaired,
    flips: e.flips,
    failed: e.failed,
    examples: e.examples,
    latency: e.latency,
    issues: e.issues,
    health: e.health,
  }));
}

function nullIfNaN(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
