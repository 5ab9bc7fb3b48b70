/**
 * The Python-compatible HF cache (`<cache>/<kind>s--org--name/{blobs,snapshots,refs}`): where a snapshot
 * lives, whether an entry is a hit, checksums of cached files, and linking a snapshot entry to its blob.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, realpath, rename, stat, symlink } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import type { HubEnv } from "./env.js";
import type { LockedFile } from "./lock.js";
import { repoCacheDir } from "./paths.js";
import type { RepoFile, RepoRef } from "./types.js";

/** A file whose size and digest the caller already knows (from the lock), so a cache hit can be checked. */
export interface ExpectedFile {
  /** Repo path. */
  path: string;
  /** Expected size in bytes. */
  size?: number;
  /** Expected sha256 of the content. */
  sha256?: string;
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The snapshot folder of a repo at a sha. */
export function snapshotDir(env: HubEnv, repo: RepoRef, sha: string): string {
  return join(repoCacheDir(env.cacheDir, repo), "snapshots", sha);
}

/** sha256 of a cached file: the blob name for LFS blobs, else hashed (small git files). */
export async function cachedSha256(localPath: string): Promise<string> {
  try {
    const target = basename(await realpath(localPath));
    if (/^[0-9a-f]{64}$/.test(target)) return target;
  } catch {
    // fall through to hashing
  }
  const hash = createHash("sha256");
  await pipeline(createReadStream(localPath), hash);
  return hash.digest("hex");
}

/** Size and sha256 of downloaded files (the LFS oid when known, else hashed: small files only). */
export async function lockedFiles(
  files: RepoFile[],
  local: Record<string, string>,
): Promise<Map<string, LockedFile>> {
  const out = new Map<string, LockedFile>();
  for (const f of files) {
    const path = local[f.path]!;
    const size = (await stat(path)).size;
    out.set(f.path, { path: f.path, size, sha256: f.lfsSha256 ?? (await cachedSha256(path)) });
  }
  return out;
}

/** Whether a snapshot entry is present and matches what the caller expects. */
export async function cacheHit(
  local: string,
  expected: ExpectedFile | undefined,
  gitOid?: string,
): Promise<boolean> {
  let size: number;
  try {
    size = (await stat(local)).size;
  } catch {
    return false;
  }
  if (expected?.size !== undefined && expected.size !== size) return false;
  if (expected?.sha256 !== undefined && (await cachedSha256(local)) !== expected.sha256) return false;
  // Small git files are cheap to re-hash when the listing gave their oid.
  if (gitOid !== undefined && !(await matchesOid(local, size, gitOid))) return false;
  return true;
}

/** Whether a small file matches its listed oid: git blob sha1, or a plain sha1/sha256 of the content. */
export async function matchesOid(path: string, size: number, oid: string): Promise<boolean> {
  const hashes =
    oid.length === 40
      ? [createHash("sha1").update(`blob ${size}\0`), createHash("sha1")]
      : [createHash("sha256")];
  for await (const chunk of createReadStream(path)) for (const h of hashes) h.update(chunk as Buffer);
  return hashes.some((h) => h.digest("hex") === oid);
}

/** Points `snapshots/<sha>/<path>` at `../../blobs/<etag>` with a relative link (a copy where links fail). */
export async function linkSnapshot(local: string, blob: string): Promise<void> {
  await mkdir(dirname(local), { recursive: true });
  const target = relative(dirname(local), blob);
  const tmp = `${local}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await symlink(target, tmp);
  } catch {
    await copyFile(blob, tmp);
  }
  await rename(tmp, local);
}
