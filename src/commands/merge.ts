/** `fastvlm-eval merge <run-dir...> --out DIR`: joins the shard folders of one run. */
import type { Command } from "commander";

interface MergeFlags {
  out?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval merge predictions/fastvlm-0.5b/docvqa/*    a glob over the task folder works (non-shards are skipped)
  $ fastvlm-eval merge shard0/ shard1/ shard2/ --out predictions --json`;

/** Registers `merge`. */
export function register(program: Command): void {
  program
    .command("merge")
    .description(
      "Join the shard folders of one run (run --shard i/n) into one complete run folder under --out: " +
        "checks they are the same run, disjoint and all present; recomputes metrics and CIs from the samples.",
    )
    .argument("<run-dir...>", "shard run folders")
    .option("--out <dir>", "root folder of run folders (default: the root the first shard folder is in)")
    .option("--json", "print the merged run record as JSON")
    .addHelpText("after", EXAMPLES)
    .action(async (dirs: string[], flags: MergeFlags) => {
      const { resolve } = await import("node:path");
      const { readRunRecord } = await import("../core/records.js");
      const { UsageError } = await import("../core/errors.js");
      const { SCORERS } = await import("../../scorers/index.js");
      const { mergeRuns, outRootOf } = await import("../runner/merge.js");
      const { loadCi } = await import("../runner/index.js");
      const { summaryTable } = await import("../runner/summary.js");
      const log = await import("../core/log.js");
      if (flags.out !== undefined) {
        const { checkOutputDir } = await import("../core/fs-errors.js");
        checkOutputDir(flags.out, "the merged run's root folder (--out)");
      }
      const first = readRunRecord(resolve(dirs[0]!));
      const key = first.task.scorer?.name ?? "";
      const scorer = SCORERS[key];
      if (!scorer) throw new UsageError(`The runs use scorer '${key}', which this version does not have.`);
      const { dir, record } = await mergeRuns(
        dirs.map((d) => resolve(d)),
        flags.out !== undefined ? resolve(flags.out) : outRootOf(resolve(dirs[0]!)),
        scorer,
        await loadCi(),
      );
      log.info(`merged into ${dir}`);
      if (flags.json) log.outJson(record);
      else log.out(summaryTable([record]));
    });
}
