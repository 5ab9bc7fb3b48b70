/** `fastvlm-eval predict`: one generation on local images, for smoke tests and TTFT spot checks. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import type { Generation } from "../core/types.js";
import type { ResolveOptions } from "../models/registry.js";
import { addEngineOptions, type EngineFlags, engineFlagValues } from "./engine-options.js";

/** Options of `predict` as commander parses them. */
interface PredictFlags extends EngineFlags {
  model: string;
  image: string[];
  prompt: string;
  maxNewTokens: string;
  stop: string[];
  retries?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Registers `predict`. */
export function register(program: Command): void {
  declareFlags(program).action(predict);
}

/** The `predict` command with its flags and help. */
function declareFlags(program: Command): Command {
  return addEngineOptions(
    program
      .command("predict")
      .description(
        "Run one generation: images + prompt in, the model's answer out (with stage timings under --json).",
      )
      .requiredOption(
        "--model <name>",
        "registry name (fastvlm-0.5b), a model folder, baseline:random, baseline:constant=<text> or openai:<url>#<model>",
      )
      .option(
        "--image <file>",
        "image file; repeat for several images (prompt gets '<image> <image>\\n')",
        collect,
        [],
      )
      .requiredOption("--prompt <text>", "the question")
      .option("--max-new-tokens <N>", "maximum new tokens (at least 1; 0 is a usage error)", "256")
      .option("--stop <text>", "stop string (repeatable); the answer is cut there", collect, []),
    { deprecatedModelRevision: true },
  )
    .option("--retries <N>", "retries of the request for openai: models (default 4)")
    .option("--json", "print one JSON object: text, tokens, promptTokens, visualTokens, outputTokens, timing")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  fastvlm-eval predict --model fastvlm-0.5b --image cat.jpg --prompt 'What animal is this?'\n" +
        "  fastvlm-eval predict --model ./my-checkpoint --image a.png --image b.png --prompt 'Compare them.' --json\n" +
        "  fastvlm-eval predict --model fastvlm-0.5b --dtype vision=fp16,decoder=q4,embed=fp16 --image doc.png --prompt 'Title?'\n",
    );
}

/** What the flags say, once every one is valid. */
interface PredictSettings {
  /** --max-new-tokens as a number. */
  maxNewTokens: number;
  /** The backend's options (Hub retries and the run's one request in flight included). */
  opts: ResolveOptions;
}

/** Checks every flag, throwing one UsageError with every problem at once. */
async function validate(flags: PredictFlags): Promise<PredictSettings> {
  const problems: string[] = [];
  const maxNewTokens = Number(flags.maxNewTokens);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    problems.push(`--max-new-tokens must be a positive integer, got '${flags.maxNewTokens}'`);
  }
  const { inputFileProblem } = await import("../core/fs-errors.js");
  for (const f of flags.image) {
    const problem = inputFileProblem(f, "--image");
    if (problem !== null) problems.push(problem);
  }
  const { modelOptionsFromFlags } = await import("../models/registry.js");
  let opts: ResolveOptions = {};
  try {
    opts = modelOptionsFromFlags(engineFlagValues(flags, "predict"));
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (flags.retries !== undefined) {
    const n = Number(flags.retries);
    if (flags.retries.trim() === "" || !Number.isInteger(n) || n < 0)
      problems.push(`--retries must be a non-negative integer, got '${flags.retries}'`);
  }
  if (problems.length > 0) {
    throw new UsageError(problems.join("\n"), "See fastvlm-eval predict --help.");
  }
  if (flags.retries !== undefined) {
    // --retries bounds the Hub requests that resolve a registry model too, not only openai: requests.
    opts.hub = { ...(opts.hub ?? {}), retries: Number(flags.retries) };
  }
  // One generation: one request in flight (backends with requests of their own read this).
  opts.run = {
    concurrency: 1,
    ...(flags.retries !== undefined ? { retries: Number(flags.retries) } : {}),
  };
  return { maxNewTokens, opts };
}

/** The action: validate, open the backend, generate once (Ctrl-C aborts it), print. */
async function predict(flags: PredictFlags): Promise<void> {
  const { maxNewTokens, opts } = await validate(flags);
  const { readFileSync } = await import("node:fs");
  const images = flags.image.map((f) => ({ bytes: new Uint8Array(readFileSync(f)), source: f }));
  const { resolveModel } = await import("../models/registry.js");
  const backend = await resolveModel(flags.model, opts);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once("SIGINT", onSigint);
  try {
    const g = await backend.generate(
      { images, prompt: flags.prompt, generation: { maxNewTokens, stop: flags.stop } },
      { signal: controller.signal },
    );
    await printGeneration(g, flags.json === true);
  } finally {
    process.off("SIGINT", onSigint);
    await backend.dispose();
  }
}

/** `--json`: one JSON object on stdout; else the text on stdout and the timings on stderr. */
async function printGeneration(g: Generation, json: boolean): Promise<void> {
  const { info, out, outJson } = await import("../core/log.js");
  const { recordedTiming } = await import("../core/timing.js");
  if (json) {
    outJson({
      text: g.text,
      tokens: g.tokens,
      promptTokens: g.promptTokens,
      visualTokens: g.visualTokens,
      outputTokens: g.outputTokens,
      timing: recordedTiming(g.timing),
    });
    return;
  }
  out(g.text);
  const t = recordedTiming(g.timing);
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  info(
    `ttft ${ms(t.ttftMs)} (preprocess ${ms(t.preprocessMs)}, vision ${ms(t.visionMs)}, prefill ${ms(t.prefillMs)}), ` +
      `decode ${ms(t.decodeMs)} for ${g.outputTokens} tokens; prompt ${g.promptTokens} tokens (${g.visualTokens} visual)` +
      (g.timing.clock === "remote" ? "; remote clock: network and server queue included" : ""),
  );
}
