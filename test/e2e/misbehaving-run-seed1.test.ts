/** `run` on every task with misbehaving q4 models of seed 1 (see misbehaving-run-helpers.ts). */
import { misbehavingRun } from "./misbehaving-run-helpers.js";

misbehavingRun(1, ["stop-first", "half-utf8"]);
