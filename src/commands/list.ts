/** `fastvlm-eval list`: the tasks (dataset, split, size, metric), the task groups and the known models. */
import type { Command } from "commander";

/** Options of `list` as commander parses them. */
interface ListFlags {
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval list              tasks, task groups and models as tables
  $ fastvlm-eval list --json       the same as one JSON object on stdout`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Registers `list`. */
export function register(program: Command): void {
  program
    .command("list")
    .description(
      "List the benchmarks (dataset repo, config, split, rows, metric), the task groups and the known models.",
    )
    .option("--json", "print one JSON object {tasks, groups, models} on stdout")
    .addHelpText("after", EXAMPLES)
    .action(async (flags: ListFlags) => {
      const { TASKS } = await import("../../tasks/index.js");
      const { MODELS } = await import("../models/registry.js");
      const { out, outJson } = await import("../core/log.js");
      const tasks = Object.values(TASKS).map((t) => ({
        name: t.name,
        version: t.version,
        description: t.description,
        repo: t.dataset.repo,
        fallbackRepos: t.dataset.fallbackRepos ?? [],
        config: t.dataset.config,
        split: t.dataset.split,
        joins: t.dataset.joins ?? [],
        rows: t.rows ?? null,
        metric: t.scorer.primary,
        scorer: t.scorer.name,
        maxNewTokens: t.generation.maxNewTokens,
      }));
      const { TASK_GROUPS } = await import("../../tasks/groups.js");
      const groups = Object.entries(TASK_GROUPS).map(([name, g]) => ({
        name,
        description: g.description,
        tasks: [...g.tasks],
      }));
      const models = Object.entries(MODELS).map(([name, m]) => ({
        name,
        repo: m.repo,
        description: m.description,
      }));
      if (flags.json) {
        outJson({ tasks, groups, models });
        return;
      }
      out("Tasks");
      out(
        table([
          ["name", "dataset", "config/split", "rows", "metric"],
          ...tasks.map((t) => [
            t.name,
            t.repo,
            `${t.config}/${t.split}`,
            t.rows === null ? "?" : t.rows.toLocaleString("en-US"),
            t.metric,
          ]),
        ]),
      );
      out("");
      out("Task groups (usable wherever a task name is)");
      out(
        table([
          ["name", "tasks", "description"],
          ...groups.map((g) => [g.name, g.tasks.join(" "), g.description]),
        ]),
      );
      out("");
      out("Models (or a local folder in the onnx-community layout, e.g. --model ./my-checkpoint)");
      out(table([["name", "repo", "description"], ...models.map((m) => [m.name, m.repo, m.description])]));
    });
}
