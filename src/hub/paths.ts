/** Cache folder layout (the one Python huggingface_hub uses) and path safety checks. */
import { join } from "node:path";
import { HubError, UsageError } from "../core/errors.js";
import type { RepoRef } from "./types.js";

/** `datasets--org--name` / `models--org--name`, the cache folder of a repo. */
export function repoFolderName(repo: RepoRef): string {
  return `${repo.kind}s--${repo.id.split("/").join("--")}`;
}

/** Absolute cache folder of a repo. */
export function repoCacheDir(cacheDir: string, repo: RepoRef): string {
  return join(cacheDir, repoFolderName(repo));
}

/** `dataset org/name` for messages. */
export function describeRepo(repo: RepoRef): string {
  return `${repo.kind} ${repo.id}`;
}

/** True for a full 40-hex commit sha. */
export function isCommitSha(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** Problems with a repo-relative path that would let it land outside its snapshot folder, or none. */
export function unsafePathReason(path: string): string | null {
  if (path.length === 0) return "it is empty";
  if (path.includes("\\")) return "it contains a backslash";
  if (path.includes("\0")) return "it contains a NUL byte";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "it is absolute";
  const segments = path.split("/");
  if (segments.some((s) => s === "..")) return "it contains '..'";
  if (segments.some((s) => s === "" || s === ".")) return "it has an empty or '.' segment";
  return null;
}

/** Throws a HubError when a path from the Hub (or the caller) is not a plain relative path. */
export function assertSafePath(repo: RepoRef, path: string): void {
  const reason = unsafePathReason(path);
  if (reason !== null) {
    throw new HubError(
      `Refusing file path ${JSON.stringify(path)} from ${describeRepo(repo)}: ${reason}, so it could land outside the snapshot folder.`,
      "The repo or the server at HF_ENDPOINT is serving an unsafe file name; check HF_ENDPOINT and report it to the repo owner.",
    );
  }
}

/** Checks a repo id is `org/name` (or a bare `name`) with safe characters. */
export function assertRepoId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/.test(id) || id.includes("..")) {
    throw new UsageError(
      `Invalid Hub repo id ${JSON.stringify(id)}.`,
      "A repo id looks like 'org/name' (letters, digits, '.', '_', '-').",
    );
  }
}
