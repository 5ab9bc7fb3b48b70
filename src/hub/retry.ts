/** Retries with exponential backoff for transient Hub failures (5xx, 429, resets, truncation, bad bytes). */
import { setTimeout as sleep } from "node:timers/promises";
import { isFileSystemError } from "../core/fs-errors.js";

/** A failure worth another attempt. */
export class TransientError extends Error {
  /** HTTP status when the failure was an answer, else undefined. */
  readonly status: number | undefined;
  /** Server-requested wait (Retry-After), ms. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, status?: number, retryAfterMs?: number) {
    super(message);
    this.name = "TransientError";
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** A failure that another attempt will not fix (404, 401, …). */
export class PermanentError extends Error {
  /** HTTP status when the failure was an answer. */
  readonly status: number | undefined;
  /** X-Error-Code of the answer (RepositoryNotFound, EntryNotFound, RevisionNotFound, GatedRepo). */
  readonly errorCode: string | undefined;
  constructor(message: string, status?: number, errorCode?: string) {
    super(message);
    this.name = "PermanentError";
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** Statuses that mean "try again later". */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Retry-After (seconds or an HTTP date) in ms, capped so a hostile server cannot stall us for hours. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 60_000) : undefined;
}

/** Whether an error thrown by fetch, a body read or @huggingface/hub is worth another attempt. */
export function isTransient(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  if (err instanceof PermanentError) return false;
  if (!(err instanceof Error)) return false;
  if (err.name === "AbortError") return false;
  // A full disk or an unwritable cache is not network trouble: another attempt fails the same way.
  if (isFileSystemError(err)) return false;
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === "number") return isTransientStatus(status);
  // undici: "fetch failed" (TypeError with a cause), "terminated" on a reset body; JSON cut short.
  // Other TypeErrors are bugs, not network trouble: fail at once.
  if (err instanceof TypeError) return err.message === "fetch failed" || err.message === "terminated";
  if (err instanceof SyntaxError) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^(E[A-Z]+|UND_ERR_.*)$/.test(code);
}

/** Options of one retried operation. */
export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** First delay, ms; doubles each retry, capped at 30 s. */
  baseMs: number;
  /** Stops waiting when aborted. */
  signal?: AbortSignal;
  /** Called before each wait (for a log line). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Result of a failed retried operation: the last error and how many attempts were made. */
export class RetriesExhausted extends Error {
  /** The last failure. */
  readonly last: unknown;
  /** Attempts made. */
  readonly attempts: number;
  constructor(last: unknown, attempts: number) {
    super(last instanceof Error ? last.message : String(last));
    this.name = "RetriesExhausted";
    this.last = last;
    this.attempts = attempts;
  }
}

/** Runs `fn` until it succeeds, a permanent error occurs, or retries run out (then RetriesExhausted). */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      if (!isTransient(err)) throw err;
      if (attempt > opts.retries) throw new RetriesExhausted(err, attempt);
      const backoff = Math.min(opts.baseMs * 2 ** (attempt - 1), 30_000);
      const jittered = backoff * (0.75 + Math.random() * 0.5);
      const delay =
        err instanceof TransientError && err.retryAfterMs !== undefined ? err.retryAfterMs : jittered;
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : undefined);
    }
  }
}

/** Default first backoff delay: FASTVLM_EVAL_RETRY_BASE_MS or 500 ms. */
export function defaultRetryBaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.FASTVLM_EVAL_RETRY_BASE_MS);
  return Number.isFinite(value) && value >= 0 && env.FASTVLM_EVAL_RETRY_BASE_MS !== "" ? value : 500;
}
