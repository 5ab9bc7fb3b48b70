/**
 * Gate rules for pull requests: accuracy drops (points beyond --max-drop AND a paired 95% interval entirely
 * on the worse side of zero), per-task bounds (`--min` for a higher-is-better headline metric, `--max` for a
 * lower-is-better one), and TTFT growth on the same device. Pure decisions plus Markdown and JUnit renderings.
 * A metric's direction is its scorer's `higherIsBetter` (src/stats/metrics.ts).
 */
import { UsageError } from "../core/errors.js";
import {
  type CompareOptions,
  compareTask,
  failedNote,
  runHigherIsBetter,
  type TaskComparison,
} from "./compare.js";
import { ciPts, mdTable, ms, pts, signed, signedPts } from "./format.js";
import { healthSentence, runHealth } from "./health.js";
import type { LoadedRun } from "./runs.js";

/** The thresholds of a gate. */
export interface GateRules {
  /**
   * Largest tolerated change for the worse in points (metric × 100): a fall, or a rise for a lower-is-better
   * metric; 0 means any significant worsening fails.
   */
  maxDropPoints: number;
  /** Floor per task for a higher-is-better headline metric, in the metric's own scale (0..1). */
  min: Record<string, number>;
  /** Ceiling per task for a lower-is-better headline metric, in the metric's own scale (0..1). */
  max?: Record<string, number>;
  /** Largest tolerated TTFT p50 increase in percent, or null to not judge latency. */
  maxTtftIncreasePct: number | null;
}

/** The outcome of one rule. */
export interface RuleResult {
  /** Rule name, e.g. `accuracy/docvqa`, `min/pope`, `max/<task>`, `latency/docvqa`. */
  name: string;
  /** True when the rule holds (or was not judged). */
  pass: boolean;
  /** True when the rule could not be judged (e.g. a different device); `pass` is then true. */
  skipped: boolean;
  /** One-line explanation with the numbers. */
  detail: string;
  /** Accuracy rules: shared ids whose sample failed on each side (counted as wrong). */
  failed?: { baseline: number; candidate: number };
}

/** The gate's result. */
export interface GateResult {
  /** True when every rule passes. */
  pass: boolean;
  /** Every rule in order. */
  rules: RuleResult[];
  /** The per-task comparisons the rules were judged on. */
  comparisons: TaskComparison[];
}

/** A per-task bound flag: `--min` (at least, higher-is-better) or `--max` (at most, lower-is-better). */
export type BoundFlag = "--min" | "--max";

/**
 * Parses `--min task=VALUE` or `--max task=VALUE` entries. VALUE ≤ 1 is a fraction in the metric's scale;
 * VALUE > 1 is points (so `docvqa=0.7` and `docvqa=70` mean the same). Every bad entry is reported at once.
 */
export function parseBounds(flag: BoundFlag, entries: readonly string[]): Record<string, number> {
  const bounds: Record<string, number> = {};
  const problems: string[] = [];
  for (const entry of entries) {
    const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(entry.trim());
    const value = m ? Number(m[2]) : Number.NaN;
    if (!m || !Number.isFinite(value) || value < 0 || value > 100) {
      problems.push(`${flag} ${entry}: expected task=VALUE with VALUE a fraction (0..1) or points (1..100)`);
      continue;
    }
    bounds[m[1]!] = value > 1 ? value / 100 : value;
  }
  if (problems.length > 0) {
    const example = flag === "--min" ? "--min docvqa=0.70 --min pope=85" : "--max <task>=0.05";
    throw new UsageError(problems.join("\n"), `Example: ${example}`);
  }
  return bounds;
}

/**
 * The flag that bounds a metric of the given direction, and the problem when `flag` is the other one: a
 * floor on a lower-is-better metric (or a ceiling on a higher-is-better one) would reward getting worse.
 */
export function boundDirectionProblem(
  flag: BoundFlag,
  task: string,
  metric: string,
  higherIsBetter: boolean,
): string | null {
  const wanted: BoundFlag = higherIsBetter ? "--min" : "--max";
  if (flag === wanted) return null;
  return (
    `${flag} ${task}=…: ${task}'s ${metric} is ${higherIsBetter ? "higher" : "lower"}-is-better, so it takes ` +
    `${wanted} ${task}=VALUE (${wanted === "--min" ? "at least" : "at most"} VALUE)`
  );
}

