/**
 * One error hierarchy; cli.ts is the only place that turns these into exit codes.
 * Every message says what went wrong and what to do about it.
 */

/** Exit statuses (docs/architecture.md, "Exit codes"). */
export const EXIT = {
  ok: 0,
  gateFailed: 1,
  usage: 2,
  hub: 3,
  model: 4,
  tooManyFailures: 5,
  interrupted: 130,
  internal: 70,
} as const;

/** The codes an HarnessError can carry. */
export type ErrorCode =
  | "USAGE"
  | "CONFIG"
  | "DATA"
  | "HUB"
  | "OFFLINE"
  | "MODEL"
  | "TOO_MANY_FAILURES"
  | "GATE_FAILED"
  | "INTERRUPTED"
  | "INTERNAL";

/** Base class: a code, an exit status and an optional hint line. */
export class HarnessError extends Error {
  /** Machine-readable code. */
  readonly code: ErrorCode;
  /** Process exit status. */
  readonly exitCode: number;
  /** What the user can do, printed under the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, exitCode: number, message: string, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** Bad flags, unknown names, invalid input files. Exit 2. */
export class UsageError extends HarnessError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super("USAGE", EXIT.usage, message, hint, options);
  }
}

/** Rows or files that do not have the shape we expect. Exit 2. */
export class DataError extends HarnessError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super("DATA", EXIT.usage, message, hint, options);
  }
}

/** Hub or network failures (after retries). Exit 3. */
export class HubError extends HarnessError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super("HUB", EXIT.hub, message, hint, options);
  }
}

/** HF_HUB_OFFLINE=1 and a file is not cached. Exit 3. */
export class OfflineError extends HarnessError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super("OFFLINE", EXIT.hub, message, hint, options);
  }
}

/** Model folder, graph or execution-provider problems. Exit 4. */
export class ModelError extends HarnessError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super("MODEL", EXIT.model, message, hint, options);
  }
}

/** The run exceeded --max-error-rate. Exit 5. */
export class TooManyFailuresError extends HarnessError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super("TOO_MANY_FAILURES", EXIT.tooManyFailures, message, hint, options);
  }
}

/** A gate rule failed. Exit 1. */
export class GateFailedError extends HarnessError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super("GATE_FAILED", EXIT.gateFailed, message, hint, options);
  }
}

/** Ctrl-C (SIGINT/SIGTERM) stopped the command after it saved what it had. Exit 130. */
export class InterruptedError extends HarnessError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super("INTERRUPTED", EXIT.interrupted, message, hint, options);
  }
}

/** A bug in the harness. Exit 70. */
export class InternalError extends HarnessError {
  constructor(message: string, options?: ErrorOptions) {
    super(
      "INTERNAL",
      EXIT.internal,
      message,
      "This is a bug in fastvlm-eval: please open an issue with the command and this message.",
      options,
    );
  }
}

/** Short text of any thrown value, for per-sample error fields. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Closest names by edit distance, for "did you mean". */
export function didYouMean(input: string, candidates: readonly string[], max = 3): string[] {
  const scored = candidates
    .map((c) => ({ c, d: editDistance(input.toLowerCase(), c.toLowerCase()) }))
    .filter(
      ({ c, d }) => d <= Math.max(2, Math.floor(c.length / 3)) || c.startsWith(input) || input.startsWith(c),
    )
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  return scored.slice(0, max).map(({ c }) => c);
}

/** `Did you mean 'a' or 'b'?` for the names close to `input`, or "" when none is close. */
export function didYouMeanText(input: string, valid: readonly string[]): string {
  const near = didYouMean(input, valid);
  return near.length > 0 ? `Did you mean ${near.map((n) => `'${n}'`).join(" or ")}?` : "";
}

/** The standard "unknown X" error: suggestions plus the full list. */
export function unknownName(kind: string, input: string, valid: readonly string[]): UsageError {
  const suggestion = didYouMeanText(input, valid);
  return new UsageError(
    `Unknown ${kind} '${input}'.${suggestion === "" ? "" : ` ${suggestion}`}`,
    `Valid ${kind}s: ${valid.join(", ")}.`,
  );
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
