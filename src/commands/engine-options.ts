/** The on-device engine flags `predict` and `bench` share (registered the same way so their help agrees). */
import type { Command } from "commander";
import { LOGITS_HELP } from "../models/fastvlm/constants.js";

/** The flags addEngineOptions registers, as commander parses them. */
export interface EngineFlags {
  /** --image-mode. */
  imageMode?: string;
  /** --dtype. */
  dtype?: string;
  /** --device. */
  device?: string;
  /** --threads. */
  threads?: string;
  /** --inter-op-threads. */
  interOpThreads?: string;
  /** --revision. */
  revision?: string;
  /** --logits. */
  logits?: string;
}

/** Adds --image-mode, --dtype, --device, --threads, --inter-op-threads, --revision and --logits. */
export function addEngineOptions(command: Command): Command {
  return command
    .option("--image-mode <mode>", "pad (LLaVA expand2square, default) or crop (transformers.js)")
    .option("--dtype <spec>", "q4, fp16, … or per graph: vision=fp16,embed=fp16,decoder=q4")
    .option("--device <ep>", "execution provider: cpu (default), cuda, coreml, dml, webgpu")
    .option("--threads <N>", "intra-op threads per session (0: runtime default)")
    .option("--inter-op-threads <N>", "inter-op threads per session (0: runtime default)")
    .option("--revision <rev>", "Hub revision for registry models (default: the locked sha, else main)")
    .option("--logits <rows>", LOGITS_HELP);
}
