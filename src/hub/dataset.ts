/** Dataset-level fetching: card configs → files, the lock, fallback repos (models: model-files.ts). */
import { readFile } from "node:fs/promises";
import { DataError, HubError, OfflineError } from "../core/errors.js";
import type { DatasetSpec } from "../core/types.js";
import { lockedFiles } from "./cache.js";
import { type CardConfig, parseCardConfigs, splitFiles } from "./card.js";
import { downloadExpected } from "./download.js";
import { hubEnv } from "./env.js";
import { EntryNotFoundError, RepoNotFoundError } from "./failure.js";
import { listRepoFiles } from "./listing.js";
import {
  type DatasetLockEntry,
  datasetKey,
  defaultLockPath,
  joinKey,
  type LockedFile,
  type LockFile,
  readLock,
  updateLock,
} from "./lock.js";
import { assertRepoId, describeRepo } from "./paths.js";
import { resolveRevision } from "./revision.js";
import type { HubOptions, RepoFile, RepoRef } from "./types.js";

/** A task's data on disk. */
export interface DatasetFiles {
  /** Repo id actually used. */
  repo: string;
  /** Commit sha. */
  sha: string;
  /** Local parquet paths of the split, sorted by repo path. */
  files: string[];
  /** Joined configs by config name → local paths, sorted. */
  joins: Record<string, string[]>;
  /** Config name. */
  config: string;
  /** Split name. */
  split: string;
  /** Total bytes of all files (split and joins). */
  bytes: number;
  /** True when the sha came from the lock (no revision was resolved). */
  fromLock: boolean;
}

/** Options of ensureDataset. */
export type EnsureDatasetOptions = HubOptions & {
  /** Lock file path; default datasets/lock.json under the cwd. */
  lockFile?: string;
  /** Branch, tag or sha to resolve instead of the locked sha; the lock is updated. */
  revision?: string;
  /** Use this repo instead of the spec's (a mirror or a fork with the same layout). */
  repoOverride?: string;
};

interface Part {
  config: string;
  split: string;
}

/** Downloads (or finds in the cache) a task's split and joins, and locks them. */
export async function ensureDataset(
  spec: DatasetSpec,
  opts: EnsureDatasetOptions = {},
): Promise<DatasetFiles> {
  const env = opts.env ?? hubEnv();
  const o: HubOptions = { ...opts, env };
  const lockPath = opts.lockFile ?? defaultLockPath();
  const candidates =
    opts.repoOverride !== undefined ? [opts.repoOverride] : [spec.repo, ...(spec.fallbackRepos ?? [])];
  for (const c of candidates) assertRepoId(c);
  const parts: Part[] = [{ config: spec.config, split: spec.split }, ...(spec.joins ?? [])];

  if (opts.revision === undefined) {
    const lock = await readLock(lockPath);
    for (const repo of candidates) {
      const entry = lock.datasets[datasetKey(repo, spec.config, spec.split)];
      if (
        entry !== undefined &&
        parts.slice(1).every((p) => entry.joins[joinKey(p.config, p.split)] !== undefined)
      ) {
        try {
          return await fromLockEntry(entry, parts, o);
        } catch (err) {
          throw lockedShaMissing(err, entry, lockPath);
        }
      }
    }
  }

  // Not locked (or a revision was asked for): resolve, find the files, download, lock.
  const revision = opts.revision ?? spec.revision ?? "main";
  let firstError: unknown;
  for (const repo of candidates) {
    const ref: RepoRef = { kind: "dataset", id: repo };
    let sha: string;
    try {
      sha = await resolveRevision(ref, revision, o);
    } catch (err) {
      if (err instanceof RepoNotFoundError || (env.offline && err instanceof OfflineError)) {
        firstError ??= err;
        continue;
      }
      throw err;
    }
    return fetchAndLock(ref, sha, parts, o, lockPath, env.offline);
  }
  if (candidates.length > 1 && firstError instanceof HubError) {
    throw new HubError(
      `${firstError.message} (also tried ${candidates.slice(1).join(", ")})`,
      firstError.hint,
    );
  }
  throw firstError;
}

/** A 404 for a locked sha: the lock pins a commit this endpoint lacks; name the lock and the way out. */
function lockedShaMissing(err: unknown, entry: DatasetLockEntry, lockPath: string): unknown {
  const notFound =
    err instanceof RepoNotFoundError ||
    err instanceof EntryNotFoundError ||
    (err instanceof HubError && err.details.status === 404);
  if (!notFound) return err;
  return new HubError(
    `${lockPath} pins ${entry.repo} at ${entry.sha.slice(0, 12)}, which the Hub endpoint does not serve: ${err.message}`,
    `Pass --revision main (or another branch, tag or sha) to resolve and re-lock it, or delete its entry from ${lockPath}; ` +
      "if the endpoint is a mirror, check that it has that commit.",
    { cause: err, details: { ...err.details, lockFile: lockPath, lockedSha: entry.sha } },
  );
}

