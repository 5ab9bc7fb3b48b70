/**
 * `fastvlm-eval score`: scores predictions without inference.
 *
 *   score --task <task> --predictions <file.jsonl> --out <dir>   score a file of {id, prediction, doc} lines
 *   score <run-dir>                                              re-score a saved run with the current scorer
 *
 * Heavy and shared modules load inside the action so `--help` stays fast; the scoring itself is in
 * scoring.ts.
 */
import type { Command } from "commander";
import type { RunRecord } from "../core/records.js";
import { oneTaskHelp } from "./help-lists.js";
import type { ScoreResult } from "./scoring.js";

interface ScoreFlags {
  task?: string;
  predictions?: string;
  out?: string;
  json?: boolean;
  seed?: string;
}

const EXAMPLES = `
Modes:
  score --task <task> --predictions <file.jsonl> --out <dir>
      each line: {"id": …, "prediction": …, "doc": {Hub row fields}}; writes <dir>/samples.jsonl and run.json
  score <run-dir>
      re-score a saved run with the current scorer (rewrites its scores and metrics)

Examples:
  $ fastvlm-eval score --task pope --predictions preds.jsonl --out scored/pope
  $ fastvlm-eval score predictions/fastvlm-0.5b/docvqa/<run-id> --json`;

/** Registers `score`. */
export function register(program: Command): void {
  program
    .command("score")
    .summary("score a predictions file with the reference metric, or re-score a saved run")
    .description(
      "Score predictions with the benchmark's reference metric, without running a model: a predictions file " +
        "made anywhere, or a saved run folder (see Modes below).",
    )
    .argument("[run-dir]", "a run folder to re-score")
    .option("--task <task>", oneTaskHelp("task of the predictions file"))
    .option("--predictions <file>", "JSONL file of {id, prediction, doc} lines")
    .option("--out <dir>", "folder to write samples.jsonl and run.json into")
    .option("--seed <S>", "seed of the bootstrap confidence intervals", "0")
    .option("--json", "print the run record as JSON")
    .addHelpText("after", EXAMPLES)
    .action(async (runDir: string | undefined, flags: ScoreFlags) => {
      const { UsageError } = await import("../core/errors.js");
      const log = await import("../core/log.js");
      const seed = Number(flags.seed ?? "0");
      if (!Number.isInteger(seed) || seed < 0) {
        throw new UsageError(`--seed must be a non-negative integer (got '${flags.seed}').`);
      }
      const { rescoreRun, scorePredictions } = await import("./scoring.js");
      let result: ScoreResult;
      if (runDir !== undefined) {
        if (flags.predictions !== undefined || flags.task !== undefined || flags.out !== undefined) {
          throw new UsageError(
            "Give either a run folder or --task/--predictions/--out, not both.",
            "Re-score: fastvlm-eval score <run-dir>. Score a file: fastvlm-eval score --task T --predictions F --out D.",
          );
        }
        result = await rescoreRun(runDir);
      } else {
        const missing = (["task", "predictions", "out"] as const).filter((k) => flags[k] === undefined);
        if (missing.length > 0) {
          throw new UsageError(
            `score needs a run folder, or --task, --predictions and --out (missing: ${missing
              .map((m) => `--${m}`)
              .join(", ")}).`,
            "Example: fastvlm-eval score --task docvqa --predictions preds.jsonl --out scored/docvqa",
          );
        }
        result = await scorePredictions(flags.task!, flags.predictions!, flags.out!, seed);
      }
      log.info(`wrote ${result.dir}`);
      if (flags.json) log.outJson({ dir: result.dir, ...result.record });
      else log.out(metricsTable(result.record));
    });
}

/** The metrics table printed on stdout: primary metric first, then the rest in the scorer's order. */
export function metricsTable(record: RunRecord): string {
  const primary = record.task.primaryMetric;
  const names = Object.keys(record.metrics);
  const ordered =
    primary && names.includes(primary) ? [primary, ...names.filter((n) => n !== primary)] : names;
  const width = Math.max(6, ...ordered.map((n) => n.length));
  const rows = ordered.map((name) => {
    const v = record.metrics[name]!;
    const ci = record.ci[name];
    // Counts (MMMU's random_fallbacks) print as integers; rates and scores always with four decimals.
    const isCount = name === "random_fallbacks" || name.endsWith("_count");
    const value = isCount ? String(v) : v.toFixed(4);
    return `${name.padEnd(width)}  ${value}${ci ? `  [${ci[0].toFixed(4)}, ${ci[1].toFixed(4)}]` : ""}`;
  });
  const n = record.nSamples;
  return [
    `${record.task.name} (task v${record.task.version}, scorer ${record.task.scorer?.name ?? "?"} v${record.task.scorer?.version ?? "?"}): ${n.scored} scored, ${n.failed} failed, ${n.parseFailures} parse failures`,
    `${"metric".padEnd(width)}  value  [95% CI]`,
    ...rows,
  ].join("\n");
}
