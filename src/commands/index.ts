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
import { register as view } from "./view.js";

/** A subcommand registers itself on the program; heavy modules load inside its action. */
export type Register = (program: Command) => void;

/**
 * Every subcommand, in pipeline order (how `--help` lists them). A command appears here only once it works.
 * Command files import only light modules at top level so `fastvlm-eval --help` stays fast.
 */
export const COMMANDS: Register[] = [
  list,
  inspect,
  fetch,
  predict,
  run,
  score,
  merge,
  compare,
  view,
  gate,
  leaderboard,
  publish,
  bench,
  demo,
];

/** One-line summaries for the `fastvlm-eval --help` overview; each command's own help has the full text. */
export const SUMMARIES: Record<string, string> = {
  list: "list the benchmarks and models",
  inspect: "print a task's first samples as the model sees them",
  fetch: "download and lock benchmark datasets in the HF cache",
  predict: "one generation: images + prompt in, answer and timings out",
  run: "run benchmarks on a model: generate, score, resume, time",
  score: "score a predictions file, or re-score a saved run",
  merge: "join the shard folders of one run",
  compare: "compare runs: deltas with paired CIs, flips, TTFT",
  view: "look at every sample in the browser; compare two runs; static export",
  gate: "fail (exit 1) when a candidate regresses against a baseline",
  leaderboard: "build leaderboard.json, README.md and index.html from runs",
  publish: "upload the leaderboard to a Hub dataset or Space",
  bench: "on-device latency for one input (load, warm up, repeat)",
  demo: "everything offline on bundled data with a tiny model",
};
