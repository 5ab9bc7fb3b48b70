/**
 * Model names → backends. Forms accepted by `--model`:
 *   - a registry name (`fastvlm-0.5b`): downloaded from the Hub (pinned in datasets/lock.json);
 *   - a local folder in the onnx-community layout (`./ckpt`, `/abs/dir`, `~/dir`, or any existing directory);
 *   - `baseline:<kind>` (src/models/baseline) and `openai:<base-url>#<model>` (src/models/openai).
 * Heavy modules (onnxruntime-node, the Hub client) load only when a model is resolved.
 */
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve as resolvePath } from "node:path";
import { UsageError, unknownName } from "../core/errors.js";
import type { ModelBackend } from "../core/types.js";
import type { HubOptions, RepoFile } from "../hub/types.js";
import {
  CARD_DTYPE,
  DTYPE_SUFFIX,
  type DtypeMap,
  type DtypeSpec,
  GRAPHS,
  graphFile,
} from "./fastvlm/dtype.js";
import type { FastVLMOptions } from "./fastvlm/engine.js";
import type { OpenAIBackendOptions } from "./openai/backend.js";

/** One registry entry. */
export interface RegistryEntry {
  /** Hub model repo id. */
  repo: string;
  /** dtype per graph when `--dtype` does not say (the model card's recommendation). */
  defaultDtype: DtypeMap;
  /** One line for `list`. */
  description: string;
}

/** Known models by name. */
export const MODELS: Record<string, RegistryEntry> = {
  "fastvlm-0.5b": {
    repo: "onnx-community/FastVLM-0.5B-ONNX",
    defaultDtype: { ...CARD_DTYPE },
    description: "Apple FastVLM-0.5B (FastViTHD + Qwen2-0.5B), ONNX export by onnx-community",
  },
};

/** Options of resolveModel. */
export interface ResolveOptions extends Omit<FastVLMOptions, "name" | "source" | "revision"> {
  /** Hub revision (branch, tag or sha) for registry models; default the locked sha, else main. */
  revision?: string;
  /** Lock file path (default datasets/lock.json). */
  lockFile?: string;
  /** Hub settings (env, retries, progress, abort). */
  hub?: HubOptions;
  /** Options for `openai:` backends. */
  openai?: OpenAIBackendOptions;
}

/** Root-level files a FastVLM folder needs (optional ones are taken when listed). */
const CONFIG_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"];
const OPTIONAL_FILES = [
  "generation_config.json",
  "processor_config.json",
  "special_tokens_map.json",
  "added_tokens.json",
];

/** True when `name` means a local folder rather than a registry name. */
export function isLocalModelPath(name: string): boolean {
  if (name.startsWith("./") || name.startsWith("../") || name.startsWith("/") || name.startsWith("~"))
    return true;
  return existsSync(name) && statSync(name).isDirectory();
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : p;
}

/** The Hub files to fetch for a registry model with the given dtypes. */
export function pickModelFiles(listing: readonly RepoFile[], dtype: DtypeMap, repo: string): string[] {
  const have = new Set(listing.map((f) => f.path));
  const problems: string[] = [];
  const picked: string[] = [];
  for (const f of CONFIG_FILES) {
    if (have.has(f)) picked.push(f);
    else problems.push(`${f} is not in ${repo}`);
  }
  for (const f of OPTIONAL_FILES) if (have.has(f)) picked.push(f);
  for (const g of GRAPHS) {
    const file = graphFile(g, dtype[g]);
    if (have.has(file)) {
      picked.push(file);
      continue;
    }
    const available = (Object.keys(DTYPE_SUFFIX) as (keyof typeof DTYPE_SUFFIX)[]).filter((d) =>
      have.has(graphFile(g, d)),
    );
    problems.push(`${file} is not in ${repo} (dtypes available for ${g}: ${available.join(", ") || "none"})`);
  }
  if (problems.length > 0) {
    throw new UsageError(
      `Cannot fetch the model: ${problems.join("; ")}.`,
      "Choose an available dtype with --dtype.",
    );
  }
  return picked;
}

/** All accepted forms, for error hints. */
function acceptedForms(): string {
  return (
    `Registry models: ${Object.keys(MODELS).join(", ")}. Also: a local folder (./dir, /abs/dir, ~/dir), ` +
    "baseline:random[=<seed>], baseline:constant=<text>, openai:<base-url>#<model>."
  );
}

/**
 * Checks a `--model` value's form without loading anything, so `run` can reject a typo before it downloads
 * datasets. Throws the same UsageError `resolveModel` would.
 */
export function checkModelName(name: string): void {
  if (name.startsWith("baseline:") || name.startsWith("openai:")) return;
  if (Object.hasOwn(MODELS, name) || isLocalModelPath(name)) return;
  if (name.includes(":")) throw new UsageError(`Unknown model prefix in '${name}'.`, acceptedForms());
  const err = unknownName("model", name, Object.keys(MODELS));
  throw new UsageError(err.message, acceptedForms());
}

