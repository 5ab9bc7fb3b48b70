/** `fastvlm-eval gate`: exit 0 when the candidate holds every rule against the baseline, 1 when one fails. */
import type { Command } from "commander";
import { didYouMeanText, UsageError } from "../core/errors.js";
import type { GateResult } from "../report/gate.js";

/** Options of `gate` as commander parses them. */
interface GateFlags {
  baseline?: string;
  candidate?: string;
  maxDrop: string;
  min: string[];
  max: string[];
  maxTtftIncrease?: string;
  summary?: string;
  junit?: string;
  json?: boolean;
  seed: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval gate --baseline base/ --candidate pr/                   fail on any significant drop
  $ fastvlm-eval gate --baseline base/ --candidate pr/ --max-drop 1 --min docvqa=70 --max-ttft-increase 15
  $ fastvlm-eval gate --baseline base/ --candidate pr/ --junit gate.xml --json

Direction: each task's headline metric says whether higher or lower is better (its scorer's metadata).
--max-drop limits a change for the worse: a fall, or a rise for a lower-is-better metric. --min task=VALUE
is a floor (at least VALUE) and applies to a higher-is-better metric; --max task=VALUE is a ceiling (at most
VALUE) for a lower-is-better one. The other flag for a metric's direction is refused (exit 2).

