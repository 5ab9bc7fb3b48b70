/**
 * Long command lines. onnxruntime-node 1.30 crashes with SIGSEGV (a runaway recursion in its native
 * code) when it creates a session in a process whose command line is longer than about 28 KB, which a
 * long `predict --prompt` easily is. So a CLI call whose arguments pass ARGV_LIMIT runs the CLI again
 * in a child process with the arguments handed over in a private temp file (the child's command line
 * stays short), and ends with the child's exit status.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";

/** Arguments (bytes, all together) above which the CLI relaunches itself. */
export const ARGV_LIMIT = 16 * 1024;

/** Environment variable naming the file that holds the relaunched child's arguments. */
export const ARGV_FILE_ENV = "FASTVLM_EVAL_ARGV_FILE";

/** `argv` as given, or (in a relaunched child) the arguments read back from the hand-over file. */
export function handedOverArgv(argv: string[]): string[] {
  const file = process.env[ARGV_FILE_ENV];
  if (file === undefined) return argv;
  delete process.env[ARGV_FILE_ENV];
  const args = JSON.parse(readFileSync(file, "utf8")) as string[];
  return [...argv.slice(0, 2), ...args];
}

/**
 * When `argv` is too long for ONNX Runtime, runs the CLI again with a short command line and resolves
 * to its exit status (128 + the signal number if a signal ended it); else resolves to null at once.
 */
export async function relaunchIfLong(argv: string[]): Promise<number | null> {
  const args = argv.slice(2);
  const bytes = args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
  if (bytes <= ARGV_LIMIT || process.env[ARGV_FILE_ENV] !== undefined || argv[1] === undefined) return null;
  const dir = mkdtempSync(join(tmpdir(), "fastvlm-eval-argv-"));
  const file = join(dir, "argv.json");
  writeFileSync(file, JSON.stringify(args), { mode: 0o600 });
  // Ctrl-C reaches the child too (same process group); the parent waits for it to save and exit.
  const ignore = (): void => undefined;
  process.on("SIGINT", ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, argv[1]!], {
        stdio: "inherit",
        env: { ...process.env, [ARGV_FILE_ENV]: file },
      });
      const forward = (): void => {
        child.kill("SIGTERM");
      };
      process.on("SIGTERM", forward);
      child.on("error", reject);
      child.on("exit", (code, signal) => {
        process.off("SIGTERM", forward);
        if (code !== null) resolve(code);
        else resolve(128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      });
    });
  } finally {
    process.off("SIGINT", ignore);
    rmSync(dir, { recursive: true, force: true });
  }
}
