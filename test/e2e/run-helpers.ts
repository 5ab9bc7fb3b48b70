/** Shared set-up of the `run` end-to-end tests: fixture datasets behind a fake Hub, and a CLI spawner. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FixtureOptions } from "../../scripts/make-fixtures.js";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";
import { fixtureRoot } from "../helpers/fixtures.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(ROOT, "dist", "src", "cli.js");

/** Result of one CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A temp work folder with its own HF cache and lock file. */
export function workDir(prefix = "e2e-run-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The environment a CLI run gets: the fake Hub's URL, a private cache, no token, fast retries. */
export function cliEnv(hubUrl: string, work: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HF_ENDPOINT: hubUrl, HF_HOME: join(work, "hf"), ...extra };
  delete env.HF_TOKEN;
  delete env.HUGGING_FACE_HUB_TOKEN;
  delete env.HF_HUB_OFFLINE;
  delete env.HF_HUB_CACHE;
  env.FASTVLM_EVAL_RETRY_BASE_MS = "10";
  return env;
}

/** Spawns the CLI (no shell); resolves when it exits. */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliResult> {
  return spawnCli(args, env, cwd).done;
}

/** Result of `runBareCli`: a signal kill or spawn error shows as its name, not as a made-up exit 1. */
export interface BareCliResult {
  /** Exit code, or the signal's or spawn error's name. */
  code: number | string;
  /** Everything on stdout. */
  stdout: string;
  /** Everything on stderr. */
  stderr: string;
}

/**
 * Runs the CLI in `cwd` with a bare environment: PATH, HOME = `cwd`, the Hub at `hubUrl` with its cache in
 * `cwd/cache`, fast retries and the suite's thread cap, plus `env`. Nothing else of the test's environment
 * (a token, HF_HOME, offline mode) leaks in.
 */
export function runBareCli(
  args: string[],
  opts: { cwd: string; hubUrl: string; env?: Record<string, string> },
): Promise<BareCliResult> {
  const threads = process.env.FASTVLM_EVAL_THREADS;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: opts.cwd,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: opts.cwd,
          HF_ENDPOINT: opts.hubUrl,
          HF_HUB_CACHE: join(opts.cwd, "cache"),
          FASTVLM_EVAL_RETRY_BASE_MS: "1",
          ...(threads !== undefined ? { FASTVLM_EVAL_THREADS: threads } : {}),
          ...opts.env,
        },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : (err.signal ?? String(err.code))) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The run folders under `out/<model>/<task>/`. */
export function runDirs(out: string, task: string): string[] {
  if (!existsSync(out)) return [];
  const m = readdirSync(out)[0];
  if (m === undefined || !existsSync(join(out, m, task))) return [];
  return readdirSync(join(out, m, task)).map((d) => join(out, m, task, d));
}

/** A test file's fake Hub over fixture datasets, with a work folder and the CLI environment for both. */
export interface FixtureHub {
  /** The fake Hub serving the fixture datasets. */
  hub: FakeHub;
  /** Temp work folder (cwd of CLI runs, private HF_HOME). */
  work: string;
  /** CLI environment pointing at `hub` and `work`. */
  env: NodeJS.ProcessEnv;
  /** Closes the Hub and removes the work folder. */
  close(): Promise<void>;
}

/** Starts a fake Hub over fixture datasets (built or reused per `fixture`) and makes a work folder. */
export async function startFixtureHub(fixture: FixtureOptions, prefix?: string): Promise<FixtureHub> {
  const hub = await startFakeHub({ root: await fixtureRoot(fixture) });
  const work = workDir(prefix);
  return {
    hub,
    work,
    env: cliEnv(hub.url, work),
    close: async () => {
      await hub.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** `run <tasks> --model baseline:random --out <out> --latency-samples <n> --json --lock lock.json`. */
export function baselineRunArgs(tasks: readonly string[], out: string, latencySamples: number): string[] {
  return [
    "run",
    ...tasks,
    "--model",
    "baseline:random",
    "--out",
    out,
    "--latency-samples",
    String(latencySamples),
    "--json",
    "--lock",
    "lock.json",
  ];
}
