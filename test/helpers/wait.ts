/** Waiting for a condition in tests: polled, with a deadline, so a missed event fails instead of hanging. */

/** Options of `waitUntil`. */
export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  deadlineMs?: number;
  /** Poll interval (default 5 ms). */
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
  /** Stop waiting (resolve false) once this settles, e.g. a child process exiting. */
  until?: Promise<unknown>;
}

/**
 * Resolves true as soon as `cond()` holds; false when `until` settles first; rejects at the deadline.
 * The polling only decides how soon the test notices: no assertion depends on how long anything took.
 */
export async function waitUntil(cond: () => boolean, opts: WaitOptions = {}): Promise<boolean> {
  const deadline = performance.now() + (opts.deadlineMs ?? 30_000);
  let settled = false;
  opts.until?.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (;;) {
    if (cond()) return true;
    if (settled) return cond();
    if (performance.now() > deadline) {
      throw new Error(
        `waitUntil: ${opts.what ?? "condition"} did not hold within ${opts.deadlineMs ?? 30_000} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 5));
  }
}
