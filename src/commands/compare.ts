/** `fastvlm-eval compare <run...>`: paired comparison of runs against the first. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { cardModelList } from "./help-lists.js";

/** Options of `compare` as commander parses them. */
interface CompareFlags {
  json?: boolean;
  md?: boolean;
  seed: string;
  card?: string;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval compare predictions/ckpt-a predictions/ckpt-b        one model folder each: all their tasks
  $ fastvlm-eval compare base/ pr/ --md > compare.md            Markdown for a PR comment
  $ fastvlm-eval compare runs/a/pope/<run-id> runs/b/pope/<run-id> --json
  $ fastvlm-eval compare predictions/fastvlm-0.5b --card fastvlm-0.5b   each task against the model card

A folder of runs may hold one run per task; shard folders beside their merged run are ignored.`;

/** Registers `compare`. */
export function register(program: Command): void {
  program
    .command("compare")
    .description(
      "Compare runs against the first: primary metric deltas with paired bootstrap 95% CIs, right/wrong flips, " +
        "and TTFT deltas (only on the same device). Each <run> is a run folder or a folder of runs.",
    )
    .argument("<run...>", "run folders or folders of runs (the first is the baseline)")
    .option("--json", "print machine-readable JSON")
    .option("--md", "print Markdown")
    .option("--seed <S>", "bootstrap seed", "0")
    .option("--card <model>", `instead: each run's delta to a FastVLM model card (${cardModelList()})`)
    .addHelpText("after", EXAMPLES)
    .action(async (args: string[], flags: CompareFlags) => {
      const problems: string[] = [];
      if (args.length < 2 && flags.card === undefined)
        problems.push("compare needs at least two runs (a baseline and a candidate), or one with --card");
      if (flags.json && flags.md) problems.push("--json and --md are exclusive");
      const { parseSeed } = await import("../report/compare.js");
      const seed = parseSeed(flags.seed, problems);
      if (problems.length > 0)
        throw new UsageError(problems.join("\n"), "Example: fastvlm-eval compare runs/a runs/b");
      if (flags.card !== undefined) {
        const { compareToCard } = await import("../report/card-compare.js");
        await compareToCard(args, flags.card, flags.json ? "json" : flags.md ? "md" : "text");
        return;
      }
      const { loadRunSet, runSetLabel } = await import("../report/runs.js");
      const { compareRunSets, compareJson, compareMarkdown, compareText } = await import(
        "../report/compare-report.js"
      );
      const { loadScorerLookup } = await import("../report/scorers.js");
      const { out, outJson, warn } = await import("../core/log.js");
      const sets = args.map((arg) => {
        const runs = loadRunSet(arg);
        return { label: runSetLabel(arg, runs), runs };
      });
      // Same model name on both sides (e.g. two checkpoints of one model): fall back to the arguments.
      if (new Set(sets.map((s) => s.label)).size < sets.length) {
        sets.forEach((s, i) => {
          s.label = args[i]!;
        });
      }
      const report = compareRunSets(sets, {
        seed,
        scorers: await loadScorerLookup(),
      });
      if (report.entries.length === 0) {
        throw new UsageError(
          "The runs share no task.",
          `Tasks: ${sets.map((s) => `${s.label}: ${[...s.runs.keys()].join(", ")}`).join("; ")}`,
        );
      }
      if (flags.json) {
        for (const m of report.missing) warn(m);
        outJson(compareJson(report));
      } else if (flags.md) out(compareMarkdown(report));
      else out(compareText(report));
    });
}
