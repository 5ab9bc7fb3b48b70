#!/usr/bin/env node
/**
 * Entry point. The ONE place that turns errors into exit codes and calls process.exit.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { COMMANDS, SUMMARIES } from "./commands/index.js";
import { didYouMeanText, EXIT, HarnessError, InternalError, UsageError } from "./core/errors.js";
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

function report(err: HarnessError): void {
  process.stderr.write(`error: ${err.message}\n`);
  if (err.hint) process.stderr.write(`${err.hint}\n`);
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
    if (err instanceof HarnessError) {
      report(err);
      return err.exitCode;
    }
    const bug = new InternalError(err instanceof Error ? err.message : String(err), { cause: err });
    report(bug);
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return bug.exitCode;
  }
}

/** A failure no command caught (a promise nobody awaited, a throw in a callback): a bug, exit 70. */
function crash(kind: string, err: unknown): never {
  const bug = new InternalError(`${kind}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
  report(bug);
  if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(bug.exitCode);
}

// Node's default for these is exit 1, which scripts would read as "gate failed".
process.on("unhandledRejection", (err) => crash("Unhandled promise rejection", err));
process.on("uncaughtException", (err) => crash("Uncaught exception", err));

// A command line too long for ONNX Runtime runs in a child with a short one (core/long-argv.ts).
const code = (await relaunchIfLong(process.argv)) ?? (await main(handedOverArgv(process.argv)));
process.exit(code);
