/**
 * The openai: backend's registry entry: `--model openai:<base-url>#<model>`. It has no flags of its own; it
 * takes the run's `--concurrency` as its in-flight bound and `--retries` as its retry count.
 */
import type { BackendFactory, ModelOptions, RunContext } from "../backend.js";
import type { OpenAIBackendOptions } from "./backend.js";

/**
 * The backend's options for a run: the run's concurrency as its in-flight bound and `--retries` as its
 * retry count (its own default when not given). Explicit options win.
 */
export function openaiOptionsFor(
  run: RunContext | undefined,
  explicit: OpenAIBackendOptions | undefined,
): OpenAIBackendOptions {
  if (run === undefined) return explicit ?? {};
  return {
    concurrency: run.concurrency,
    ...(run.retries !== undefined ? { retries: run.retries } : {}),
    ...(explicit ?? {}),
  };
}

/** The OpenAI-compatible chat-completions backend (streaming, remote clock). */
export const openaiBackend: BackendFactory = {
  name: "openai",
  prefix: "openai:",
  describe: "openai:<base-url>#<model>",
  clock: "remote",
  flags: [],
  async create(model: string, options: ModelOptions, context) {
    const { createOpenAIBackend } = await import("./backend.js");
    return createOpenAIBackend(model, openaiOptionsFor(context.run, options.openai));
  },
};
