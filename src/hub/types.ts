/** Shapes of the Hub layer's public API. */
import type { HubEnv } from "./env.js";

/** Which kind of Hub repo. */
export type RepoKind = "dataset" | "model";

/** A Hub repo. */
export interface RepoRef {
  /** Dataset or model. */
  kind: RepoKind;
  /** `org/name`. */
  id: string;
}

/** One file of a repo at a commit. */
export interface RepoFile {
  /** Path inside the repo, `/`-separated. */
  path: string;
  /** Size in bytes (of the real content, not the LFS pointer). */
  size: number;
  /** sha256 of the content, known for LFS files (the LFS oid). */
  lfsSha256?: string;
  /** Git blob sha1, known for files listed by the Hub. */
  gitOid?: string;
}

/** Bytes received so far for one file. */
export interface ProgressEvent {
  /** Repo path of the file. */
  path: string;
  /** Bytes received so far. */
  bytes: number;
  /** Expected size. */
  total: number;
}

/** Options every Hub call takes. */
export interface HubOptions {
  /** Settings; default `hubEnv()` from process.env. */
  env?: HubEnv;
  /** Retries after the first attempt for each request or file (default 6, so 7 attempts). */
  retries?: number;
  /** First backoff delay in ms (doubles each retry); default FASTVLM_EVAL_RETRY_BASE_MS or 500. */
  retryBaseMs?: number;
  /** Called as bytes arrive. */
  onProgress?: (p: ProgressEvent) => void;
  /** Aborts downloads and waits. */
  signal?: AbortSignal;
  /** The fetch every Hub request of the call goes through (default the global fetch). */
  fetch?: typeof fetch;
}
