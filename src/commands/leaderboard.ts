/** `fastvlm-eval leaderboard`: leaderboard.json, README.md and index.html from every complete run. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";

/** Options of `leaderboard` as commander parses them. */
interface LeaderboardFlags {
  runs: string;
  out: string;
  format?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval leaderboard                                 predictions/ → leaderboard/
  $ fastvlm-eval leaderboard --runs runs --out site --format openvlm
  $ fastvlm-eval leaderboard --json > leaderboard.json

Partial runs and shard folders are skipped (with a warning); merge shards first.`;

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
      const { buildLeaderboard } = await import("../report/leaderboard.js");
      const { info, outJson, out } = await import("../core/log.js");
      const result = buildLeaderboard({
        runsDir: flags.runs,
        outDir: flags.out,
        ...(flags.format === "openvlm" ? { format: "openvlm" as const } : {}),
      });
      if (flags.json) outJson(result.leaderboard);
      else {
        info(`leaderboard: ${result.leaderboard.rows.length} row(s) from ${flags.runs}`);
        for (const f of result.files) out(f);
      }
    });
}
