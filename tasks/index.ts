import type { Json, TaskDefinition } from "../src/core/types.js";
import { docvqa } from "./docvqa.js";
import { gqa } from "./gqa.js";
import { mmmu } from "./mmmu.js";
import { pope } from "./pope.js";
import { seedbench } from "./seedbench.js";
import { textvqa } from "./textvqa.js";

/** A task with its row type erased (method parameters are bivariant, so every task fits). */
export type AnyTask = TaskDefinition<unknown, Json>;

/** Every benchmark, by the name used on the command line. A new task is one file and one line here. */
export const TASKS: Record<string, AnyTask> = {
  gqa: gqa,
  textvqa: textvqa,
  docvqa: docvqa,
  pope: pope,
  seedbench: seedbench,
  mmmu: mmmu,
};
