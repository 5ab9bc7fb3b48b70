#!/usr/bin/env node
/**
 * Entry point. The ONE place that turns errors into exit codes and calls process.exit.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { COMMANDS, SUMMARIES } from "./commands/index.js";
import { didYouMeanText, EXIT, HarnessError, InternalError, UsageError } from "./core/errors.js";
import { fileSystemError, findFileSystemError } from "./core/fs-errors.js";
import { handedOverArgv, relaunchIfLong } from "./core/long-argv.js";

function version(): string {
  const pkgUrl = new URL("../../package.json", import.meta.url);
  try {
    return (JSON.parse(readFileSync(pkgUrl, "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("fastvlm-eval")
    .description(
      "Evaluate vision-language models (FastVLM first) on GQA, TextVQA, DocVQA, POPE, SEED-Bench and MMMU " +
        "with reference-exact metrics and on-device time-to-first-token.",
    )
    .version(version(), "-V, --version", "print the version")
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      "\nStart with `fastvlm-eval demo` (offline), then `fastvlm-eval run <task> --model fastvlm-0.5b`.\n" +
        "Each command has --help with examples. Docs: README.md.",
    )
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
    });
  for (const register of COMMANDS) register(program);
  for (const command of program.commands) {
    const summary = SUMMARIES[command.name()];
    if (summary !== undefined) command.summary(summary);
  }
  program.on("command:*", (operands: string[]) => {
    const name = operands[0] ?? "";
    const names = program.commands.map((c) => c.name());
    const near = didYouMeanText(name, names);
    throw new UsageError(
      `Unknown command '${name}'.${near === "" ? "" : ` ${near}`}`,
      `Commands: ${names.join(", ")}.`,
    );
  });
  return program;
}

/** `--json` anywhere on the command line: errors are printed as JSON too. */
const wantsJson = (argv: readonly string[]): boolean => argv.slice(2).includes("--json");

/** True once the command printed something on stdout (its own JSON must stay the only document there). */
let stdoutUsed = false;
const rawStdoutWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = ((...args: Parameters<typeof rawStdoutWrite>) => {
  stdoutUsed = true;
  return rawStdoutWrite(...args);
}) as typeof process.stdout.write;

function report(err: HarnessError, argv: readonly string[] = process.argv): void {
  process.stderr.write(`error: ${err.message}\n`);
  if (err.hint) process.stderr.write(`${err.hint}\n`);
  if (wantsJson(argv)) {
    // `{"error": {code, exitCode, message, hint, path, …}}` on stdout, or on stderr when the command has
    // already printed its result there (a failed gate prints its rules first).
    const line = `${JSON.stringify({ error: err.toJSON() })}\n`;
    try {
      if (stdoutUsed) process.stderr.write(line);
      else process.stdout.write(line);
    } catch {
      // stdout is gone: the message is on stderr already.
    }
  }
}

/**
 * Any thrown value as a HarnessError: ours as they are, a file-system problem of the user's environment
 * (EACCES, ENOSPC, EROFS, ENOTDIR, …, also inside a cause chain) as a user error naming the path, else a bug.
 */
export function classify(err: unknown, kind?: string): HarnessError {
  if (err instanceof HarnessError) return err;
  const fsErr = findFileSystemError(err);
  if (fsErr !== undefined) return fileSystemError(fsErr);
  const text = err instanceof Error ? err.message : String(err);
  return new InternalError(kind === undefined ? text : `${kind}: ${text}`, { cause: err });
}

/** A closed stdout (`inspect … | head -1`): stop quietly, the reader has what it wanted. */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") process.exit(EXIT.ok);
    throw err;
  });
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (err.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    const classified = classify(err);
    report(classified, argv);
    if (classified instanceof InternalError && err instanceof Error && err.stack) {
      process.stderr.write(`${err.stack}\n`);
    }
    return classified.exitCode;
  }
}

/**
 * A failure no command caught (a promise nobody awaited, a throw in a callback): a bug, exit 70, unless it is
 * a closed pipe (quiet exit) or a file-system problem of the environment (a user error naming the path).
 */
function crash(kind: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EPIPE") process.exit(EXIT.ok);
  const classified = classify(err, kind);
  report(classified);
  if (classified instanceof InternalError && err instanceof Error && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  }
  process.exit(classified.exitCode);
}

// Node's default for these is exit 1, which scripts would read as "gate failed".
process.on("unhandledRejection", (err) => crash("Unhandled promise rejection", err));
process.on("uncaughtException", (err) => crash("Uncaught exception", err));

quietOnClosedPipe(process.stdout);
// A command line too long for ONNX Runtime runs in a child with a short one (core/long-argv.ts).
const code = (await relaunchIfLong(process.argv)) ?? (await main(handedOverArgv(process.argv)));
process.exit(code);