/** Options of fetchModelFiles: the part of ResolveOptions that decides which files are downloaded. */
export type FetchModelOptions = Pick<ResolveOptions, "dtype" | "revision" | "lockFile" | "hub">;

/** What fetchModelFiles downloaded. */
export interface FetchedModel {
  /** Hub model repo id. */
  repo: string;
  /** Commit sha (locked in datasets/lock.json under `models`). */
  sha: string;
  /** The dtype per graph the files are for (the card's, overridden by `dtype`). */
  dtype: DtypeMap;
  /** Snapshot folder in the HF cache. */
  dir: string;
  /** Repo path → local path of every downloaded file (graphs' external data included). */
  files: Record<string, string>;
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
  const dtype: DtypeMap = { ...entry.defaultDtype, ...(opts.dtype ?? {}) };
  const hub = await import("../hub/index.js");
  const got = await hub.ensureModelFiles(
    entry.repo,
    (listing) => pickModelFiles(listing, dtype, entry.repo),
    {
      ...(opts.hub ?? {}),
      ...(opts.lockFile !== undefined ? { lockFile: opts.lockFile } : {}),
      ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
    },
  );
  return { repo: entry.repo, sha: got.sha, dtype, dir: got.dir, files: got.files };
}

/** Resolves `--model` to a ready backend. */
export async function resolveModel(name: string, opts: ResolveOptions = {}): Promise<ModelBackend> {
  if (name.startsWith("baseline:")) {
    const mod = await import("./baseline/index.js");
    return mod.createBaseline(name);
  }
  if (name.startsWith("openai:")) {
    const mod = await import("./openai/index.js");
    return mod.createOpenAIBackend(name, opts.openai ?? {});
  }
  const engineOpts: FastVLMOptions = {
    ...(opts.device !== undefined ? { device: opts.device } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.interOpThreads !== undefined ? { interOpThreads: opts.interOpThreads } : {}),
    ...(opts.imageMode !== undefined ? { imageMode: opts.imageMode } : {}),
    ...(opts.logits !== undefined ? { logits: opts.logits } : {}),
  };
  if (Object.hasOwn(MODELS, name)) {
    const files = await fetchModelFiles(name, opts);
    const { loadFastVLM } = await import("./fastvlm/engine.js");
    return loadFastVLM(files.dir, {
      ...engineOpts,
      dtype: files.dtype,
      name,
      source: files.repo,
      revision: files.sha,
    });
  }
  if (isLocalModelPath(name)) {
    const { loadFastVLM } = await import("./fastvlm/engine.js");
    const dtype: DtypeSpec = opts.dtype ?? {};
    // The display name is the folder's own name (`./ckpt-a` → `ckpt-a`): a full path would leak into
    // leaderboards and published results. The full path stays in run.json as the model's source.
    const dir = expandHome(name);
    const display = basename(resolvePath(dir)) || name;
    return loadFastVLM(dir, { ...engineOpts, dtype, name: display });
  }
  checkModelName(name);
  throw new UsageError(`Cannot resolve model '${name}'.`, acceptedForms());
}

/** Model flags as commander hands them over (all strings). */
export interface ModelFlags {
  /** --dtype. */
  dtype?: string;
  /** --device. */
  device?: string;
  /** --threads. */
  threads?: string;
  /** --inter-op-threads. */
  interOpThreads?: string;
  /** --image-mode. */
  imageMode?: string;
  /** --revision. */
  revision?: string;
  /** --logits. */
  logits?: string;
}

const DEVICE_NAMES = ["cpu", "cuda", "coreml", "dml", "webgpu"] as const;

/** Validates model flags (every problem at once) into ResolveOptions. */
export function modelOptionsFromFlags(flags: ModelFlags, parse: (spec: string) => DtypeSpec): ResolveOptions {
  const problems: string[] = [];
  const opts: ResolveOptions = {};
  if (flags.dtype !== undefined) {
    try {
      opts.dtype = parse(flags.dtype);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (flags.device !== undefined) {
    const d = DEVICE_NAMES.find((x) => x === flags.device);
    if (d) opts.device = d;
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
  const threads = int("--threads", flags.threads);
  if (threads !== undefined) opts.threads = threads;
  const inter = int("--inter-op-threads", flags.interOpThreads);
  if (inter !== undefined) opts.interOpThreads = inter;
  if (flags.imageMode !== undefined) {
    if (flags.imageMode === "pad" || flags.imageMode === "crop") opts.imageMode = flags.imageMode;
    else problems.push(`--image-mode must be pad or crop, got '${flags.imageMode}'`);
  }
  if (flags.revision !== undefined) opts.revision = flags.revision;
  if (flags.logits !== undefined) {
    if (flags.logits === "all" || flags.logits === "last") opts.logits = flags.logits;
    else problems.push(`--logits must be all or last, got '${flags.logits}'`);
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return opts;
}
