import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/commands/index.js";

/** The full `<command> --help` text, after-help sections included, without running the CLI. */
function helpOf(name: string): string {
  const program = new Command("fastvlm-eval");
  for (const register of COMMANDS) register(program);
  const sub = program.commands.find((c) => c.name() === name);
  if (!sub) throw new Error(`no command ${name}`);
  let text = "";
  sub.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  sub.outputHelp();
  return text;
}

describe("--help", () => {
  const program = new Command("fastvlm-eval");
  for (const register of COMMANDS) register(program);
  const names = program.commands.map((c) => c.name());

  it.each(names)("%s has examples that call the command itself", (name) => {
    const help = helpOf(name);
    expect(help).toMatch(/\nExamples:\n/);
    const examples = help.slice(help.indexOf("Examples:")).split("\n").slice(1);
    expect(examples.some((l) => l.includes(`fastvlm-eval ${name}`))).toBe(true);
  });

  it("run documents the openai: model form and the short --dtype graph names predict accepts", () => {
    const help = helpOf("run");
    expect(help).toContain("openai:<url>#<model>");
    expect(help).toContain("vision=fp16,embed=fp16,decoder=q4");
  });
});
