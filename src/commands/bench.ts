/** `fastvlm-eval bench`: on-device latency of one input (load once, warm up, repeat), like llama-bench. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import type { ModelBackend } from "../core/types.js";
import type { BenchLatencyResult } from "../latency-bench/latency.js";
import type { ResolveOptions } from "../models/registry.js";
import { addEngineOptions, type EngineFlags, engineFlagValues } from "./engine-options.js";

/** Options of `bench` as commander parses them. */
interface BenchFlags extends EngineFlags {
  model: string;
  image?: string;
  prompt?: string;
  warmup: string;
  repeat: string;
  maxNewTokens: string;
  json?: boolean;
}

function intFlag(problems: string[], flag: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min) {
    problems.push(`${flag} must be an integer ≥ ${min}, got '${value}'`);
    return min;
  }
  return n;
}

/** Registers `bench`. */
export function register(program: Command): void {
  declareFlags(program).action(bench);
}

/** The `bench` command with its flags and help. */
function declareFlags(program: Command): Command {
  return addEngineOptions(
    program
      .command("bench")
      .description(
        "Measure on-device latency for one image + prompt: model load time, then per-run and median TTFT, " +
          "preprocess/vision/prefill spans and decode tokens/s, with the device fingerprint.",
      )
      .requiredOption("--model <name>", "registry name (fastvlm-0.5b) or a model folder")
      .option("--image <file>", "image file (default: a generated 1024×1024 JPEG)")
      .option("--prompt <text>", "the question (default: 'Describe this image in one sentence.')")
      .option("--warmup <N>", "uncounted runs first", "1")
      .option("--repeat <N>", "counted runs", "5")
      .option("--max-new-tokens <N>", "tokens to generate per run", "32"),
    { deprecatedModelRevision: true },
  )
    .option("--json", 'print {"runs": [...], "median": {...}, "loadMs", "device": {...}, …} on stdout')
    .addHelpText(
      "after",
      "\nTimes are milliseconds. TTFT runs from raw image bytes + prompt in hand to the first token id;\n" +
        "decode tokens/s counts the tokens after the first. Runs are serial (concurrency 1).\n" +
        "\nExamples:\n" +
        "  fastvlm-eval bench --model fastvlm-0.5b\n" +
        "  fastvlm-eval bench --model fastvlm-0.5b --dtype fp16 --threads 4 --repeat 10 --json\n" +
        "  fastvlm-eval bench --model ./my-checkpoint --image page.png --prompt 'What is the title?'\n",
    );
}

/** What the flags say, once every one is valid. */
interface BenchSettings {
  /** --warmup. */
  warmup: number;
  /** --repeat. */
  repeat: number;
  /** --max-new-tokens. */
  maxNewTokens: number;
  /** The backend's options. */
  opts: ResolveOptions;
}

/** Checks every flag, throwing one UsageError with every problem at once. */
async function validate(flags: BenchFlags): Promise<BenchSettings> {
  const problems: string[] = [];
  const warmup = intFlag(problems, "--warmup", flags.warmup, 0);
  const repeat = intFlag(problems, "--repeat", flags.repeat, 1);
  const maxNewTokens = intFlag(problems, "--max-new-tokens", flags.maxNewTokens, 1);
  const { inputFileProblem } = await import("../core/fs-errors.js");
  const imageProblem = flags.image === undefined ? null : inputFileProblem(flags.image, "--image");
  if (imageProblem !== null) problems.push(imageProblem);
  const { backendFor, modelOptionsFromFlags } = await import("../models/registry.js");
  const factory = backendFor(flags.model);
  if (factory !== undefined && factory.clock !== "device") {
    problems.push(
      `bench measures on-device inference, and ${factory.name} models have no on-device clock: --model must be a registry name or a model folder`,
    );
  }
  let opts: ResolveOptions = {};
  try {
    opts = modelOptionsFromFlags(engineFlagValues(flags, "bench"));
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0) {
    throw new UsageError(problems.join("\n"), "See fastvlm-eval bench --help.");
  }
  return { warmup, repeat, maxNewTokens, opts };
}

/** The action: validate, load the model (timed), warm up, time the runs (Ctrl-C aborts), print. */
async function bench(flags: BenchFlags): Promise<void> {
  const settings = await validate(flags);
  const { warmup, repeat, maxNewTokens } = settings;
  const { readFileSync } = await import("node:fs");
  const { resolveModel } = await import("../models/registry.js");
  const latency = await import("../latency-bench/latency.js");
  const { info } = await import("../core/log.js");
  const bytes =
    flags.image !== undefined ? new Uint8Array(readFileSync(flags.image)) : await latency.defaultBenchImage();
  const prompt = flags.prompt ?? latency.BENCH_PROMPT;
  const t0 = performance.now();
  const backend = await resolveModel(flags.model, settings.opts);
  const loadMs = performance.now() - t0;
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once("SIGINT", onSigint);
  try {
    info(`loaded ${flags.model} in ${loadMs.toFixed(0)} ms; ${warmup} warm-up, ${repeat} timed runs…`);
    const result = await latency.benchLatency(
      backend,
      {
        images: [{ bytes, source: flags.image ?? "generated 1024x1024 jpeg" }],
        prompt,
        generation: { maxNewTokens, stop: [] },
      },
      {
        warmup,
        repeat,
        signal: controller.signal,
        onRun: (r, i) => info(`run ${i + 1}/${repeat}: ttft ${r.ttftMs.toFixed(1)} ms`),
      },
    );
    await printBench(flags, { ...settings, prompt, loadMs, backend, result });
  } finally {
    process.off("SIGINT", onSigint);
    await backend.dispose();
  }
}

/** What a finished bench prints. */
interface BenchOutcome extends BenchSettings {
  /** The prompt used. */
  prompt: string;
  /** Model load time. */
  loadMs: number;
  /** The loaded backend (its info). */
  backend: ModelBackend;
  /** The timed runs and their median. */
  result: BenchLatencyResult;
}

/** `--json`: one JSON object; else the table, the load and settings line, the device line. */
async function printBench(flags: BenchFlags, o: BenchOutcome): Promise<void> {
  const { outJson, out } = await import("../core/log.js");
  const { collectEnv } = await import("../core/env.js");
  const { backend, result, loadMs } = o;
  const device = {
    ...collectEnv(backend.info),
    executionProvider: backend.info.executionProvider,
    threads: backend.info.threads,
    dtype: backend.info.dtype,
  };
  if (flags.json) {
    outJson({
      model: backend.info.name,
      modelFingerprint: backend.info.fingerprint,
      logits: backend.info.logits ?? null,
      image: flags.image ?? null,
      prompt: o.prompt,
      warmup: o.warmup,
      repeat: o.repeat,
      maxNewTokens: o.maxNewTokens,
      loadMs,
      runs: result.runs,
      median: result.median,
      device,
    });
    return;
  }
  const { formatBenchTable } = await import("../latency-bench/format.js");
  out(formatBenchTable(result.runs, result.median));
  out(
    `load ${loadMs.toFixed(0)} ms · ${backend.info.executionProvider}, threads ${backend.info.threads || "default"}, ` +
      `dtype ${Object.entries(backend.info.dtype)
        .map(([g, d]) => `${g}=${d}`)
        .join(",")}${backend.info.logits ? `, logits ${backend.info.logits}` : ""}`,
  );
  out(
    `device ${device.cpu} (${device.cores} cores, ${(device.memoryBytes / 2 ** 30).toFixed(0)} GiB), ${device.os}, ` +
      `node ${device.node}, onnxruntime ${device.onnxruntime ?? "?"} · fingerprint ${device.fingerprint}`,
  );
}
