/**
 * Download core: revision → sha, listings, and files at a sha into the Python-compatible HF cache.
 * Every file is verified (size, and sha256 for LFS; for small files the listed oid as a git blob sha1, or a
 * plain sha1/sha256 some servers give; files without any usable checksum get the size check and one warning),
 * retried with backoff,
 * written to `blobs/<etag>.<pid>.<random>.incomplete` (resumed with Range after a cut) and landed by rename, so a cache entry is whole or absent.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import {
  copyFile,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
} from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import { writeFileAtomic } from "../core/atomic-write.js";
import { HarnessError, HubError, OfflineError } from "../core/errors.js";
import { warn } from "../core/log.js";
import { accessToken, type HubEnv, hubEnv, redact } from "./env.js";
import { assertRepoId, assertSafePath, describeRepo, isCommitSha, repoCacheDir } from "./paths.js";
import {
  defaultRetryBaseMs,
  isTransientStatus,
  PermanentError,
  RetriesExhausted,
  retryAfterMs,
  TransientError,
  withRetry,
} from "./retry.js";
import type { HubOptions, RepoFile, RepoRef } from "./types.js";

/** The repo or revision does not exist (or is hidden from us); ensureDataset then tries fallback repos. */
export class RepoNotFoundError extends HubError {}

/** A requested file is not in the repo at that sha. */
export class EntryNotFoundError extends HubError {}

/** A file whose size and digest the caller already knows (from the lock), so a cache hit can be checked. */
export interface ExpectedFile {
  /** Repo path. */
  path: string;
  /** Expected size in bytes. */
  size?: number;
  /** Expected sha256 of the content. */
  sha256?: string;
}

/** Resolved per-call settings. */
interface Ctx {
  env: HubEnv;
  token: string | undefined;
  retries: number;
  baseMs: number;
  signal: AbortSignal | undefined;
  onProgress: HubOptions["onProgress"];
  /** X-Error-Code of the last error answer per URL (@huggingface/hub drops the header). */
  errorCodes: Map<string, string>;
  fetch: typeof fetch;
}

const DEFAULT_RETRIES = 6;
const PARALLEL_DOWNLOADS = 3;
const listingMemo = new Map<string, RepoFile[]>();
/** Blob downloads in flight in this process, so two callers wanting one blob share one download. */
const inflight = new Map<string, Promise<string>>();

/** What to run online so an offline run finds this repo's files. */
function fetchAdvice(repo: RepoRef): string {
  return repo.kind === "model"
    ? "Run `fastvlm-eval fetch --model <name>` (or the same command) without HF_HUB_OFFLINE"
    : "Run `fastvlm-eval fetch <task>` without HF_HUB_OFFLINE";
}

function context(opts: HubOptions = {}): Ctx {
  const env = opts.env ?? hubEnv();
  const errorCodes = new Map<string, string>();
  const signal = opts.signal;
  const wrapped: typeof fetch = async (input, init) => {
    const res = await fetch(input, { ...init, ...(signal ? { signal } : {}) });
    const code = res.headers.get("x-error-code");
    if (!res.ok && code !== null) errorCodes.set(res.url || String(input), code);
    return res;
  };
  return {
    env,
    // Checked when a request is about to be made, so a cached run never trips over a bad HF_TOKEN.
    get token() {
      return env.offline ? undefined : accessToken(env);
    },
    retries: opts.retries ?? DEFAULT_RETRIES,
    baseMs: opts.retryBaseMs ?? defaultRetryBaseMs(),
    signal,
    onProgress: opts.onProgress,
    errorCodes,
    fetch: wrapped,
  };
}

