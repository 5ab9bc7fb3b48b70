/** `fastvlm-eval demo`: the whole pipeline offline, on bundled data and a tiny random-weight model. */
import type { Command } from "commander";

interface DemoFlags {
  out: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval demo                        results table on stdout, fastvlm-eval-demo/leaderboard/index.html
  $ fastvlm-eval demo --out /tmp/demo --json

Needs no network; the scores of random weights are ~0 (the point is that the pipeline runs).`;

/** Registers `demo`. */
export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "Run all six benchmarks offline on the bundled demo data (8 samples each) with a tiny random-weight " +
        "FastVLM: Hub download into a temp cache, concurrent run, scoring, latency pass, leaderboard.",
    )
    .option("--out <dir>", "output folder (predictions/ and leaderboard/ inside)", "fastvlm-eval-demo")
    .option("--json", "print the run records as JSON")
    .addHelpText("after", EXAMPLES)
    .action(async (flags: DemoFlags) => {
      const { checkOutputDir } = await import("../core/fs-errors.js");
      checkOutputDir(flags.out, "the demo's output folder (--out)");
      const { runDemo } = await import("../runner/demo.js");
      const { summaryTable } = await import("../runner/summary.js");
      const log = await import("../core/log.js");
      const controller = new AbortController();
      const onSignal = (signal: NodeJS.Signals): void => {
        log.warn(`${signal}: stopping (press Ctrl-C again to force quit).`);
        controller.abort();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const result = await runDemo({ out: flags.out, signal: controller.signal });
        const records = result.runs.map((r) => r.record);
        if (flags.json) log.outJson(records);
        else {
          log.out(summaryTable(records));
          log.out("");
          log.out(`Run folders: ${flags.out}/predictions/`);
          if (result.leaderboardDir) log.out(`Leaderboard: ${result.leaderboardDir}/index.html`);
          log.out(
            "The model has random weights and baseline:random guesses: the scores show the pipeline works, " +
              "not how good FastVLM is.",
          );
        }
      } finally {
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
      }
    });
}
