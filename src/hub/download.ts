/**
 * Files at a sha into the Python-compatible HF cache: cache hits cost no request, the rest are looked up
 * (paths-info, or the listing) and downloaded three at a time into verified blobs (blob.ts). The pieces:
 * context.ts (per-call settings and the one fetch), failure.ts, revision.ts, listing.ts, cache.ts, blob.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { HubError, OfflineError } from "../core/errors.js";
import { downloadOne } from "./blob.js";
import { cachedSha256, cacheHit, type ExpectedFile, exists, snapshotDir } from "./cache.js";
import { type Ctx, context, hubRepo, optsOf, retryOptions } from "./context.js";
import { EntryNotFoundError, fetchAdvice, hubFailure, statusOf } from "./failure.js";
import { listRepoFiles, toRepoFile } from "./listing.js";
import { assertRepoId, assertSafePath, describeRepo, isCommitSha, repoCacheDir } from "./paths.js";
import { withRetry } from "./retry.js";
import type { HubOptions, RepoFile, RepoRef } from "./types.js";

const PARALLEL_DOWNLOADS = 3;

/** Downloads files at a sha into the cache; returns path → local snapshot path. Cached files cost no request. */
export async function downloadFiles(
  repo: RepoRef,
  sha: string,
  paths: string[],
  opts?: HubOptions,
): Promise<Record<string, string>> {
  return downloadExpected(
    repo,
    sha,
    paths.map((path) => ({ path })),
    opts,
  );
}

/**
 * Like downloadFiles, with known sizes/digests (from the lock) checked on cache hits and after download,
 * and optional Hub metadata (from a listing) that saves the paths-info request.
 */
export async function downloadExpected(
  repo: RepoRef,
  sha: string,
  files: ExpectedFile[],
  opts?: HubOptions,
  known?: RepoFile[],
): Promise<Record<string, string>> {
  assertRepoId(repo.id);
  if (!isCommitSha(sha)) throw new HubError(`downloadFiles needs a 40-hex commit sha, got '${sha}'.`);
  const ctx = context(opts);
  const root = snapshotDir(ctx.env, repo, sha);
  const result: Record<string, string> = {};
  const missing: ExpectedFile[] = [];
  const listed = new Map((known ?? []).map((k) => [k.path, k]));
  for (const f of files) {
    assertSafePath(repo, f.path);
    const local = join(root, ...f.path.split("/"));
    result[f.path] = local;
    const k = listed.get(f.path);
    if (!(await cacheHit(local, f, k?.lfsSha256 === undefined ? k?.gitOid : undefined))) missing.push(f);
  }
  if (missing.length === 0) return result;
  if (ctx.env.offline) {
    const names = missing.map((f) => f.path).join(", ");
    throw new OfflineError(
      `HF_HUB_OFFLINE is set and ${missing.length} file(s) of ${describeRepo(repo)} at ${sha} are not in the cache: ${names}.`,
      `${fetchAdvice(repo)} to download them first.`,
    );
  }
  const meta = await fileMetadata(ctx, repo, sha, missing, known);
  const { default: pLimit } = await import("p-limit");
  const limit = pLimit(PARALLEL_DOWNLOADS);
  await Promise.all(
    missing.map((f) =>
      limit(async () => {
        const info = meta.get(f.path)!;
        await downloadOne(ctx, repo, sha, info, join(root, ...f.path.split("/")), f.sha256);
        const local = join(root, ...f.path.split("/"));
        if (f.sha256 !== undefined && (await cachedSha256(local)) !== f.sha256) {
          throw new HubError(
            `${f.path} of ${describeRepo(repo)} at ${sha} has sha256 ${await cachedSha256(local)}, but the lock says ${f.sha256}.`,
            "The lock file and the Hub disagree about immutable content: check HF_ENDPOINT points at the same Hub, or re-lock with --revision.",
          );
        }
      }),
    ),
  );
  return result;
}

/** Size and checksums of the files to download: from the listing when given, else one paths-info request. */
async function fileMetadata(
  ctx: Ctx,
  repo: RepoRef,
  sha: string,
  files: ExpectedFile[],
  known: RepoFile[] | undefined,
): Promise<Map<string, RepoFile>> {
  const meta = new Map<string, RepoFile>();
  for (const k of known ?? []) if (k.gitOid !== undefined || k.lfsSha256 !== undefined) meta.set(k.path, k);
  const ask = files.filter((f) => !meta.has(f.path)).map((f) => f.path);
  if (ask.length > 0) {
    const hub = await import("@huggingface/hub");
    let infos: Awaited<ReturnType<typeof hub.pathsInfo>>;
    try {
      infos = await withRetry(
        () =>
          hub.pathsInfo({
            repo: hubRepo(repo),
            paths: ask,
            revision: sha,
            hubUrl: ctx.env.endpoint,
            fetch: ctx.fetch,
            ...(ctx.token !== undefined ? { accessToken: ctx.token } : {}),
          }),
        retryOptions(ctx, `paths-info ${repo.id}`),
      );
    } catch (err) {
      const status = statusOf(err);
      // A server without paths-info (404/405/501): the tree listing has the same metadata.
      if (status !== 404 && status !== 405 && status !== 501) {
        throw hubFailure(ctx, repo, `to look up ${ask.join(", ")} at ${sha}`, err);
      }
      infos = await listRepoFiles(repo, sha, optsOf(ctx)).then((all) =>
        all
          .filter((f) => ask.includes(f.path))
          .map((f) => ({
            type: "file" as const,
            path: f.path,
            size: f.size,
            oid: f.gitOid ?? "",
            ...(f.lfsSha256 !== undefined ? { lfs: { oid: f.lfsSha256, size: f.size, pointerSize: 0 } } : {}),
          })),
      );
    }
    for (const info of infos) if (info.type === "file") meta.set(info.path, toRepoFile(info));
  }
  const absent = files.filter((f) => !meta.has(f.path)).map((f) => f.path);
  if (absent.length > 0) {
    throw new EntryNotFoundError(
      `${describeRepo(repo)} at ${sha} has no file ${absent.join(", ")}.`,
      "Check the file name and revision (datasets/lock.json, --revision).",
    );
  }
  return meta;
}

/** A small text file of the repo at a sha (e.g. README.md), cached like any file; null when it does not exist. */
export async function readRepoText(
  repo: RepoRef,
  sha: string,
  path: string,
  opts?: HubOptions,
): Promise<string | null> {
  assertRepoId(repo.id);
  assertSafePath(repo, path);
  const ctx = context(opts);
  const local = join(snapshotDir(ctx.env, repo, sha), ...path.split("/"));
  if (await cacheHit(local, undefined)) return readFile(local, "utf8");
  // Python's marker for "this file does not exist at this sha".
  const noExist = join(repoCacheDir(ctx.env.cacheDir, repo), ".no_exist", sha, ...path.split("/"));
  if (await exists(noExist)) return null;
  if (ctx.env.offline) {
    throw new OfflineError(
      `HF_HUB_OFFLINE is set and ${path} of ${describeRepo(repo)} at ${sha} is not in the cache.`,
      `${fetchAdvice(repo)} to download it first.`,
    );
  }
  try {
    await downloadExpected(repo, sha, [{ path }], opts);
  } catch (err) {
    if (err instanceof EntryNotFoundError) {
      writeFileAtomic(noExist, "");
      return null;
    }
    throw err;
  }
  return readFile(local, "utf8");
}