/** HTTP status of a failed request's error (@huggingface/hub's HubApiError or ours), when it has one. */
function statusOf(err: unknown): number | undefined {
  const last = err instanceof RetriesExhausted ? err.last : err;
  if (last instanceof TransientError || last instanceof PermanentError) return last.status;
  const status = (last as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** The HubOptions a context was made from (for calling another public function). */
function optsOf(ctx: Ctx): HubOptions {
  return {
    env: ctx.env,
    retries: ctx.retries,
    retryBaseMs: ctx.baseMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  };
}

function authHeaders(ctx: Ctx): Record<string, string> {
  return ctx.token !== undefined ? { Authorization: `Bearer ${ctx.token}` } : {};
}

function hubRepo(repo: RepoRef): { type: "dataset" | "model"; name: string } {
  return { type: repo.kind, name: repo.id };
}

/** `https://hub/datasets/org/name/resolve/<sha>/<path>` (models have no prefix). */
export function resolveUrl(endpoint: string, repo: RepoRef, revision: string, path: string): string {
  const prefix = repo.kind === "dataset" ? "datasets/" : "";
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/${prefix}${repo.id}/resolve/${encodeURIComponent(revision)}/${encoded}`;
}

const HUB_HINT = (env: HubEnv): string =>
  `Check HF_ENDPOINT (now ${env.endpoint}), HF_TOKEN and your network, then run again: cached files are kept.`;

/** Turns any failure of a Hub operation into a HubError naming repo, file and status, token redacted. */
function hubFailure(ctx: Ctx, repo: RepoRef, what: string, err: unknown): HarnessError {
  // Our own errors (a bad HF_TOKEN is a UsageError) keep their kind and exit code.
  if (err instanceof HarnessError) return err;
  if (err instanceof Error && err.name === "AbortError") {
    return new HubError(`Aborted while ${what} (${describeRepo(repo)}).`);
  }
  const attempts = err instanceof RetriesExhausted ? err.attempts : 1;
  const last = err instanceof RetriesExhausted ? err.last : err;
  const status =
    last instanceof TransientError || last instanceof PermanentError
      ? last.status
      : (last as { statusCode?: number } | undefined)?.statusCode;
  const url = (last as { url?: unknown } | undefined)?.url;
  const code =
    last instanceof PermanentError
      ? last.errorCode
      : typeof url === "string"
        ? ctx.errorCodes.get(url)
        : undefined;
  const detail = redact(describeError(last), ctx.env);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  const head = `Failed ${what} (${describeRepo(repo)})${tries}: ${status !== undefined ? `HTTP ${status}` : "network error"}${code ? ` ${code}` : ""}: ${detail}`;
  if (
    code === "RepositoryNotFound" ||
    code === "RevisionNotFound" ||
    (status === 404 && code === undefined)
  ) {
    return new RepoNotFoundError(
      head,
      `Check the repo id and revision. If the repo is private, set HF_TOKEN. ${HUB_HINT(ctx.env)}`,
    );
  }
  if (code === "GatedRepo" || status === 401 || status === 403) {
    return new HubError(
      head,
      status === 401 && ctx.token === undefined
        ? "The repo is private or gated, or does not exist: set HF_TOKEN to a token that can read it (and accept the repo's terms on its Hub page if it is gated)."
        : "Your token cannot read this repo: if it is gated, accept its terms on its Hub page; otherwise check HF_TOKEN.",
    );
  }
  return new HubError(head, HUB_HINT(ctx.env));
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? ` (${(cause as { code?: string }).code ?? cause.message})` : "";
  return `${err.message}${causeText}`;
}

function retryOptions(ctx: Ctx, label: string) {
  return {
    retries: ctx.retries,
    baseMs: ctx.baseMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onRetry: (err: unknown, attempt: number, delayMs: number) =>
      warn(
        redact(
          `${label}: ${describeError(err)}; retry ${attempt}/${ctx.retries} in ${Math.round(delayMs)} ms`,
          ctx.env,
        ),
      ),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

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
function cleanOid(v: unknown, lengths: readonly number[] = [40, 64]): string | undefined {
  if (typeof v !== "string") return undefined;
  const s = v
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, "");
  return /^[0-9a-f]+$/.test(s) && lengths.includes(s.length) ? s : undefined;
}

function toRepoFile(entry: {
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

/** Whether a snapshot entry is present and matches what the caller expects. */
async function cacheHit(
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

/** How a download is checked: sha256 of the content, a small file's listed oid, or the size only. */
type Check = { kind: "sha256"; want: string } | { kind: "oid"; want: string } | { kind: "none" };

function checkOf(file: RepoFile, lockedSha256: string | undefined): Check {
  if (file.lfsSha256 !== undefined) return { kind: "sha256", want: file.lfsSha256 };
  if (file.gitOid !== undefined) return { kind: "oid", want: file.gitOid };
  // No usable checksum from the Hub: the lock's sha256 (a file fetched before) still checks it.
  const locked = cleanOid(lockedSha256, [64]);
  if (locked !== undefined) return { kind: "sha256", want: locked };
  return { kind: "none" };
}

/** Files already warned about as unverifiable, so a file is named once per process and cache. */
const warnedUnverified = new Set<string>();

/** Downloads one file into its blob (verified) and links the snapshot entry to it. */
async function downloadOne(
  ctx: Ctx,
  repo: RepoRef,
  sha: string,
  file: RepoFile,
  local: string,
  lockedSha256?: string,
): Promise<void> {
  const check = checkOf(file, lockedSha256);
  const blobs = join(repoCacheDir(ctx.env.cacheDir, repo), "blobs");
  await mkdir(blobs, { recursive: true });
  if (check.kind === "none") {
    const key = `${ctx.env.cacheDir}|${describeRepo(repo)}@${sha}:${file.path}`;
    if (!warnedUnverified.has(key)) {
      warnedUnverified.add(key);
      warn(
        `${file.path} of ${describeRepo(repo)} at ${sha.slice(0, 8)}: the Hub listing gives no usable checksum, so only its size (${file.size} bytes) can be verified; it is cached under the sha256 of what was received.`,
      );
    }
  }
  // Blobs are named by their etag; an unverifiable file gets its name (its sha256) only once it is received.
  const etag =
    check.kind === "none"
      ? createHash("sha1").update(`unverified\0${repo.kind}/${repo.id}@${sha}/${file.path}`).digest("hex")
      : check.want;
  const blob = join(blobs, etag);
  // An existing blob is reused when its size is right; small (git) blobs are cheap to re-hash, so check them too.
  const blobOk =
    check.kind !== "none" &&
    (await stat(blob).then(
      (s) => s.size === file.size,
      () => false,
    )) &&
    (check.kind === "sha256" || (await matchesOid(blob, file.size, check.want)));
  let landed = blob;
  if (!blobOk) {
    let pending = inflight.get(blob);
    if (pending === undefined) {
      const url = resolveUrl(ctx.env.endpoint, repo, sha, file.path);
      // Unique per process (parallel shards may fetch one blob at once); kept across attempts to resume.
      const incomplete = `${blob}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.incomplete`;
      // Registered before the first await, so a concurrent caller finds it.
      pending = (async () => {
        await adoptPartial(blobs, etag, incomplete);
        return withRetry(
          () => fetchToBlob(ctx, url, file, check, blobs, incomplete),
          retryOptions(ctx, `downloading ${file.path}`),
        );
      })().finally(() => rm(incomplete, { force: true }));
      inflight.set(blob, pending);
      pending.then(
        () => inflight.delete(blob),
        () => inflight.delete(blob),
      );
    }
    try {
      landed = await pending;
    } catch (err) {
      throw hubFailure(ctx, repo, `to download ${file.path} at ${sha}`, err);
    }
  }
  await linkSnapshot(local, landed);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A download cut short by a killed process (Ctrl-C) leaves `<etag>.<pid>.<rand>.incomplete`. When that
 * process is gone, take over its largest partial file to resume from, and delete the rest.
 */
async function adoptPartial(blobs: string, etag: string, incomplete: string): Promise<void> {
  const stale: { path: string; size: number }[] = [];
  for (const name of await readdir(blobs).catch(() => [] as string[])) {
    const m = /^([0-9a-f]+)\.(\d+)\.[a-z0-9]*\.incomplete$/.exec(name);
    if (m === null || m[1] !== etag || alive(Number(m[2]))) continue;
    const path = join(blobs, name);
    const size = await stat(path).then(
      (st) => st.size,
      () => -1,
    );
    if (size >= 0) stale.push({ path, size });
  }
  stale.sort((a, b) => b.size - a.size);
  const [best, ...rest] = stale;
  // Another process may adopt the same file first: a failed rename just means starting fresh.
  if (best !== undefined) await rename(best.path, incomplete).catch(() => undefined);
  await Promise.all(rest.map((r) => rm(r.path, { force: true })));
}

/**
 * One attempt: GET the file (resuming a partial `.incomplete` with a Range request), hash while
 * writing, check size and checksum, rename into place; returns the blob path. Bad bytes discard the
 * partial file; a cut connection keeps it for the next attempt.
 */
async function fetchToBlob(
  ctx: Ctx,
  url: string,
  file: RepoFile,
  check: Check,
  blobs: string,
  incomplete: string,
): Promise<string> {
  let have = await stat(incomplete).then(
    (s) => s.size,
    () => 0,
  );
  if (have >= file.size) {
    await rm(incomplete, { force: true });
    have = 0;
  }
  const res = await fetch(url, {
    headers: { ...authHeaders(ctx), ...(have > 0 ? { Range: `bytes=${have}-` } : {}) },
    redirect: "follow",
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    const code = res.headers.get("x-error-code") ?? undefined;
    if (res.status === 416) await rm(incomplete, { force: true });
    if (isTransientStatus(res.status) || res.status === 416) {
      throw new TransientError(
        `HTTP ${res.status}`,
        res.status,
        retryAfterMs(res.headers.get("retry-after")),
      );
    }
    throw new PermanentError(`HTTP ${res.status}`, res.status, code);
  }
  if (have > 0) {
    const start = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
    // A 200 means the server ignored the Range: start over. A 206 must start where we stopped.
    if (res.status !== 206) have = 0;
    else if (start === null || Number(start[1]) !== have) {
      await res.body.cancel();
      await rm(incomplete, { force: true });
      throw new TransientError(
        `resume answered ${res.headers.get("content-range")}, expected bytes ${have}-`,
      );
    }
  }
  const sha256 = createHash("sha256");
  // Small files are named by their oid: normally the git blob sha1, sha1("blob <size>\0" + content);
  // some servers list a plain sha1 of the content instead.
  const sha1s =
    check.kind === "oid" && check.want.length === 40
      ? [createHash("sha1").update(`blob ${file.size}\0`), createHash("sha1")]
      : [];
  const update = (chunk: Uint8Array): void => {
    sha256.update(chunk);
    for (const h of sha1s) h.update(chunk);
  };
  if (have > 0) {
    for await (const chunk of createReadStream(incomplete)) update(chunk as Buffer);
  }
  let bytes = have;
  // Each chunk is written before the next is read, so when the connection drops every byte
  // received is on disk for the next attempt to resume from.
  const out = await open(incomplete, have > 0 ? "a" : "w");
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      await out.write(chunk);
      bytes += chunk.length;
      update(chunk);
      ctx.onProgress?.({ path: file.path, bytes, total: file.size });
    }
  } finally {
    await out.close();
  }
  if (bytes < file.size) throw new TransientError(`truncated body: got ${bytes} of ${file.size} bytes`);
  const digests = [sha256.digest("hex"), ...sha1s.map((h) => h.digest("hex"))];
  const ok = check.kind === "none" || digests.includes(check.want);
  if (bytes > file.size || !ok) {
    await rm(incomplete, { force: true });
    const want = check.kind === "none" ? "" : check.want;
    const what =
      bytes > file.size
        ? `${bytes} bytes, expected ${file.size}`
        : `got ${check.kind === "oid" && sha1s.length > 0 ? digests[1] : digests[0]}, expected ${want}`;
    throw new TransientError(`${check.kind === "oid" ? "git blob oid" : "sha256"} mismatch: ${what}`);
  }
  const blob = join(blobs, check.kind === "none" ? digests[0]! : check.want);
  await rename(incomplete, blob);
  return blob;
}

/** Whether a small file matches its listed oid: git blob sha1, or a plain sha1/sha256 of the content. */
async function matchesOid(path: string, size: number, oid: string): Promise<boolean> {
  const hashes =
    oid.length === 40
      ? [createHash("sha1").update(`blob ${size}\0`), createHash("sha1")]
      : [createHash("sha256")];
  for await (const chunk of createReadStream(path)) for (const h of hashes) h.update(chunk as Buffer);
  return hashes.some((h) => h.digest("hex") === oid);
}

/** Points `snapshots/<sha>/<path>` at `../../blobs/<etag>` with a relative link (a copy where links fail). */
async function linkSnapshot(local: string, blob: string): Promise<void> {
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
