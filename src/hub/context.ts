/**
 * The per-call context every Hub request goes through: settings, the token (read only when a request is
 * about to be made), retries, the abort signal, and the one `fetch` (HubOptions.fetch or the global one)
 * that every request uses, wrapped to remember the Hub's X-Error-Code per URL.
 */
import { warn } from "../core/log.js";
import { accessToken, type HubEnv, hubEnv, redact } from "./env.js";
import { defaultRetryBaseMs, type RetryOptions } from "./retry.js";
import type { HubOptions, RepoRef } from "./types.js";

/** Resolved per-call settings. */
export interface Ctx {
  /** Endpoint, token source, offline flag and cache folder. */
  env: HubEnv;
  /** HF_TOKEN, read when a request is about to be made (undefined offline or unset). */
  token: string | undefined;
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff delay in ms. */
  baseMs: number;
  /** Aborts requests and waits. */
  signal: AbortSignal | undefined;
  /** Called as bytes arrive. */
  onProgress: HubOptions["onProgress"];
  /** X-Error-Code of the last error answer per URL (@huggingface/hub drops the header). */
  errorCodes: Map<string, string>;
  /** The fetch every request of this call goes through (signal added, error codes recorded). */
  fetch: typeof fetch;
  /** The fetch the caller injected (or the global one), for passing on to another public call. */
  baseFetch: typeof fetch;
}

const DEFAULT_RETRIES = 6;

/** The context of one public Hub call. */
export function context(opts: HubOptions = {}): Ctx {
  const env = opts.env ?? hubEnv();
  const errorCodes = new Map<string, string>();
  const signal = opts.signal;
  const base = opts.fetch ?? globalThis.fetch;
  const wrapped: typeof fetch = async (input, init) => {
    const res = await base(input, { ...init, ...(signal ? { signal } : {}) });
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
    baseFetch: base,
  };
}

/** The HubOptions a context was made from (for calling another public function). */
export function optsOf(ctx: Ctx): HubOptions {
  return {
    env: ctx.env,
    retries: ctx.retries,
    retryBaseMs: ctx.baseMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
    fetch: ctx.baseFetch,
  };
}

/** The Authorization header when a token is set. */
export function authHeaders(ctx: Ctx): Record<string, string> {
  return ctx.token !== undefined ? { Authorization: `Bearer ${ctx.token}` } : {};
}

/** The repo as @huggingface/hub names it. */
export function hubRepo(repo: RepoRef): { type: "dataset" | "model"; name: string } {
  return { type: repo.kind, name: repo.id };
}

/** `https://hub/datasets/org/name/resolve/<sha>/<path>` (models have no prefix). */
export function resolveUrl(endpoint: string, repo: RepoRef, revision: string, path: string): string {
  const prefix = repo.kind === "dataset" ? "datasets/" : "";
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/${prefix}${repo.id}/resolve/${encodeURIComponent(revision)}/${encoded}`;
}

/** A failure as one line for logs (with its cause's code). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? ` (${(cause as { code?: string }).code ?? cause.message})` : "";
  return `${err.message}${causeText}`;
}

/** withRetry options that log each retry (token redacted). */
export function retryOptions(ctx: Ctx, label: string): RetryOptions {
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
