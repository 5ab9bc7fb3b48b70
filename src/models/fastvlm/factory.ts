/**
 * FastVLM's registry entry: `--model` is a registry name (downloaded from the Hub) or a local folder in the
 * onnx-community layout. Owns the on-device engine flags. onnxruntime-node loads only in `create`.
 */
import { homedir } from "node:os";
import { basename, join, resolve as resolvePath } from "node:path";
import type { ModelBackend } from "../../core/types.js";
import type { BackendFactory, BackendFlag, EngineFlagValues, ModelOptions } from "../backend.js";
import { DEFAULT_LOGITS, DEFAULT_REUSE_CACHE_MB, LOGITS_HELP } from "./constants.js";
import { type DtypeSpec, parseDtype } from "./dtype.js";
import type { FastVLMOptions } from "./engine.js";
import { fetchRegistryModel, isLocalModelPath, MODELS } from "./hub-models.js";

const DEVICE_NAMES = ["cpu", "cuda", "coreml", "dml", "webgpu"] as const;

/** The flags FastVLM owns, in help order. */
/**
 * Environment default of --threads: caps the runtime's threads on a shared machine (a CI runner, the test
 * suite's parallel workers) without editing every command. Spinning thread pools of two processes on the same
 * cores slow both down.
 */
const THREADS_ENV = "FASTVLM_EVAL_THREADS";

const FLAGS: readonly BackendFlag[] = [
  {
    flag: "--dtype <spec>",
    key: "dtype",
    help: "q4, fp16, … or per graph: vision=fp16,embed=fp16,decoder=q4",
  },
  {
    flag: "--device <ep>",
    key: "device",
    help: "execution provider: cpu (default), cuda, coreml, dml, webgpu",
  },
  {
    flag: "--threads <N>",
    key: "threads",
    help: `intra-op threads per session (0: runtime default; default: $${THREADS_ENV}, else 0)`,
  },
  {
    flag: "--inter-op-threads <N>",
    key: "interOpThreads",
    help: "inter-op threads per session (0: runtime default)",
  },
  {
    flag: "--image-mode <mode>",
    key: "imageMode",
    help: "pad (LLaVA expand2square, default) or crop (transformers.js)",
  },
  { flag: "--logits <rows>", key: "logits", help: LOGITS_HELP },
  {
    flag: "--reuse-cache-mb <n>",
    key: "reuseCacheMb",
    help: `MiB kept for vision features and prompt-prefix KV caches reused across questions about one image (0: none; default ${DEFAULT_REUSE_CACHE_MB}); never changes an answer`,
  },
  {
    flag: "--model-revision <rev>",
    key: "modelRevision",
    help: "Hub branch, tag or sha of a registry model (default: the locked sha, else main)",
  },
];

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : p;
}

/** Validates FastVLM's flags into `into` (every problem pushed). */
function parseFlags(flags: EngineFlagValues, into: ModelOptions, problems: string[]): void {
  if (flags.dtype !== undefined) {
    try {
      into.dtype = parseDtype(flags.dtype);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (flags.device !== undefined) {
    const d = DEVICE_NAMES.find((x) => x === flags.device);
    if (d) into.device = d;
    else problems.push(`--device must be one of ${DEVICE_NAMES.join(", ")}, got '${flags.device}'`);
  }
  const int = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      problems.push(`${flag} must be a non-negative integer, got '${v}'`);
      return undefined;
    }
    return n;
  };
  const threads =
    flags.threads !== undefined
      ? int("--threads", flags.threads)
      : int(THREADS_ENV, process.env[THREADS_ENV]?.trim() || undefined);
  if (threads !== undefined) into.threads = threads;
  const inter = int("--inter-op-threads", flags.interOpThreads);
  if (inter !== undefined) into.interOpThreads = inter;
  const reuseMb = int("--reuse-cache-mb", flags.reuseCacheMb);
  if (reuseMb !== undefined) into.reuseCacheMb = reuseMb;
  if (flags.imageMode !== undefined) {
    if (flags.imageMode === "pad" || flags.imageMode === "crop") into.imageMode = flags.imageMode;
    else problems.push(`--image-mode must be pad or crop, got '${flags.imageMode}'`);
  }
  if (flags.modelRevision !== undefined) into.revision = flags.modelRevision;
  if (flags.logits !== undefined) {
    if (flags.logits === "all" || flags.logits === "last") into.logits = flags.logits;
    else problems.push(`--logits must be all or last, got '${flags.logits}'`);
  }
}

/** Loads a registry model (downloading its files) or a local folder. */
async function create(name: string, opts: ModelOptions): Promise<ModelBackend> {
  const engineOpts: FastVLMOptions = {
    ...(opts.device !== undefined ? { device: opts.device } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.interOpThreads !== undefined ? { interOpThreads: opts.interOpThreads } : {}),
    ...(opts.imageMode !== undefined ? { imageMode: opts.imageMode } : {}),
    ...(opts.logits !== undefined ? { logits: opts.logits } : {}),
    ...(opts.reuseCacheMb !== undefined ? { reuseCacheMb: opts.reuseCacheMb } : {}),
  };
  const { loadFastVLM } = await import("./engine.js");
  const backend = await loadFastVLMFrom(name, opts, engineOpts, loadFastVLM);
  // The family that picks tasks' prompt variants (TaskDefinition.promptVariants).
  backend.info.family = "fastvlm";
  return backend;
}

async function loadFastVLMFrom(
  name: string,
  opts: ModelOptions,
  engineOpts: FastVLMOptions,
  loadFastVLM: typeof import("./engine.js").loadFastVLM,
): Promise<ModelBackend> {
  const entry = Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
  if (entry !== undefined) {
    const files = await fetchRegistryModel(entry, opts);
    return loadFastVLM(files.dir, {
      ...engineOpts,
      dtype: files.dtype,
      name,
      source: files.repo,
      revision: files.sha,
    });
  }
  const dtype: DtypeSpec = opts.dtype ?? {};
  // The display name is the folder's own name (`./ckpt-a` → `ckpt-a`): a full path would leak into
  // leaderboards and published results. The full path stays in run.json as the model's source.
  const dir = expandHome(name);
  const display = basename(resolvePath(dir)) || name;
  return loadFastVLM(dir, { ...engineOpts, dtype, name: display });
}

/** The FastVLM backend: ONNX Runtime on this machine. */
export const fastvlmBackend: BackendFactory = {
  name: "fastvlm",
  match: (model) => Object.hasOwn(MODELS, model) || isLocalModelPath(model),
  describe: `a registry model (${Object.keys(MODELS).join(", ")}) or a local folder (./dir, /abs/dir, ~/dir)`,
  clock: "device",
  flags: FLAGS,
  parseFlags,
  // Image handling changes what the model sees, so it is part of the run identity.
  promptSettings: (opts) => ({ imageMode: opts.imageMode ?? "pad" }),
  recordedConfig: (flags, opts) => ({
    dtype: flags.dtype ?? null,
    device: flags.device ?? null,
    threads: opts.threads ?? null,
    interOpThreads: opts.interOpThreads ?? null,
    // Requested; the effective choice is in the model fingerprint (a patched decoder changes it).
    logits: opts.logits ?? DEFAULT_LOGITS,
    // A memory budget: it changes speed, never an answer, so it is recorded but not in the run identity.
    reuseCacheMb: opts.reuseCacheMb ?? DEFAULT_REUSE_CACHE_MB,
  }),
  create,
};
