/** Shared set-up of the `run` end-to-end tests: fixture datasets behind a fake Hub, and a CLI spawner. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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
