import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/commands/index.js";
import { PUBLISHED } from "../../src/report/card-reference.js";
import { TASK_GROUPS } from "../../tasks/groups.js";
import { TASKS } from "../../tasks/index.js";

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

  // A help text that lists tasks or groups lists every registered one (the lists come from the registries,
  // src/commands/help-lists.ts). Examples are left out: they show a few names on purpose. `all` is also an
  // English word, so it alone does not mark a list (it must still be in one).
  const named = (text: string, name: string) =>
    new RegExp(`(^|[^\\w-])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w-])`).test(text);
  it.each(names)("%s: a list of tasks or groups in its help names every registered one", (name) => {
    const body = helpOf(name).split("\nExamples:")[0]!;
    const tasks = Object.keys(TASKS);
    const groups = Object.keys(TASK_GROUPS);
    const listsTasks = tasks.some((t) => named(body, t));
    const listsGroups = groups.some((g) => g !== "all" && named(body, g));
    if (listsTasks) {
      expect(
        tasks.filter((t) => !named(body, t)),
        `${name} --help names tasks but not these registered ones (derive the list from TASKS)`,
      ).toEqual([]);
    }
    if (listsGroups) {
      expect(
        groups.filter((g) => !named(body, g)),
        `${name} --help names task groups but not these (derive the list from TASK_GROUPS)`,
      ).toEqual([]);
    }
  });

  it("the task-taking commands list the tasks, and compare --card the cards, from the registries", () => {
    for (const name of ["run", "leaderboard", "inspect", "score"]) {
      const body = helpOf(name).split("\nExamples:")[0]!;
      for (const task of Object.keys(TASKS))
        expect(named(body, task), `${name} --help names ${task}`).toBe(true);
    }
    const compare = helpOf("compare");
    for (const card of PUBLISHED) expect(compare).toContain(card.model);
  });

  it("run documents the openai: model form and the short --dtype graph names predict accepts", () => {
    const help = helpOf("run");
    expect(help).toContain("openai:<url>#<model>");
    expect(help).toContain("vision=fp16,embed=fp16,decoder=q4");
  });
});
