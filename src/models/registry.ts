/**
 * The backend registry: every `--model` form, every backend flag and every backend list anywhere is derived
 * from BACKENDS. A backend is one folder under src/models/ and one entry here (src/models/backend.ts gives
 * the entry's shape). Forms accepted by `--model`:
 *   - a registry name (`fastvlm-0.5b`): downloaded from the Hub (pinned in datasets/lock.json);
 *   - a local folder in the onnx-community layout (`./ckpt`, `/abs/dir`, `~/dir`, or any existing directory);
 *   - `baseline:<kind>` (src/models/baseline) and `openai:<base-url>#<model>` (src/models/openai).
 * Heavy modules (onnxruntime-node, the Hub client) load only when a model is opened.
 */
import { UsageError, unknownName } from "../core/errors.js";
import { withClock } from "../core/timing.js";
import type { Json, ModelBackend, TimingClock } from "../core/types.js";
import type {
  BackendFactory,
  BackendFlag,
  CreateContext,
  EngineFlagValues,
  ModelOptions,
  RunContext,
} from "./backend.js";
import { baselineBackend } from "./baseline/factory.js";
import { fastvlmBackend } from "./fastvlm/factory.js";
import {
  type FetchedModel,
  type FetchModelOptions,
  fetchRegistryModel,
  MODELS,
} from "./fastvlm/hub-models.js";
import { openaiBackend } from "./openai/factory.js";

export type { BackendFactory, BackendFlag, EngineFlagValues, RunContext } from "./backend.js";
export {
  type FetchedModel,
  type FetchModelOptions,
  isLocalModelPath,
  MODELS,
  pickModelFiles,
  type RegistryEntry,
} from "./fastvlm/hub-models.js";

/** Every backend: prefixed ones first, then the ones that match by form. */
export const BACKENDS: readonly BackendFactory[] = [baselineBackend, openaiBackend, fastvlmBackend];

/** Options of resolveModel. */
export interface ResolveOptions extends ModelOptions {
  /** What the caller knows about the run (its concurrency and retries), for backends that use it. */
  run?: RunContext;
}

/** All accepted forms, for error hints. */
function acceptedForms(): string {
  return `Accepted: ${BACKENDS.map((b) => b.describe).join("; ")}.`;
}

/** The backend a `--model` value belongs to, or undefined. */
export function backendFor(model: string): BackendFactory | undefined {
  return (
    BACKENDS.find((b) => b.prefix !== undefined && model.startsWith(b.prefix)) ??
    BACKENDS.find((b) => b.prefix === undefined && b.match?.(model) === true)
  );
}

/**
 * Checks a `--model` value's form without loading anything, so `run` can reject a typo before it downloads
 * datasets. Returns its backend; throws the same UsageError `resolveModel` would.
 */
export function checkModelName(name: string): BackendFactory {
  const backend = backendFor(name);
  if (backend !== undefined) {
    backend.check?.(name);
    return backend;
  }
  if (name.includes(":")) throw new UsageError(`Unknown model prefix in '${name}'.`, acceptedForms());
  const err = unknownName("model", name, Object.keys(MODELS));
  throw new UsageError(err.message, acceptedForms());
}

/** Resolves `--model` to a ready backend. */
export async function resolveModel(name: string, opts: ResolveOptions = {}): Promise<ModelBackend> {
  const backend = checkModelName(name);
  const { run, ...options } = opts;
  const context: CreateContext = run !== undefined ? { run } : {};
  return tagClock(await backend.create(name, options, context), backend.clock);
}

/** The backend with every generation's timing tagged with its registry entry's clock. */
function tagClock(backend: ModelBackend, clock: TimingClock): ModelBackend {
  return {
    info: backend.info,
    async generate(request, options) {
      const g = await backend.generate(request, options);
      return { ...g, timing: withClock(g.timing, clock) };
    },
    dispose: () => backend.dispose(),
  };
}

/**
 * Downloads (or finds in the cache) exactly the files `resolveModel` loads for a registry model and dtype,
 * and locks them. Local folders, `baseline:` and `openai:` models have nothing to download: UsageError.
 */
export async function fetchModelFiles(name: string, opts: FetchModelOptions = {}): Promise<FetchedModel> {
  const entry = Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
  if (entry === undefined) {
    checkModelName(name);
    throw new UsageError(
      `Model '${name}' is not downloaded from the Hub, so there is nothing to fetch.`,
      `Only registry models are fetched (${Object.keys(MODELS).join(", ")}); local folders, baseline: and ` +
        "openai: models are used as they are.",
    );
  }
  return fetchRegistryModel(entry, opts);
}

/** Every backend's flags, in registry order (each flag once): what `run`, `predict` and `bench` register. */
export function backendFlags(): BackendFlag[] {
  const seen = new Set<string>();
  const flags: BackendFlag[] = [];
  for (const b of BACKENDS) {
    for (const f of b.flags) {
      if (seen.has(f.key)) continue;
      seen.add(f.key);
      flags.push(f);
    }
  }
  return flags;
}

/** Model flags as commander hands them over (all strings). */
export type ModelFlags = EngineFlagValues;

/** Validates every backend's flags (every problem at once) into the options resolveModel takes. */
export function modelOptionsFromFlags(flags: ModelFlags): ResolveOptions {
  const problems: string[] = [];
  const opts: ResolveOptions = {};
  for (const b of BACKENDS) b.parseFlags?.(flags, opts, problems);
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return opts;
}

/** What every backend's flags contribute to a run: identity settings and recorded config. */
export function backendRunConfig(
  flags: ModelFlags,
  opts: ModelOptions,
): { promptSettings: Record<string, Json>; recorded: Record<string, Json> } {
  const promptSettings: Record<string, Json> = {};
  const recorded: Record<string, Json> = {};
  for (const b of BACKENDS) {
    Object.assign(promptSettings, b.promptSettings?.(opts) ?? {});
    Object.assign(recorded, b.recordedConfig?.(flags, opts) ?? {});
  }
  return { promptSettings, recorded };
}
