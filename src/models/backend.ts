/**
 * The shape of a backend's registry entry (src/models/registry.ts lists them): how `--model` values are
 * matched, the flags the backend owns, and the factory that opens it. A backend is one folder under
 * src/models/ with a `factory.ts` exporting one of these; the runner and the commands see only this shape.
 */
import type { Json, ModelBackend, TimingClock } from "../core/types.js";
import type { HubOptions } from "../hub/types.js";
import type { FastVLMOptions } from "./fastvlm/engine.js";
import type { OpenAIBackendOptions } from "./openai/backend.js";

/**
 * The validated options every factory receives; each reads its own part (FastVLM the engine settings and
 * `revision`, openai: the `openai` member, baselines nothing).
 */
export interface ModelOptions extends Omit<FastVLMOptions, "name" | "source" | "revision"> {
  /** Hub revision (branch, tag or sha) for registry models (`--model-revision`); default the locked sha. */
  revision?: string;
  /** Lock file path (default datasets/lock.json). */
  lockFile?: string;
  /** Hub settings (env, retries, progress, abort). */
  hub?: HubOptions;
  /** Explicit options for `openai:` backends (they win over what the run context implies). */
  openai?: OpenAIBackendOptions;
}

/** Where a backend's timings come from: the device running the model, a remote server, or no model at all. */
export type BackendClock = TimingClock;

/** One command-line flag a backend owns (registered on `run`, `predict` and `bench` alike). */
export interface BackendFlag {
  /** Commander flag syntax, e.g. `--dtype <spec>`. */
  flag: string;
  /** Key of the parsed value in EngineFlagValues (commander's camelCase of the flag). */
  key: keyof EngineFlagValues;
  /** Help text. */
  help: string;
}

/** Every backend flag as commander hands it over (strings, unvalidated). */
export interface EngineFlagValues {
  /** --dtype. */
  dtype?: string | undefined;
  /** --device. */
  device?: string | undefined;
  /** --threads. */
  threads?: string | undefined;
  /** --inter-op-threads. */
  interOpThreads?: string | undefined;
  /** --image-mode. */
  imageMode?: string | undefined;
  /** --logits. */
  logits?: string | undefined;
  /** --reuse-cache-mb. */
  reuseCacheMb?: string | undefined;
  /** --model-revision. */
  modelRevision?: string | undefined;
}

/** What the caller knows about the run, which a backend may use (the openai: backend bounds its requests). */
export interface RunContext {
  /** Generations the caller keeps in flight (`--concurrency`; 1 for predict and bench). */
  concurrency: number;
  /** `--retries` when given. */
  retries?: number;
}

/** A registry entry: one backend. */
export interface BackendFactory {
  /** Short name (`fastvlm`, `openai`, `baseline`), for `list` and messages. */
  name: string;
  /** `--model` values starting with this belong to the backend (`openai:`); else `match` decides. */
  prefix?: string;
  /** For backends without a prefix: true when the `--model` value is theirs (a registry name, a folder). */
  match?(model: string): boolean;
  /** The `--model` forms the backend accepts, for help and error hints. */
  describe: string;
  /** Where its timings come from (`bench` needs `device`; TTFT is reported for `device` only). */
  clock: BackendClock;
  /** The flags it owns. */
  flags: readonly BackendFlag[];
  /** Validates its flags into `into`, pushing one line per problem. */
  parseFlags?(values: EngineFlagValues, into: ModelOptions, problems: string[]): void;
  /**
   * Settings from its flags that change what a model sees (image handling): part of every run's identity.
   * Called for every backend, whichever one runs, so the identity does not depend on the backend list.
   */
  promptSettings?(options: ModelOptions): Record<string, Json>;
  /** Its flags as recorded in run.json's config (not part of the identity); called for every backend. */
  recordedConfig?(values: EngineFlagValues, options: ModelOptions): Record<string, Json>;
  /** Checks a `--model` value of this backend without loading anything (throws a UsageError). */
  check?(model: string): void;
  /** Opens the backend. */
  create(model: string, options: ModelOptions, context: CreateContext): Promise<ModelBackend>;
}

/** What every factory receives besides its options. */
export interface CreateContext {
  /** The run, when there is one. */
  run?: RunContext;
}
