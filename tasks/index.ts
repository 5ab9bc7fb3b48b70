import type { Json, TaskDefinition } from "../src/core/types.js";
import { ai2d } from "./ai2d.js";
import { chartqa } from "./chartqa.js";
import { docvqa } from "./docvqa.js";
import { gqa } from "./gqa.js";
import { infovqa } from "./infovqa.js";
import { mmmu } from "./mmmu.js";
import { ocrbench } from "./ocrbench.js";
import { pope } from "./pope.js";
import { realworldqa } from "./realworldqa.js";
import { scienceqaImg } from "./scienceqa_img.js";
import { seedbench } from "./seedbench.js";
import { textvqa } from "./textvqa.js";
import { vqav2 } from "./vqav2.js";

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
  chartqa: chartqa,
  infovqa: infovqa,
  ocrbench: ocrbench,
  ai2d: ai2d,
  scienceqa_img: scienceqaImg,
  realworldqa: realworldqa,
  vqav2: vqav2,
};
