/**
 * One file into its blob: verified (sha256 for LFS, the listed oid for small files, else the size and one
 * warning), retried with backoff, written to `blobs/<etag>.<pid>.<random>.incomplete` (resumed with Range
 * after a cut, also one a killed process left) and landed by rename, so a blob is whole or absent. Two
 * callers wanting one blob share one download.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { warn } from "../core/log.js";
import { linkSnapshot, matchesOid } from "./cache.js";
import { authHeaders, type Ctx, resolveUrl, retryOptions } from "./context.js";
import { hubFailure } from "./failure.js";
import { cleanOid } from "./listing.js";
import { describeRepo, repoCacheDir } from "./paths.js";
import { isTransientStatus, PermanentError, retryAfterMs, TransientError, withRetry } from "./retry.js";
import type { RepoFile, RepoRef } from "./types.js";

/** Blob downloads in flight in this process, so two callers wanting one blob share one download. */
const inflight = new Map<string, Promise<string>>();

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
export async function downloadOne(
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
 * GET the file, resuming from `have` bytes with a Range request; returns the answer and the offset its
 * body starts at (0 when the server ignored the Range). Failed answers throw Transient/PermanentError.
 */
async function requestBody(
  ctx: Ctx,
  url: string,
  have: number,
  incomplete: string,
): Promise<{ res: Response & { body: ReadableStream<Uint8Array> }; have: number }> {
  const res = await ctx.fetch(url, {
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
  const body = res as Response & { body: ReadableStream<Uint8Array> };
  if (have === 0) return { res: body, have };
  const start = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
  // A 200 means the server ignored the Range: start over. A 206 must start where we stopped.
  if (res.status !== 206) return { res: body, have: 0 };
  if (start === null || Number(start[1]) !== have) {
    await res.body.cancel();
    await rm(incomplete, { force: true });
    throw new TransientError(`resume answered ${res.headers.get("content-range")}, expected bytes ${have}-`);
  }
  return { res: body, have };
}

/** The digests a download is checked with: sha256 always, and for a 40-hex oid the git blob and plain sha1. */
function digesters(file: RepoFile, check: Check) {
  const sha256 = createHash("sha256");
  // Small files are named by their oid: normally the git blob sha1, sha1("blob <size>\0" + content);
  // some servers list a plain sha1 of the content instead.
  const sha1s =
    check.kind === "oid" && check.want.length === 40
      ? [createHash("sha1").update(`blob ${file.size}\0`), createHash("sha1")]
      : [];
  return {
    update(chunk: Uint8Array): void {
      sha256.update(chunk);
      for (const h of sha1s) h.update(chunk);
    },
    /** sha256 first, then the sha1s (when any). */
    digests: (): string[] => [sha256.digest("hex"), ...sha1s.map((h) => h.digest("hex"))],
    hasSha1: sha1s.length > 0,
  };
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
  const answer = await requestBody(ctx, url, have, incomplete);
  have = answer.have;
  const hash = digesters(file, check);
  if (have > 0) {
    for await (const chunk of createReadStream(incomplete)) hash.update(chunk as Buffer);
  }
  let bytes = have;
  // Each chunk is written before the next is read, so when the connection drops every byte
  // received is on disk for the next attempt to resume from.
  const out = await open(incomplete, have > 0 ? "a" : "w");
  try {
    for await (const chunk of answer.res.body as AsyncIterable<Uint8Array>) {
      // A write can be short when the disk fills (the next one then fails with ENOSPC): never drop the rest.
      for (let off = 0; off < chunk.length; ) {
        off += (await out.write(chunk, off, chunk.length - off)).bytesWritten;
      }
      bytes += chunk.length;
      hash.update(chunk);
      ctx.onProgress?.({ path: file.path, bytes, total: file.size });
    }
  } finally {
    await out.close();
  }
  if (bytes < file.size) throw new TransientError(`truncated body: got ${bytes} of ${file.size} bytes`);
  const digests = hash.digests();
  const ok = check.kind === "none" || digests.includes(check.want);
  if (bytes > file.size || !ok) {
    await rm(incomplete, { force: true });
    const want = check.kind === "none" ? "" : check.want;
    const what =
      bytes > file.size
        ? `${bytes} bytes, expected ${file.size}`
        : `got ${check.kind === "oid" && hash.hasSha1 ? digests[1] : digests[0]}, expected ${want}`;
    throw new TransientError(`${check.kind === "oid" ? "git blob oid" : "sha256"} mismatch: ${what}`);
  }
  const blob = join(blobs, check.kind === "none" ? digests[0]! : check.want);
  await rename(incomplete, blob);
  return blob;
}
