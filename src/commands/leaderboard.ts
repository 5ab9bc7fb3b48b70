/** `fastvlm-eval leaderboard`: leaderboard.json, README.md and index.html from every complete run. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { tasksOrGroupsHelp } from "./help-lists.js";

/** Options of `leaderboard` as commander parses them. */
interface LeaderboardFlags {
  runs: string;
  out: string;
  format?: string;
  json?: boolean;
  tasks?: string[];
  card: boolean;
  viewer?: string;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval leaderboard                                 predictions/ → leaderboard/
  $ fastvlm-eval leaderboard --runs runs --out site --format openvlm
  $ fastvlm-eval leaderboard --json > leaderboard.json
  $ fastvlm-eval leaderboard --tasks fastvlm-card             the model-card benchmarks only
  $ fastvlm-eval leaderboard --viewer ../viewer/index.html   scores link to a \`view --export ../viewer\` folder

Partial runs and shard folders are skipped (with a warning); merge shards first.
The FastVLM model cards' published numbers appear as marked reference rows (never averaged, no TTFT)
under the card benchmarks' columns; --no-card leaves them out.`;

/** Registers `leaderboard`. */
export function register(program: Command): void {
  program
    .command("leaderboard")
    .description(
      "Build leaderboard.json, README.md and a self-contained index.html (sortable table, accuracy-vs-TTFT " +
        "scatter with its Pareto front, run details) from every complete run.json under --runs.",
    )
    .option("--runs <DIR>", "folder searched recursively for run.json", "predictions")
    .option("--out <DIR>", "output folder", "leaderboard")
    .option("--format <FORMAT>", "also write another format: openvlm (openvlm.json)")
    .option("--json", "print the leaderboard data as JSON")
    .option("--tasks <task...>", tasksOrGroupsHelp("only these tasks or task groups"))
    .option("--no-card", "leave out the model cards' published numbers")
    .option(
      "--viewer <URL>",
      "link each score to its run in `fastvlm-eval view` (its URL, or a path to its --export)",
    )
    .addHelpText("after", EXAMPLES)
    .action(async (flags: LeaderboardFlags) => {
      if (flags.format !== undefined && flags.format !== "openvlm") {
        const { unknownName } = await import("../core/errors.js");
        throw unknownName("format", flags.format, ["openvlm"]);
      }
      const { existsSync } = await import("node:fs");
      if (!existsSync(flags.runs)) {
        throw new UsageError(
          `No runs folder ${flags.runs}.`,
          "Run `fastvlm-eval run …` first or pass --runs DIR.",
        );
      }
      const { checkOutputDir } = await import("../core/fs-errors.js");
      checkOutputDir(flags.out, "the leaderboard folder (--out)");
      let tasks: string[] | undefined;
      if (flags.tasks !== undefined) {
        const { TASKS } = await import("../../tasks/index.js");
        const { expandTaskNames, taskAndGroupNames } = await import("../../tasks/groups.js");
        const { unknownName } = await import("../core/errors.js");
        tasks = expandTaskNames(flags.tasks);
        const unknown = tasks.find((t) => !(t in TASKS));
        if (unknown !== undefined) throw unknownName("task", unknown, taskAndGroupNames());
      }
      const { buildLeaderboard } = await import("../report/leaderboard.js");
      const { info, outJson, out } = await import("../core/log.js");
      const result = buildLeaderboard({
        runsDir: flags.runs,
        outDir: flags.out,
        ...(flags.format === "openvlm" ? { format: "openvlm" as const } : {}),
        ...(tasks ? { tasks } : {}),
        cardReference: flags.card,
        ...(flags.viewer !== undefined ? { viewer: flags.viewer } : {}),
      });
      if (flags.json) outJson(result.leaderboard);
      else {
        info(`leaderboard: ${result.leaderboard.rows.length} row(s) from ${flags.runs}`);
        for (const f of result.files) out(f);
      }
    });
}
