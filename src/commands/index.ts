import type { Command } from "commander";
import { register as bench } from "./bench.js";
import { register as compare } from "./compare.js";
import { register as demo } from "./demo.js";
import { register as fetch } from "./fetch.js";
import { register as gate } from "./gate.js";
import { register as inspect } from "./inspect.js";
import { register as leaderboard } from "./leaderboard.js";
import { register as list } from "./list.js";
import { register as merge } from "./merge.js";
import { register as predict } from "./predict.js";
import { register as publish } from "./publish.js";
import { register as run } from "./run.js";
import { register as score } from "./score.js";

/** A subcommand registers itself on the program; heavy modules load inside its action. */
export type Register = (program: Command) => void;

/**
 * Every subcommand, in the order `--help` lists them. A command appears here only once it works.
 * Each entry is a lazy loader so `fastvlm-eval --help` stays fast.
 */
export const COMMANDS: Register[] = [
  list,
  inspect,
  fetch,
  compare,
  gate,
  leaderboard,
  publish,
  predict,
  run,
  score,
  merge,
  bench,
  demo,
];
