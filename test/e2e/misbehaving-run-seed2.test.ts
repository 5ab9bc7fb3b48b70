/** `run` on every task with misbehaving fp32 models of seed 2 (see misbehaving-run-helpers.ts). */
import { misbehavingRun } from "./misbehaving-run-helpers.js";

misbehavingRun(2, ["stop-string-first", "stop-sometimes", "special-tokens"]);
