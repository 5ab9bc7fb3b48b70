/**
 * Task groups: names that stand for several tasks wherever a task name is accepted (`fetch`, `run`,
 * `leaderboard --tasks`; `list` shows them). A group is data: its member tasks, in run order.
 */
import { TASKS } from "./index.js";

/** A named set of tasks. */
export interface TaskGroup {
  /** One line for `list`. */
  description: string;
  /** Member task names (keys of TASKS), in run order. */
  tasks: readonly string[];
}

/**
 * The eleven benchmarks of Apple's FastVLM model cards (0.5B, 1.5B, 7B), in the cards' row order
 * (Ai2D, ScienceQA, MMMU, VQAv2, ChartQA, TextVQA, InfoVQA, DocVQA, OCRBench, RealWorldQA, SeedBench-Img).
 * The cards' published numbers (src/report/card-reference.ts) are keyed by these names; a test checks
 * that the two agree.
 */
export const FASTVLM_CARD: readonly string[] = [
  "ai2d",
  "scienceqa_img",
  "mmmu",
  "vqav2",
  "chartqa",
  "textvqa",
  "infovqa",
  "docvqa",
  "ocrbench",
  "realworldqa",
  "seedbench",
];

/** Every group, by the name used on the command line. */
export const TASK_GROUPS: Readonly<Record<string, TaskGroup>> = {
  "fastvlm-card": {
    description: "the eleven benchmarks on the FastVLM model cards (published numbers: see `compare --card`)",
    tasks: FASTVLM_CARD,
  },
  all: { description: "every task", tasks: Object.keys(TASKS) },
};

/**
 * Replaces each group name by its tasks; keeps task names (known or not, so the caller's own check reports
 * unknown ones) and drops repeats, first occurrence first. A name that is both a group and a task is a task.
 */
export function expandTaskNames(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    const group = name in TASKS ? undefined : TASK_GROUPS[name];
    for (const t of group ? group.tasks : [name]) if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Names accepted where a task is: every task, then every group. */
export function taskAndGroupNames(): string[] {
  return [...Object.keys(TASKS), ...Object.keys(TASK_GROUPS)];
}
