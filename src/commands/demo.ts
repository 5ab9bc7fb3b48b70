/** `fastvlm-eval demo`: the whole pipeline offline, on bundled data and a tiny random-weight model. */
import type { Command } from "commander";

interface DemoFlags {
  out: string;
  json?: boolean;
  serve?: boolean;
  port?: string;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval demo                        results table on stdout, fastvlm-eval-demo/leaderboard/index.html
  $ fastvlm-eval demo --out /tmp/demo --json
  $ fastvlm-eval demo --serve                 keep going offline: serves the demo data, prints HF_ENDPOINT,
                                              the tiny model's --model and the next commands

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
    .option("--serve", "serve the bundled data on a loopback Hub until Ctrl-C and print how to use it")
    .option("--port <N>", "port for --serve (127.0.0.1 only; 0: a free port)", "0")
    .addHelpText("after", EXAMPLES)
    .action(async (flags: DemoFlags) => {
      const { checkOutputDir } = await import("../core/fs-errors.js");
      checkOutputDir(flags.out, "the demo's output folder (--out)");
      if (flags.serve) {
        await serve(flags);
        return;
      }
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
          log.out(`Samples: HF_HOME=${flags.out}/hf npx fastvlm-eval view ${flags.out}/predictions`);
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

async function serve(flags: DemoFlags): Promise<void> {
  const { UsageError } = await import("../core/errors.js");
  const port = Number(flags.port ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got '${flags.port}'.`);
  }
  const { resolve } = await import("node:path");
  const { serveDemo, serveInstructions } = await import("../runner/demo.js");
  const log = await import("../core/log.js");
  const server = await serveDemo({ port });
  const out = resolve(flags.out);
  if (flags.json) log.outJson({ endpoint: server.url, model: server.modelDir, data: server.dataDir, out });
  else log.out(serveInstructions(server, out));
  // Serve until Ctrl-C or SIGTERM; stopping is the normal end (exit 0).
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      done();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  log.info("demo: stopped serving.");
}