Exit codes: 0 every rule passed, 1 a rule failed, 2 bad input (e.g. a missing run folder).`;

/** Registers `gate`. */
export function register(program: Command): void {
  declareFlags(program).action(gate);
}

/** The `gate` command with its flags and help. */
function declareFlags(program: Command): Command {
  return program
    .command("gate")
    .description(
      "Gate a candidate against a baseline: fails (exit 1) when a task drops more than --max-drop points with a " +
        "paired 95% interval entirely on the worse side of zero, when a task is under its --min (or over its --max), " +
        "or when TTFT p50 grows more than " +
        "--max-ttft-increase percent (same device only).",
    )
    .option("--baseline <run|dir>", "baseline run folder or folder of runs")
    .option("--candidate <run|dir>", "candidate run folder or folder of runs")
    .option(
      "--max-drop <POINTS>",
      "largest tolerated change for the worse in points (metric × 100; a rise for a lower-is-better metric)",
      "0",
    )
    .option(
      "--min <task=VALUE>",
      "floor per task for a higher-is-better metric; VALUE ≤ 1 is a fraction, > 1 is points (repeatable)",
      collect,
      [],
    )
    .option(
      "--max <task=VALUE>",
      "ceiling per task for a lower-is-better metric; VALUE as for --min (repeatable)",
      collect,
      [],
    )
    .option("--max-ttft-increase <PCT>", "largest tolerated TTFT p50 increase in percent")
    .option("--summary <FILE>", "write the Markdown report here (default: $GITHUB_STEP_SUMMARY when set)")
    .option("--junit <FILE>", "write JUnit XML, one testcase per rule")
    .option("--json", "print {pass, rules} as JSON")
    .option("--seed <S>", "bootstrap seed", "0")
    .addHelpText("after", EXAMPLES);
}

/** What the flags say, once every one is valid. */
interface GatePlan {
  /** --max-drop in points. */
  maxDrop: number;
  /** --max-ttft-increase in percent, or null. */
  maxTtft: number | null;
  /** --min per task (fractions): floors of higher-is-better metrics. */
  mins: Record<string, number>;
  /** --max per task (fractions): ceilings of lower-is-better metrics. */
  maxes: Record<string, number>;
  /** --seed. */
  seed: number;
}

/** Checks every flag, throwing one UsageError with every problem at once. */
async function validate(flags: GateFlags): Promise<GatePlan> {
  const problems: string[] = [];
  if (!flags.baseline) problems.push("--baseline is required");
  if (!flags.candidate) problems.push("--candidate is required");
  const maxDrop = Number(flags.maxDrop);
  if (!Number.isFinite(maxDrop) || maxDrop < 0)
    problems.push(`--max-drop ${flags.maxDrop}: expected points ≥ 0`);
  let maxTtft: number | null = null;
  if (flags.maxTtftIncrease !== undefined) {
    maxTtft = Number(flags.maxTtftIncrease);
    if (!Number.isFinite(maxTtft) || maxTtft < 0) {
      problems.push(`--max-ttft-increase ${flags.maxTtftIncrease}: expected a percentage ≥ 0`);
    }
  }
  const mins = await parseBoundFlags("--min", flags.min, problems);
  const maxes = await parseBoundFlags("--max", flags.max, problems);
  const { parseSeed } = await import("../report/compare.js");
  const seed = parseSeed(flags.seed, problems);
  await checkReportFiles(flags, problems);
  if (problems.length > 0) {
    throw new UsageError(
      problems.join("\n"),
      "Example: fastvlm-eval gate --baseline base/ --candidate pr/ --max-drop 1 --max-ttft-increase 10",
    );
  }
  return { maxDrop, maxTtft, mins, maxes, seed };
}

/**
 * The --min or --max rules; a malformed one, an unknown task or a bound against the metric's direction is
 * added to `problems`.
 */
async function parseBoundFlags(
  flag: "--min" | "--max",
  entries: string[],
  problems: string[],
): Promise<Record<string, number>> {
  const { parseBounds, boundDirectionProblem } = await import("../report/gate.js");
  const { higherIsBetter } = await import("../stats/metrics.js");
  let bounds: Record<string, number> = {};
  try {
    bounds = parseBounds(flag, entries);
  } catch (err) {
    if (err instanceof UsageError) problems.push(err.message);
    else throw err;
  }
  const { TASKS } = await import("../../tasks/index.js");
  const known = Object.keys(TASKS);
  for (const task of Object.keys(bounds)) {
    const def = TASKS[task];
    if (def === undefined) {
      const near = didYouMeanText(task, known);
      const hint = near === "" ? "" : ` ${near}`;
      problems.push(`${flag} ${task}=…: unknown task '${task}'.${hint} Tasks: ${known.join(", ")}`);
      continue;
    }
    const { scorer } = def;
    const wrong = boundDirectionProblem(flag, task, scorer.primary, higherIsBetter(scorer, scorer.primary));
    if (wrong !== null) problems.push(wrong);
  }
  return bounds;
}

/** Report files are checked before judging, so a CI step does not learn of a bad path only at the end. */
async function checkReportFiles(flags: GateFlags, problems: string[]): Promise<void> {
  const { checkOutputFile, FileSystemError } = await import("../core/fs-errors.js");
  const summaryTarget = flags.summary ?? process.env.GITHUB_STEP_SUMMARY;
  for (const [file, what] of [
    [summaryTarget, flags.summary !== undefined ? "--summary" : "$GITHUB_STEP_SUMMARY"],
    [flags.junit, "--junit"],
  ] as const) {
    if (file === undefined || file === "") continue;
    try {
      checkOutputFile(file, what);
    } catch (err) {
      if (!(err instanceof FileSystemError)) throw err;
      problems.push(`${err.message} ${err.hint ?? ""}`.trim());
    }
  }
}

/** The action: validate, judge, write the reports, print the rules; a failed rule throws GateFailedError. */
async function gate(flags: GateFlags): Promise<void> {
  const plan = await validate(flags);
  const { loadRunSet, runSetLabel } = await import("../report/runs.js");
  const { evaluateGate, gateMarkdown } = await import("../report/gate.js");
  const { loadScorerLookup } = await import("../report/scorers.js");
  const { GateFailedError } = await import("../core/errors.js");
  const { out, outJson } = await import("../core/log.js");
  const baseline = loadRunSet(flags.baseline!);
  const candidate = loadRunSet(flags.candidate!);
  const result = evaluateGate(
    baseline,
    candidate,
    { maxDropPoints: plan.maxDrop, min: plan.mins, max: plan.maxes, maxTtftIncreasePct: plan.maxTtft },
    {
      seed: plan.seed,
      scorers: await loadScorerLookup(),
    },
  );
  const md = gateMarkdown(result, {
    baseline: runSetLabel(flags.baseline!, baseline),
    candidate: runSetLabel(flags.candidate!, candidate),
  });
  const summaryFile = await writeReports(flags, result, md);
  if (flags.json) {
    const { gateJson } = await import("../report/gate.js");
    outJson(gateJson(result));
  } else {
    for (const r of result.rules) {
      out(`${r.skipped ? "SKIP" : r.pass ? "PASS" : "FAIL"}  ${r.name}: ${r.detail}`);
    }
  }
  if (!result.pass) {
    const failed = result.rules.filter((r) => !r.pass).map((r) => r.name);
    const where = summaryFile ? `the rules above or the summary in ${summaryFile}` : "the rules above";
    throw new GateFailedError(
      `gate failed: ${failed.join(", ")}`,
      `See ${where}; a FAIL line says which limit was crossed and by how much.`,
    );
  }
}

/** Writes the Markdown summary and the JUnit XML where asked; returns the summary file, if any. */
async function writeReports(flags: GateFlags, result: GateResult, md: string): Promise<string | undefined> {
  const { writeFileSync, appendFileSync } = await import("node:fs");
  const { gateJunit } = await import("../report/gate.js");
  const { info } = await import("../core/log.js");
  const summaryFile = flags.summary ?? process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    // The step summary file is shared by a job's steps: append. An explicit --summary is overwritten.
    if (flags.summary) writeFileSync(summaryFile, md);
    else appendFileSync(summaryFile, md);
    info(`gate: wrote the summary to ${summaryFile}`);
  }
  if (flags.junit) {
    writeFileSync(flags.junit, gateJunit(result));
    info(`gate: wrote JUnit XML to ${flags.junit}`);
  }
  return summaryFile;
}
