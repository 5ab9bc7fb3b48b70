/** Every file of a repo at a sha: the Hub's recursive tree listing (memoised per sha), or offline the cached snapshot. */
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { OfflineError } from "../core/errors.js";
import { exists, snapshotDir } from "./cache.js";
import { type Ctx, context, hubRepo, retryOptions } from "./context.js";
import { fetchAdvice, hubFailure } from "./failure.js";
import { assertRepoId, assertSafePath, describeRepo, isCommitSha } from "./paths.js";
import { withRetry } from "./retry.js";
import type { HubOptions, RepoFile, RepoRef } from "./types.js";

const listingMemo = new Map<string, RepoFile[]>();

/** Every file of the repo at a sha (offline: the files present in the cached snapshot). */
export async function listRepoFiles(repo: RepoRef, sha: string, opts?: HubOptions): Promise<RepoFile[]> {
  assertRepoId(repo.id);
  const ctx = context(opts);
  if (ctx.env.offline) return listSnapshot(ctx, repo, sha);
  const key = `${ctx.env.endpoint}|${repo.kind}/${repo.id}@${sha}`;
  const memo = listingMemo.get(key);
  if (memo && isCommitSha(sha)) return memo;
  const hub = await import("@huggingface/hub");
  let files: RepoFile[];
  try {
    files = await withRetry(
      async () => {
        const found: RepoFile[] = [];
        for await (const entry of hub.listFiles({
          repo: hubRepo(repo),
          revision: sha,
          recursive: true,
          hubUrl: ctx.env.endpoint,
          fetch: ctx.fetch,
          ...(ctx.token !== undefined ? { accessToken: ctx.token } : {}),
        })) {
          if (entry.type !== "file") continue;
          found.push(toRepoFile(entry));
        }
        return found;
      },
      retryOptions(ctx, `listing ${repo.id}@${sha.slice(0, 8)}`),
    );
  } catch (err) {
    throw hubFailure(ctx, repo, `to list files at ${sha}`, err);
  }
  for (const f of files) assertSafePath(repo, f.path);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (isCommitSha(sha)) listingMemo.set(key, files);
  return files;
}

/** A listed hash as lower-case hex (a `sha256:` prefix dropped), or undefined when it is not 40/64 hex. */
export function cleanOid(v: unknown, lengths: readonly number[] = [40, 64]): string | undefined {
  if (typeof v !== "string") return undefined;
  const s = v
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, "");
  return /^[0-9a-f]+$/.test(s) && lengths.includes(s.length) ? s : undefined;
}

/** A listing entry (tree or paths-info) as a RepoFile with its usable checksums. */
export function toRepoFile(entry: {
  path: string;
  size: number;
  oid?: string | undefined;
  lfs?: { oid: string; size: number } | undefined;
}): RepoFile {
  const lfsSha256 = cleanOid(entry.lfs?.oid, [64]);
  // For an LFS file the git oid hashes the pointer, not the content: it cannot check the download.
  const gitOid = entry.lfs ? undefined : cleanOid(entry.oid);
  return {
    path: entry.path,
    size: entry.lfs?.size ?? entry.size,
    ...(lfsSha256 !== undefined ? { lfsSha256 } : {}),
    ...(gitOid !== undefined ? { gitOid } : {}),
  };
}

async function listSnapshot(ctx: Ctx, repo: RepoRef, sha: string): Promise<RepoFile[]> {
  const root = snapshotDir(ctx.env, repo, sha);
  if (!(await exists(root))) {
    throw new OfflineError(
      `HF_HUB_OFFLINE is set and ${describeRepo(repo)} at ${sha} is not in the cache (${root} is missing).`,
      `${fetchAdvice(repo)} first.`,
    );
  }
  const files: RepoFile[] = [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    // Directories, and link temp files a crash may have left behind, are not cached files.
    if (e.isDirectory() || e.name.includes(".tmp-")) continue;
    const full = join(e.parentPath, e.name);
    try {
      const s = await stat(full);
      if (s.isFile()) files.push({ path: relative(root, full).split("\\").join("/"), size: s.size });
    } catch {
      // A dangling link is not a cached file.
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
