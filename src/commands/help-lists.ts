/**
 * The task, group and model-card lists that --help texts show, derived from the registries (TASKS,
 * TASK_GROUPS, the cards' PUBLISHED table), so no help text names them by hand. test/unit/help.test.ts fails
 * when a help text lists tasks or groups and misses a registered one.
 */
import { TASK_GROUPS } from "../../tasks/groups.js";
import { TASKS } from "../../tasks/index.js";
import { PUBLISHED } from "../report/card-reference.js";

/** Every task, in registry order: "gqa, textvqa, …". */
export function taskList(): string {
  return Object.keys(TASKS).join(", ");
}

/** Every task group: "fastvlm-card, all". */
export function groupList(): string {
  return Object.keys(TASK_GROUPS).join(", ");
}

/** For an argument or option that takes task names or groups. */
export function tasksOrGroupsHelp(what: string): string {
  return `${what}: tasks ${taskList()}; or groups ${groupList()} (\`fastvlm-eval list\` describes them)`;
}

/** For an argument or option that takes one task name. */
export function oneTaskHelp(what: string): string {
  return `${what}: one of ${taskList()} (\`fastvlm-eval list\` describes them)`;
}

/** The models whose card numbers `compare --card` knows: "fastvlm-0.5b, fastvlm-1.5b, …". */
export function cardModelList(): string {
  return PUBLISHED.map((p) => p.model).join(", ");
}