function accuracyRule(c: TaskComparison, maxDropPoints: number): RuleResult {
  const name = `accuracy/${c.task}`;
  if (c.issues.length > 0) {
    return { name, pass: false, skipped: false, detail: `not comparable: ${c.issues.join("; ")}` };
  }
  if (c.shared === 0) {
    return { name, pass: false, skipped: false, detail: "the runs share no sample ids; nothing to compare" };
  }
  // A drop is a change against the metric's direction (for a lower-is-better metric, a rise).
  const dropPts = (c.higherIsBetter ? -c.delta : c.delta) * 100;
  const significant = c.higherIsBetter ? c.ci[1] < 0 : c.ci[0] > 0;
  const fail = dropPts > maxDropPoints && significant;
  const numbers = `${c.metric} ${pts(c.values[0])} → ${pts(c.values[1])}, Δ ${signedPts(c.delta)} pts, 95% CI ${ciPts(
    c.ci,
  )} over ${c.shared} shared samples`;
  let why: string;
  if (fail)
    why = `drop exceeds ${maxDropPoints} pts and the interval lies ${c.higherIsBetter ? "below" : "above"} zero${
      c.higherIsBetter ? "" : ` (lower ${c.metric} is better)`
    }`;
  else if (dropPts > maxDropPoints) why = `within noise (the interval includes zero)`;
  else why = `within the allowed drop of ${maxDropPoints} pts`;
  const failed = failedNote(c);
  return {
    name,
    pass: !fail,
    skipped: false,
    detail: `${numbers}: ${why}${failed === null ? "" : `; ${failed}`}`,
    failed: c.failed,
  };
}

/** `run/<task>`: both sides must be whole results (complete, not mostly failed, not a lone shard). */
function healthRule(c: TaskComparison): RuleResult {
  const sentences = (["candidate", "baseline"] as const)
    .map((side) => healthSentence(side, c.health[side]))
    .filter((s): s is string => s !== null);
  if (sentences.length === 0) {
    const subset =
      c.unpaired.baseline > 0
        ? `; compared on the ${c.shared} shared samples (${c.unpaired.baseline} baseline samples are not in the candidate, e.g. a --limit subset)`
        : "";
    return { name: `run/${c.task}`, pass: true, skipped: false, detail: `both runs are complete${subset}` };
  }
  return { name: `run/${c.task}`, pass: false, skipped: false, detail: sentences.join("; ") };
}

function boundRule(
  flag: BoundFlag,
  task: string,
  bound: number,
  candidate: LoadedRun | undefined,
  options: CompareOptions,
): RuleResult {
  const name = `${flag.slice(2)}/${task}`;
  if (!candidate) return { name, pass: false, skipped: false, detail: `no candidate run of ${task}` };
  const unhealthy = healthSentence("candidate", runHealth(candidate));
  if (unhealthy !== null) return { name, pass: false, skipped: false, detail: `not judged: ${unhealthy}` };
  const metric = candidate.primaryMetric;
  const wrongWay = boundDirectionProblem(
    flag,
    task,
    metric,
    runHigherIsBetter(candidate.run, metric, options.scorers),
  );
  if (wrongWay !== null) return { name, pass: false, skipped: false, detail: `not judged: ${wrongWay}` };
  const value = candidate.run.metrics[metric];
  if (value === undefined) {
    return { name, pass: false, skipped: false, detail: `the candidate has no ${metric} value` };
  }
  const pass = flag === "--min" ? value >= bound : value <= bound;
  const [holds, breaks, what] = flag === "--min" ? ["≥", "<", "minimum"] : ["≤", ">", "maximum"];
  return {
    name,
    pass,
    skipped: false,
    detail: `${metric} ${pts(value)} ${pass ? holds : breaks} ${what} ${pts(bound)}`,
  };
}

function latencyRule(c: TaskComparison, maxPct: number): RuleResult {
  const name = `latency/${c.task}`;
  const l = c.latency;
  if (l.status !== "compared") {
    const reason =
      l.status === "different-device" ? "not judged: different device" : `not judged: ${l.reason}`;
    return {
      name,
      pass: true,
      skipped: true,
      detail: l.status === "different-device" ? `${reason} (${l.reason})` : reason,
    };
  }
  const grew = l.p50ChangePct > maxPct;
  const base = `TTFT p50 ${ms(l.baseline.p50)} → ${ms(l.candidate.p50)} (${signed(l.p50ChangePct, 1, "%")}, limit +${maxPct}%)`;
  if (l.p50ChangeCi === null) {
    return {
      name,
      pass: !grew,
      skipped: false,
      detail: `${base}; judged on p50 alone: no per-sample serial timings to bootstrap`,
    };
  }
  const significant = l.p50ChangeCi[0] > 0;
  const ci = `95% CI [${signed(l.p50ChangeCi[0], 1, "%")}, ${signed(l.p50ChangeCi[1], 1, "%")}]`;
  const fail = grew && significant;
  const why = fail
    ? "grew beyond the limit"
    : grew
      ? "within noise (the interval includes no change)"
      : "within the limit";
  return { name, pass: !fail, skipped: false, detail: `${base}, ${ci}: ${why}` };
}

