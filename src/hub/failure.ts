/** Hub failures as HubErrors that name repo, file, HTTP status and the Hub's error code (token redacted). */
import { HarnessError, HubError } from "../core/errors.js";
import { fileSystemError, findFileSystemError } from "../core/fs-errors.js";
import { type Ctx, describeError } from "./context.js";
import { type HubEnv, redact } from "./env.js";
import { describeRepo } from "./paths.js";
import { PermanentError, RetriesExhausted, TransientError } from "./retry.js";
import type { RepoRef } from "./types.js";

/** The repo or revision does not exist (or is hidden from us); ensureDataset then tries fallback repos. */
export class RepoNotFoundError extends HubError {}

/** A requested file is not in the repo at that sha. */
export class EntryNotFoundError extends HubError {}

/** What to run online so an offline run finds this repo's files. */
export function fetchAdvice(repo: RepoRef): string {
  return repo.kind === "model"
    ? "Run `fastvlm-eval fetch --model <name>` (or the same command) without HF_HUB_OFFLINE"
    : "Run `fastvlm-eval fetch <task>` without HF_HUB_OFFLINE";
}

/** HTTP status of a failed request's error (@huggingface/hub's HubApiError or ours), when it has one. */
export function statusOf(err: unknown): number | undefined {
  const last = err instanceof RetriesExhausted ? err.last : err;
  if (last instanceof TransientError || last instanceof PermanentError) return last.status;
  const status = (last as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** The hint of a Hub failure that is not the user's repo id or token. */
export const HUB_HINT = (env: HubEnv): string =>
  `Check HF_ENDPOINT (now ${env.endpoint}), HF_TOKEN and your network, then run again: cached files are kept.`;

/** Turns any failure of a Hub operation into a HubError naming repo, file and status, token redacted. */
export function hubFailure(ctx: Ctx, repo: RepoRef, what: string, err: unknown): HarnessError {
  // Our own errors (a bad HF_TOKEN is a UsageError) keep their kind and exit code.
  if (err instanceof HarnessError) return err;
  if (err instanceof Error && err.name === "AbortError") {
    return new HubError(`Aborted while ${what} (${describeRepo(repo)}).`);
  }
  const attempts = err instanceof RetriesExhausted ? err.attempts : 1;
  const last = err instanceof RetriesExhausted ? err.last : err;
  const fsErr = findFileSystemError(last);
  if (fsErr !== undefined) {
    return fileSystemError(fsErr, {
      what: `the Hugging Face cache, ${what}`,
      fix: `free space or fix permissions in ${ctx.env.cacheDir}, or point HF_HOME (or HF_HUB_CACHE) at a writable disk`,
      details: { repo: repo.id, cacheDir: ctx.env.cacheDir },
    });
  }
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
  const details = {
    repo: repo.id,
    kind: repo.kind,
    status: status ?? null,
    hubErrorCode: code ?? null,
    endpoint: ctx.env.endpoint,
  };
  const head = `Failed ${what} (${describeRepo(repo)})${tries}: ${status !== undefined ? `HTTP ${status}` : "network error"}${code ? ` ${code}` : ""}: ${detail}`;
  if (
    code === "RepositoryNotFound" ||
    code === "RevisionNotFound" ||
    (status === 404 && code === undefined)
  ) {
    return new RepoNotFoundError(
      head,
      `Check the repo id and revision. If the repo is private, set HF_TOKEN. ${HUB_HINT(ctx.env)}`,
      { details },
    );
  }
  if (code === "GatedRepo" || status === 401 || status === 403) {
    return new HubError(
      head,
      status === 401 && ctx.token === undefined
        ? "The repo is private or gated, or does not exist: set HF_TOKEN to a token that can read it (and accept the repo's terms on its Hub page if it is gated)."
        : "Your token cannot read this repo: if it is gated, accept its terms on its Hub page; otherwise check HF_TOKEN.",
      { details },
    );
  }
  return new HubError(head, HUB_HINT(ctx.env), { details });
}
