/**
 * The offline demo: the bundled demo datasets (demo/data, every task × 8 samples) served by a loopback Hub,
 * downloaded into a temporary HF cache through the real Hub layer, and run on a tiny random-weight FastVLM
 * generated on first use, with the same runTasks `run` uses. No network: the only socket is 127.0.0.1.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { harnessRoot } from "../core/env.js";
import { DataError, UsageError } from "../core/errors.js";
import * as log from "../core/log.js";
import type { HubEnv } from "../hub/env.js";
import { modelSlug } from "../runner/identity.js";
import { runTasks } from "../runner/index.js";
import type { TaskRunResult } from "../runner/task-run.js";
import { startHubServer } from "./hub-server.js";

/** Options of runDemo. */
export interface DemoOptions {
  /** Output folder: `<out>/predictions` (run folders) and `<out>/leaderboard`. */
  out: string;
  /** Ctrl-C. */
  signal?: AbortSignal;
  /** Progress on stderr (default true). */
  progress?: boolean;
  /** Where the tiny model is cached (default `$XDG_CACHE_HOME/fastvlm-eval` or `~/.cache/fastvlm-eval`). */
  cacheDir?: string;
}

/** What the demo produced. */
export interface DemoResult {
  /** One run per task for the tiny model, then one per task for the random baseline. */
  runs: TaskRunResult[];
  /** The leaderboard folder, or null when it could not be built. */
  leaderboardDir: string | null;
  /** The tiny model folder. */
  modelDir: string;
}

/** The chance-level baseline the demo runs beside the model. */
export const BASELINE_MODEL = "baseline:random";

/** Name the demo model's runs are filed under. */
export const DEMO_MODEL_NAME = "fastvlm-tiny-random";

/**
 * The tiny model's generator options: the committed reduced tokenizer (no dev dependency needed), and q4 graphs
 * beside the fp32 ones, so the demo runs the model card's default dtype (q4 vision and decoder) as `run` would.
 */
const TINY_OPTIONS = { seed: 1, tokenizer: "reduced", imageSize: 256, q4: true } as const;

/**
 * Marks the demo's output folder as generated: a `.gitignore` of `*` keeps it out of `git status` and out of
 * Biome (which follows git's ignore files), wherever --out points.
 */
function markGenerated(out: string): void {
  mkdirSync(out, { recursive: true });
  const file = join(out, ".gitignore");
  if (!existsSync(file))
    writeFileSync(file, "# Written by `fastvlm-eval demo`: everything here is generated.\n*\n");
}

function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".cache"), "fastvlm-eval");
}

/** A running `demo --serve`. */
export interface DemoServer {
  /** HF_ENDPOINT to use. */
  url: string;
  /** The tiny model folder (pass as --model). */
  modelDir: string;
  /** The served folder. */
  dataDir: string;
  /** Stops serving. */
  close(): Promise<void>;
}

function bundledData(): string {
  const data = join(harnessRoot(), "demo", "data");
  if (!existsSync(join(data, "datasets"))) {
    throw new DataError(
      `The bundled demo datasets are missing (${data}).`,
      "Reinstall fastvlm-eval, or run from a full checkout of the repository.",
    );
  }
  return data;
}

/** The tiny random-weight model's folder, generated on first use. */
export async function ensureDemoModel(cacheDir?: string): Promise<string> {
  const { makeTinyModel, tinyModelKey } = await import("./tiny-fastvlm/index.js");
  const key = createHash("sha256")
    .update(tinyModelKey({ ...TINY_OPTIONS }))
    .digest("hex")
    .slice(0, 12);
  const modelDir = join(cacheDir ?? defaultCacheDir(), "models", `tiny-demo-${key}`);
  if (!existsSync(join(modelDir, ".complete")))
    log.info(`demo: generating the tiny random-weight model in ${modelDir}…`);
  await makeTinyModel(modelDir, { ...TINY_OPTIONS });
  return modelDir;
}

/**
 * `demo --serve`: the bundled datasets on a loopback Hub that stays up, and the tiny model's folder, so the
 * user can go on with the ordinary commands (fetch, run, compare, gate, leaderboard) offline.
 */