/** Judges a candidate against a baseline. Tasks only in the candidate are ignored; tasks only in the baseline fail. */
export function evaluateGate(
  baseline: Map<string, LoadedRun>,
  candidate: Map<string, LoadedRun>,
  rules: GateRules,
  options: CompareOptions = {},
): GateResult {
  const results: RuleResult[] = [];
  const comparisons: TaskComparison[] = [];
  for (const task of [...baseline.keys()].sort()) {
    const b = baseline.get(task)!;
    const c = candidate.get(task);
    if (!c) {
      results.push({
        name: `accuracy/${task}`,
        pass: false,
        skipped: false,
        detail: `no candidate run of ${task}`,
      });
      continue;
    }
    const cmp = compareTask(b, c, options);
    comparisons.push(cmp);
    results.push(accuracyRule(cmp, rules.maxDropPoints));
    if (rules.maxTtftIncreasePct !== null) results.push(latencyRule(cmp, rules.maxTtftIncreasePct));
    results.push(healthRule(cmp));
  }
  for (const [flag, bounds] of [
    ["--min", rules.min],
    ["--max", rules.max ?? {}],
  ] as const) {
    for (const [task, bound] of Object.entries(bounds).sort(([a], [b]) => a.localeCompare(b))) {
      results.push(boundRule(flag, task, bound, candidate.get(task), options));
    }
  }
  return { pass: results.every((r) => r.pass), rules: results, comparisons };
}

/** The gate as Markdown (for $GITHUB_STEP_SUMMARY). */
export function gateMarkdown(result: GateResult, labels: { baseline: string; candidate: string }): string {
  const status = result.pass ? "✅ passed" : "❌ failed";
  const failed = result.rules.filter((r) => !r.pass).length;
  const lines = [
    `## Eval gate: ${status}`,
    "",
    `Baseline \`${labels.baseline.replace(/`/g, "'")}\` vs candidate \`${labels.candidate.replace(/`/g, "'")}\`: ${
      result.rules.length
    } rule(s), ${failed} failed.`,
    "",
    mdTable(
      ["rule", "result", "detail"],
      result.rules.map((r) => [r.name, r.skipped ? "skipped" : r.pass ? "pass" : "FAIL", r.detail]),
    ),
    "",
    "_Accuracy fails only when the change for the worse (a fall; a rise for a lower-is-better metric) exceeds the limit and the paired 95% bootstrap interval lies entirely on the worse side of zero._",
    "",
  ];
  return lines.join("\n");
}

/** Escapes text for XML attribute values and character data. */
export function xmlEscape(text: string): string {
  return (
    text
      // Characters XML 1.0 does not allow at all.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
  );
}

/** The gate as JUnit XML: one testcase per rule. */
export function gateJunit(result: GateResult): string {
  const failures = result.rules.filter((r) => !r.pass).length;
  const skipped = result.rules.filter((r) => r.skipped).length;
  const cases = result.rules.map((r) => {
    const open = `    <testcase classname="fastvlm-eval.gate" name="${xmlEscape(r.name)}" time="0">`;
    let body: string;
    if (!r.pass)
      body = `      <failure message="${xmlEscape(r.detail)}" type="GateFailed">${xmlEscape(r.detail)}</failure>`;
    else if (r.skipped) body = `      <skipped message="${xmlEscape(r.detail)}"/>`;
    else body = `      <system-out>${xmlEscape(r.detail)}</system-out>`;
    return `${open}\n${body}\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="fastvlm-eval gate" tests="${result.rules.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="eval-gate" tests="${result.rules.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}

/** The gate as JSON: `{pass, rules: [{name, pass, detail, skipped}]}`. */
export function gateJson(result: GateResult): { pass: boolean; rules: RuleResult[] } {
  return { pass: result.pass, rules: result.rules };
}
