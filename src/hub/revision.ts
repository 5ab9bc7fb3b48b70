/** Revision → commit sha: a sha passes through, a branch or tag is asked of the Hub (offline: `refs/<name>`). */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { HubError, OfflineError } from "../core/errors.js";
import { authHeaders, type Ctx, context, resolveUrl, retryOptions } from "./context.js";
import { fetchAdvice, HUB_HINT, hubFailure } from "./failure.js";
import { assertRepoId, describeRepo, isCommitSha, repoCacheDir } from "./paths.js";
import { isTransientStatus, TransientError, withRetry } from "./retry.js";
import type { HubOptions, RepoRef } from "./types.js";

/** The sha a ref points to in the cache (`refs/<revision>`), or null. */
async function readRef(cacheDir: string, repo: RepoRef, revision: string): Promise<string | null> {
  if (assertRefSafe(revision) !== null) return null;
  try {
    const sha = (await readFile(join(repoCacheDir(cacheDir, repo), "refs", revision), "utf8")).trim();
    return isCommitSha(sha) ? sha : null;
  } catch {
    return null;
  }
}

function assertRefSafe(revision: string): string | null {
  return revision.split("/").some((s) => s === ".." || s === "" || s === ".") || revision.includes("\\")
    ? "unsafe"
    : null;
}

/** Resolves a branch or tag to a 40-hex commit sha (a sha passes through; offline reads `refs/<branch>`). */
export async function resolveRevision(repo: RepoRef, revision: string, opts?: HubOptions): Promise<string> {
  assertRepoId(repo.id);
  const ctx = context(opts);
  if (isCommitSha(revision)) return revision;
  if (ctx.env.offline) {
    const sha = await readRef(ctx.env.cacheDir, repo, revision);
    if (sha !== null) return sha;
    throw new OfflineError(
      `HF_HUB_OFFLINE is set and revision '${revision}' of ${describeRepo(repo)} is not in the cache (${join(repoCacheDir(ctx.env.cacheDir, repo), "refs", revision)} is missing).`,
      `${fetchAdvice(repo)} first, or pin the revision in datasets/lock.json.`,
    );
  }
  const hub = await import("@huggingface/hub");
  let sha: unknown;
  try {
    sha = await withRetry(
      async () => {
        const params = {
          name: repo.id,
          revision,
          hubUrl: ctx.env.endpoint,
          additionalFields: ["sha" as const],
          fetch: ctx.fetch,
          ...(ctx.token !== undefined ? { accessToken: ctx.token } : {}),
        };
        const info = repo.kind === "dataset" ? await hub.datasetInfo(params) : await hub.modelInfo(params);
        return (info as { sha?: unknown }).sha;
      },
      retryOptions(ctx, `resolving ${repo.id}@${revision}`),
    );
  } catch (err) {
    throw hubFailure(ctx, repo, `to resolve revision '${revision}'`, err);
  }
  // Some Hub-compatible servers leave `sha` out of revision info; resolve answers carry it as X-Repo-Commit.
  if (typeof sha !== "string" || !isCommitSha(sha)) sha = await repoCommitHeader(ctx, repo, revision);
  if (typeof sha !== "string" || !isCommitSha(sha)) {
    throw new HubError(
      `The Hub answered revision '${revision}' of ${describeRepo(repo)} without a valid commit sha.`,
      HUB_HINT(ctx.env),
    );
  }
  if (revision !== "HEAD" && assertRefSafe(revision) === null) {
    writeFileAtomic(join(repoCacheDir(ctx.env.cacheDir, repo), "refs", revision), sha);
  }
  return sha;
}

/**
 * The commit a revision points to, from the X-Repo-Commit header of a HEAD request on a file URL (the
 * header is there even when the file does not exist, like Python's hf_hub_download relies on); null when absent.
 */
async function repoCommitHeader(ctx: Ctx, repo: RepoRef, revision: string): Promise<string | null> {
  try {
    return await withRetry(
      async () => {
        const res = await ctx.fetch(resolveUrl(ctx.env.endpoint, repo, revision, "README.md"), {
          method: "HEAD",
          headers: authHeaders(ctx),
          // The header is on the Hub's own answer, not on a CDN it may redirect to.
          redirect: "manual",
        });
        await res.body?.cancel();
        if (isTransientStatus(res.status)) throw new TransientError(`HTTP ${res.status}`, res.status);
        return res.headers.get("x-repo-commit");
      },
      retryOptions(ctx, `resolving ${repo.id}@${revision} from X-Repo-Commit`),
    );
  } catch {
    return null;
  }
}
