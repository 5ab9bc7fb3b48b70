/** Backoff for retried requests: exponential with jitter, never shorter than the server's Retry-After. */

/** Backoff settings. */
export interface BackoffSettings {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Upper bound of the exponential part. */
  maxMs: number;
  /** Upper bound honoured for a server's Retry-After. */
  maxRetryAfterMs: number;
}

/** Defaults: 0.5 s, 1 s, 2 s, … capped at 20 s; Retry-After honoured up to 60 s. */
export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 500, maxMs: 20_000, maxRetryAfterMs: 60_000 };

/**
 * Parses a Retry-After header (delta seconds or an HTTP date) into milliseconds from `nowMs`
 * (epoch ms); null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

/**
 * Delay before retry number `attempt + 1` (attempt counts from 0): half fixed, half random
 * ("equal jitter") so that many clients that failed together do not retry together.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | null,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const exp = Math.min(settings.maxMs, settings.baseMs * 2 ** attempt);
  const jittered = exp / 2 + (exp / 2) * random();
  const server = retryAfterMs === null ? 0 : Math.min(retryAfterMs, settings.maxRetryAfterMs);
  return Math.round(Math.max(jittered, server));
}
