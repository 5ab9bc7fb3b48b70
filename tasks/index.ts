import type { Json, TaskDefinition } from "../src/core/types.js";

/** A task with its row type erased (method parameters are bivariant, so every task fits). */
export type AnyTask = TaskDefinition<unknown, Json>;

/** Every benchmark, by the name used on the command line. A new task is one file and one line here. */
export const TASKS: Record<string, AnyTask> = {};