export async function serveDemo(options: { port?: number; cacheDir?: string } = {}): Promise<DemoServer> {
  const dataDir = bundledData();
  const modelDir = await ensureDemoModel(options.cacheDir);
  let hub: Awaited<ReturnType<typeof startHubServer>>;
  try {
    hub = await startHubServer({
      root: dataDir,
      commitTitle: "demo data",
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new UsageError(
        `Port ${options.port} on 127.0.0.1 is in use.`,
        "Pass another --port, or --port 0 for a free one.",
        { details: { port: options.port ?? 0 } },
      );
    }
    throw err;
  }
  return { url: hub.url, modelDir, dataDir, close: () => hub.close() };
}

/** The lines `demo --serve` prints: what to export and the next commands. */
export function serveInstructions(server: Pick<DemoServer, "url" | "modelDir">, out: string): string {
  const lock = join(out, "lock.json");
  // Apart from the demo's own runs: a second baseline run of a task beside the demo's would make `compare`
  // of the model folders ambiguous.
  const preds = join(out, "served", "predictions");
  // Started through npx (a clone, no global install): the bare command is not on PATH.
  const cli = process.env.npm_command === "exec" ? "npx fastvlm-eval" : "fastvlm-eval";
  return [
    `Serving the bundled demo datasets at ${server.url} (127.0.0.1 only). Ctrl-C stops it.`,
    "",
    "In another terminal (the demo data is synthetic and the model has random weights):",
    `  export HF_ENDPOINT=${server.url}`,
    `  export HF_HOME=${join(out, "hf")}        # a cache of its own, apart from your real one`,
    `  ${cli} fetch pope --lock ${lock}`,
    `  ${cli} run pope docvqa --model ${server.modelDir} --lock ${lock} --out ${preds}`,
    `  ${cli} run pope --model baseline:random --lock ${lock} --out ${preds} --latency-samples 0`,
    `  ${cli} compare ${join(preds, modelSlug(BASELINE_MODEL))} ${join(preds, modelSlug(basename(server.modelDir)))}`,
    `  ${cli} leaderboard --runs ${preds} --out ${join(out, "served", "leaderboard")}`,
    "",
    `--lock keeps the demo's dataset shas out of datasets/lock.json; --model ${server.modelDir} is the tiny model.`,
  ].join("\n");
}

/** The demo's own HF hub cache inside its output folder (`HF_HOME=<out>/hf` points the CLI at it). */
export function demoHubCache(out: string): string {
  return join(resolve(out), "hf", "hub");
}

/** Runs the offline demo end to end. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const data = bundledData();
  const out = resolve(options.out);
  markGenerated(out);
  const modelDir = await ensureDemoModel(options.cacheDir);

  const work = mkdtempSync(join(tmpdir(), "fastvlm-eval-demo-"));
  const hub = await startHubServer({ root: data, commitTitle: "demo data" });
  // The HF cache stays in the output folder, so `fastvlm-eval view` can show the demo's images afterwards.
  const env: HubEnv = { endpoint: hub.url, token: undefined, cacheDir: demoHubCache(out), offline: false };
  log.info(`demo: serving ${data} at ${hub.url} (loopback only); HF cache in ${env.cacheDir}`);
  const { loadFastVLM } = await import("../models/fastvlm/engine.js");
  const backend = await loadFastVLM(modelDir, {
    name: DEMO_MODEL_NAME,
    source: "generated (tiny random weights)",
  });
  try {
    const { TASKS } = await import("../../tasks/index.js");
    const settings = {
      out: join(out, "predictions"),
      limit: null,
      subsetSeed: 0,
      shard: null,
      concurrency: 2,
      latencySamples: 4,
      warmup: 1,
      maxNewTokens: 8,
      fresh: false,
      maxErrorRate: 1,
      reuse: true,
      promptSettings: { imageMode: "pad" },
      extraConfig: { demo: true },
    };
    const data = { env, lockFile: join(work, "lock.json") };
    const runs = await runTasks({
      tasks: Object.keys(TASKS),
      model: DEMO_MODEL_NAME,
      backend,
      settings,
      data,
      signal: options.signal,
      progress: options.progress,
    });
    // A chance-level row beside the model, as a leaderboard would show it (no latency pass: it has no TTFT).
    runs.push(
      ...(await runTasks({
        tasks: Object.keys(TASKS),
        model: BASELINE_MODEL,
        settings: { ...settings, latencySamples: 0, warmup: 0 },
        data,
        signal: options.signal,
        progress: options.progress,
      })),
    );
    let leaderboardDir: string | null = join(out, "leaderboard");
    try {
      const { buildLeaderboard } = await import("../report/leaderboard.js");
      buildLeaderboard({ runsDir: join(out, "predictions"), outDir: leaderboardDir });
    } catch (err) {
      log.warn(`demo: leaderboard not built: ${(err as Error).message}`);
      leaderboardDir = null;
    }
    return { runs, leaderboardDir, modelDir };
  } finally {
    await backend.dispose();
    await hub.close();
    rmSync(work, { recursive: true, force: true });
  }
}
