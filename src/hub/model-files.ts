/** Model-level fetching: the files a backend picks from the repo listing, their external data, the lock. */
import { HubError, OfflineError } from "../core/errors.js";
import { lockedFiles, snapshotDir } from "./cache.js";
import { downloadExpected } from "./download.js";
import { hubEnv } from "./env.js";
import { listRepoFiles } from "./listing.js";
import { defaultLockPath, readLock, updateLock } from "./lock.js";
import { assertRepoId, describeRepo } from "./paths.js";
import { resolveRevision } from "./revision.js";
import type { HubOptions, RepoFile, RepoRef } from "./types.js";

/** What the engine gets back: the snapshot folder and each picked file's local path. */
export interface ModelFiles {
  /** Commit sha. */
  sha: string;
  /** Snapshot folder (external `.onnx_data` files sit next to their graphs here). */
  dir: string;
  /** Repo path → local path, for the picked files and their external data. */
  files: Record<string, string>;
}

/** External data files of a graph as the exporters name them: `x.onnx_data`, `x.onnx_data_1`, … */
function externalData(path: string, listing: RepoFile[]): RepoFile[] {
  if (!path.endsWith(".onnx")) return [];
  return listing.filter((f) => f.path === `${path}_data` || f.path.startsWith(`${path}_data_`));
}

/**
 * Downloads the model files `pick` chooses from the repo listing (plus each graph's external data) and
 * locks the sha under `models`. Offline, the listing is the cached snapshot.
 */
export async function ensureModelFiles(
  repoId: string,
  pick: (files: RepoFile[]) => string[],
  opts: HubOptions & { lockFile?: string; revision?: string } = {},
): Promise<ModelFiles> {
  assertRepoId(repoId);
  const env = opts.env ?? hubEnv();
  const o: HubOptions = { ...opts, env };
  const ref: RepoRef = { kind: "model", id: repoId };
  const lockPath = opts.lockFile ?? defaultLockPath();
  const entry = opts.revision === undefined ? (await readLock(lockPath)).models[repoId] : undefined;
  const sha = entry?.sha ?? (await resolveRevision(ref, opts.revision ?? "main", o));
  const listing = await listRepoFiles(ref, sha, o);
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const picked = pick(listing);
  const unknown = picked.filter((p) => !byPath.has(p));
  if (unknown.length > 0) {
    const where = env.offline ? "in the cached snapshot" : "in the repo";
    const err = `${describeRepo(ref)} at ${sha} has no ${unknown.join(", ")} ${where}.`;
    if (env.offline) {
      throw new OfflineError(
        err,
        "Run `fastvlm-eval fetch --model <name>` (or the same command) without HF_HUB_OFFLINE to download the model files.",
      );
    }
    throw new HubError(err, "Check the model name and dtype; the repo listing did not contain these files.");
  }
  const wanted = new Map<string, RepoFile>();
  for (const p of picked) {
    wanted.set(p, byPath.get(p)!);
    for (const x of externalData(p, listing)) wanted.set(x.path, x);
  }
  const lockedBefore = new Map((entry?.files ?? []).map((f) => [f.path, f]));
  const files = [...wanted.values()];
  const local = await downloadExpected(
    ref,
    sha,
    files.map((f) => {
      const l = lockedBefore.get(f.path);
      const sha256 = l?.sha256 ?? f.lfsSha256;
      return { path: f.path, size: l?.size ?? f.size, ...(sha256 !== undefined ? { sha256 } : {}) };
    }),
    o,
    env.offline ? undefined : listing,
  );
  if (!env.offline) {
    const locked = await lockedFiles(files, local);
    const changed = entry === undefined || files.some((f) => !lockedBefore.has(f.path));
    if (changed) {
      await updateLock(lockPath, (lock) => {
        const prev = lock.models[repoId];
        const merged = new Map(
          prev !== undefined && prev.sha === sha ? prev.files.map((f) => [f.path, f]) : [],
        );
        for (const f of locked.values()) merged.set(f.path, f);
        lock.models[repoId] = {
          repo: repoId,
          sha,
          files: [...merged.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
        };
      });
    }
  }
  return { sha, dir: snapshotDir(env, ref, sha), files: local };
}
