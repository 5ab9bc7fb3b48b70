/** The baselines' registry entry: `--model baseline:random[=<seed>]` or `baseline:constant=<text>`. */
import type { BackendFactory } from "../backend.js";

/** Models that never look at the image (chance level; instant, deterministic runner tests). */
export const baselineBackend: BackendFactory = {
  name: "baseline",
  prefix: "baseline:",
  describe: "baseline:random[=<seed>], baseline:constant=<text>",
  clock: "none",
  flags: [],
  async create(model: string) {
    const { createBaseline } = await import("./index.js");
    return createBaseline(model);
  },
};
