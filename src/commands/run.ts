/** `fastvlm-eval run <task...> --model …`: concurrent, resumable, timed benchmark runs. */
import type { Command } from "commander";
import { BUDGET_RULE } from "../runner/failure-budget.js";
import type { RunFlags } from "../runner/flags.js";
import { addEngineOptions } from "./engine-options.js";
import { tasksOrGroupsHelp } from "./help-lists.js";

const EXAMPLES = `
Examples:
  $ fastvlm-eval run pope --model fastvlm-0.5b --limit 300          a seeded stratified subset of 300
  $ fastvlm-eval run pope docvqa mmmu --model fastvlm-0.5b --concurrency 2 --json
  $ fastvlm-eval run docvqa --model ./my-checkpoint --dtype vision=fp16,decoder=q4,embed=fp16
  $ fastvlm-eval run pope --model baseline:random --latency-samples 0   chance level, no latency pass
  $ fastvlm-eval run pope --model openai:http://127.0.0.1:8000/v1#Qwen2-VL-7B --concurrency 8
  $ fastvlm-eval run docvqa --model fastvlm-0.5b --shard 0/3        then \`fastvlm-eval merge\` the shards
  $ fastvlm-eval run fastvlm-card --model fastvlm-0.5b --limit 20   the eleven model-card benchmarks

Re-run the same command to resume (Ctrl-C saves and exits 130); --fresh starts a new run folder.
Exit codes: 0 ok, 2 bad input, 3 Hub/network, 4 model/backend, 5 too many failed samples, 130 interrupted.
Failure budget (--max-error-rate R): ${BUDGET_RULE}. An empty answer is an answer (scored), not a failure.
--reuse on (default): questions of one image run together and the backend computes the image's features and
the prompt prefix once (FastVLM; cache size --reuse-cache-mb). Predictions are byte-identical to --reuse off;
the latency pass is always cold. --reuse is not part of the run identity, so a run resumes under either mode.
Shards: with --reuse on, --shard partitions by a stable hash of each sample's image key (the task's image id
column, else a sha256 of the image bytes; samples without an image by id), so an image's questions stay in one
shard; with --reuse off, by id. The rule (config.shardBy) is part of a shard's identity, and merge refuses
shards made with different rules: run every shard with the same --reuse.
--max-new-tokens must be at least 1 (0 is a usage error).`;

/** Registers `run`. */
export function register(program: Command): void {
  const command = program
    .command("run")
    .description(
      "Run benchmarks on a model: rows stream from the Hub cache, generations run concurrently, every sample is " +
        "scored and appended to <out>/<model>/<task>/<run-id>/samples.jsonl; then a serial latency pass (TTFT). " +
        "Re-running the same command resumes; kill -9 safe.",
    )
    .argument("<task...>", tasksOrGroupsHelp("task names or groups"))
    .option(
      "--model <name>",
      "registry name (fastvlm-0.5b), model folder, baseline:random, baseline:constant=<text> or openai:<url>#<model>",
    )
    .option("--limit <N>", "a seeded, stratified subset of N samples")
    .option("--subset-seed <S>", "seed of the subset, latency subset and bootstrap", "0")
    .option(
      "--shard <i/n|auto>",
      "evaluate shard i of n (stable hash of image keys with --reuse on, of ids with --reuse off); auto: JOB_COMPLETION_INDEX/EVAL_SHARD_COUNT",
    )
    .option(
      "--reuse <on|off>",
      "reuse vision features and the prompt prefix's KV cache across questions of one image (same outputs; see below)",
      "on",
    )
    .option("--concurrency <N>", "generations in flight (also the openai: backend's request bound)", "1")
    .option("--latency-samples <N>", "samples timed in the serial latency pass (0: none)", "20")
    .option("--warmup <N>", "uncounted warm-up generations before the latency pass", "2")
    .option("--max-new-tokens <N>", "override the task's max new tokens (at least 1)")
    .option("--out <dir>", "root folder of run folders", "predictions")
    .option("--fresh", "start a new run folder instead of resuming")
    .option(
      "--max-error-rate <R>",
      "failure budget: stop (exit 5) when failures show the rate exceeds R (see below)",
      "0.01",
    )
    .option("--json", "print the run records as JSON")
    .option("--revision <rev>", "dataset branch, tag or sha instead of the locked one")
    .option("--dataset-repo <repo>", "use this dataset repo instead of the task's (one task)")
    .option("--lock <file>", "dataset lock file", undefined)
    .option("--retries <N>", "retries per request: Hub downloads and openai: model requests");
  addEngineOptions(command)
    .addHelpText("after", EXAMPLES)
    .action(async (names: string[], flags: RunFlags) => {
      const { parseRunFlags } = await import("../runner/flags.js");
      const { expandTaskNames, taskAndGroupNames } = await import("../../tasks/groups.js");
      // A name given twice stays an error (parseRunFlags reports it); a task also in a named group runs once.
      const tasks = new Set(names).size !== names.length ? names : expandTaskNames(names);
      // Groups are expanded by now; listing them too makes the did-you-mean hint suggest group names.
      const parsed = parseRunFlags(tasks, flags, process.env, taskAndGroupNames());
      const { runTasks } = await import("../runner/index.js");
      const { summaryTable } = await import("../runner/summary.js");
      const log = await import("../core/log.js");
      const controller = new AbortController();
      const onSignal = (signal: NodeJS.Signals): void => {
        log.warn(`${signal}: stopping; finished samples are kept (press Ctrl-C again to force quit).`);
        controller.abort();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const results = await runTasks({
          tasks,
          model: parsed.model,
          settings: parsed.settings,
          modelSettings: parsed.modelSettings,
          data: parsed.data,
          signal: controller.signal,
        });
        for (const r of results) log.info(`${r.record.task.name}: ${r.dir}`);
        if (parsed.json) log.outJson(results.map((r) => r.record));
        else log.out(summaryTable(results.map((r) => r.record)));
      } finally {
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
      }
    });
}
