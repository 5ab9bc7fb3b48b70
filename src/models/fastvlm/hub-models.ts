/**
 * FastVLM models known by name: the Hub repo each one is downloaded from, the files a run loads, and the
 * download itself (locked in datasets/lock.json under `models`).
 */
import { existsSync, statSync } from "node:fs";
import { UsageError } from "../../core/errors.js";
import type { HubOptions, RepoFile } from "../../hub/types.js";
import { CARD_DTYPE, DTYPE_SUFFIX, type DtypeMap, type DtypeSpec, GRAPHS, graphFile } from "./dtype.js";

/** One registry model. */
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

/** Options of fetchModelFiles: what decides which files are downloaded. */
export interface FetchModelOptions {
  /** dtype per graph (overrides the card's). */
  dtype?: DtypeSpec;
  /** Hub revision instead of the locked sha. */
  revision?: string;
  /** Lock file path (default datasets/lock.json). */
  lockFile?: string;
  /** Hub settings. */
  hub?: HubOptions;
}

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

/** Downloads (or finds in the cache) exactly the files a registry model loads with `dtype`, and locks them. */
export async function fetchRegistryModel(
  entry: RegistryEntry,
  opts: FetchModelOptions,
): Promise<FetchedModel> {
  const dtype: DtypeMap = { ...entry.defaultDtype, ...(opts.dtype ?? {}) };
  const hub = await import("../../hub/index.js");
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