async function fromLockEntry(entry: DatasetLockEntry, parts: Part[], o: HubOptions): Promise<DatasetFiles> {
  const ref: RepoRef = { kind: "dataset", id: entry.repo };
  const groups = [entry.files, ...parts.slice(1).map((p) => entry.joins[joinKey(p.config, p.split)] ?? [])];
  const local = await downloadExpected(ref, entry.sha, groups.flat(), o);
  return result(ref, entry.sha, parts, groups, local, true);
}

function result(
  ref: RepoRef,
  sha: string,
  parts: Part[],
  groups: LockedFile[][],
  local: Record<string, string>,
  fromLock: boolean,
): DatasetFiles {
  const paths = (g: LockedFile[]) =>
    [...g].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => local[f.path]!);
  const joins: Record<string, string[]> = {};
  parts.slice(1).forEach((p, i) => {
    joins[p.config] = paths(groups[i + 1] ?? []);
  });
  return {
    repo: ref.id,
    sha,
    files: paths(groups[0] ?? []),
    joins,
    config: parts[0]!.config,
    split: parts[0]!.split,
    bytes: groups.flat().reduce((n, f) => n + f.size, 0),
    fromLock,
  };
}

/** The card's configs; the README comes through the cache like any file (no card → no configs). */
async function cardConfigs(
  ref: RepoRef,
  sha: string,
  listing: RepoFile[],
  o: HubOptions,
): Promise<CardConfig[]> {
  const readme = listing.find((f) => f.path === "README.md");
  if (readme === undefined) return [];
  let card: string | null;
  try {
    const local = await downloadExpected(ref, sha, [{ path: readme.path, size: readme.size }], o, listing);
    card = await readFile(local[readme.path]!, "utf8");
  } catch (err) {
    // Offline without a cached card: fall back to the folder conventions over the cached files.
    if (err instanceof OfflineError) return [];
    throw err;
  }
  try {
    return parseCardConfigs(card);
  } catch (err) {
    throw new DataError(
      `The dataset card (README.md) of ${describeRepo(ref)} at ${sha} has a malformed configs block: ${(err as Error).message}.`,
      "Report it to the dataset owner, or pass --dataset-repo with a repo whose card is valid.",
    );
  }
}

async function fetchAndLock(
  ref: RepoRef,
  sha: string,
  parts: Part[],
  o: HubOptions,
  lockPath: string,
  offline: boolean,
): Promise<DatasetFiles> {
  const listing = await listRepoFiles(ref, sha, o);
  const configs = await cardConfigs(ref, sha, listing, o);
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const problems: string[] = [];
  const chosen: RepoFile[][] = parts.map((p) => {
    const found = splitFiles(
      configs,
      listing.map((f) => f.path),
      p.config,
      p.split,
    );
    if (!found.ok) {
      problems.push(found.problem);
      return [];
    }
    return found.files.map((path) => byPath.get(path)!);
  });
  if (problems.length > 0) {
    const msg = `Cannot find the data files of ${describeRepo(ref)} at ${sha}: ${problems.join("; ")}.`;
    if (offline) {
      throw new OfflineError(
        msg,
        "Run `fastvlm-eval fetch <task>` without HF_HUB_OFFLINE to download them first.",
      );
    }
    throw new DataError(msg, "Check the task's config and split names against the dataset card on the Hub.");
  }
  const all = chosen.flat();
  const local = await downloadExpected(
    ref,
    sha,
    all.map((f) => ({ path: f.path, size: f.size, ...(f.lfsSha256 ? { sha256: f.lfsSha256 } : {}) })),
    o,
    listing,
  );
  const locked = await lockedFiles(all, local);
  const groups = chosen.map((g) => g.map((f) => locked.get(f.path)!));
  if (!offline) {
    await updateLock(lockPath, (lock: LockFile) => {
      const [main, ...rest] = parts;
      const joins: Record<string, LockedFile[]> = {};
      rest.forEach((p, i) => {
        joins[joinKey(p.config, p.split)] = groups[i + 1] ?? [];
      });
      lock.datasets[datasetKey(ref.id, main!.config, main!.split)] = {
        repo: ref.id,
        config: main!.config,
        split: main!.split,
        sha,
        files: groups[0] ?? [],
        joins,
      };
    });
  }
  return result(ref, sha, parts, groups, local, false);
}
