/**
 * A ModelBackend that calls an OpenAI-compatible chat-completions server (vLLM, SGLang, llama.cpp
 * server, OpenAI itself) with streaming, so a remote time-to-first-token can be taken per sample.
 *
 * Remote TTFT is not on-device TTFT: it includes the network both ways, the server's queue and its
 * own preprocessing. It is recorded per sample like any timing, never compared with local numbers.
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { ModelError, UsageError } from "../../core/errors.js";
import { warn } from "../../core/log.js";
import type {
  GenerateOptions,
  GenerateRequest,
  Generation,
  ModelBackend,
  ModelInfo,
} from "../../core/types.js";
import { cutAtStop } from "../stop.js";
import { type Attempt, attempt, type Connection } from "./attempt.js";
import { redactWith, resolveAuth } from "./auth.js";
import { type BodyQuirks, requestBody } from "./request.js";
import { type BackoffSettings, DEFAULT_BACKOFF, retryDelayMs } from "./retry.js";
import { parseOpenAISpec } from "./spec.js";

/** Options of createOpenAIBackend. */
export interface OpenAIBackendOptions {
  /**
   * Requests in flight at most: a safety net under the runner's own `--concurrency` bound. Pass the flag's
   * value; the default (32) only guards against runaway callers, so it must not throttle a normal run.
   */
  concurrency?: number;
  /** Retries after the first attempt, for 429, 5xx and broken connections (default 4). */
  retries?: number;
  /** Where EVAL_API_KEY / OPENAI_API_KEY are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The fetch to use (default the global one); tests inject theirs. */
  fetch?: typeof fetch;
  /** Backoff between retries (tests shorten it). */
  backoff?: Partial<BackoffSettings>;
  /** An attempt that receives no bytes for this long is dropped and retried (default 300 s). */
  idleTimeoutMs?: number;
  /** Called before each retry; default prints a warning on stderr (never with credentials). */
  onRetry?: (event: RetryEvent) => void;
}

/** One retry about to happen. */
export interface RetryEvent {
  /** Which retry this is, from 1. */
  retry: number;
  /** Retries allowed in all. */
  retries: number;
  /** How long we wait before it. */
  delayMs: number;
  /** What went wrong (credentials redacted). */
  problem: string;
}

const DEFAULT_CONCURRENCY = 32;
const DEFAULT_RETRIES = 4;
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

function checkOptions(opts: OpenAIBackendOptions): void {
  const problems: string[] = [];
  const positiveInt = (v: number | undefined, name: string, min: number): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) {
      problems.push(`${name} must be an integer ≥ ${min}, got ${v}`);
    }
  };
  positiveInt(opts.concurrency, "concurrency", 1);
  positiveInt(opts.retries, "retries", 0);
  positiveInt(opts.idleTimeoutMs, "idleTimeoutMs", 1);
  if (problems.length > 0) throw new UsageError(`Invalid OpenAI backend options: ${problems.join("; ")}.`);
}

/** The connection every request of one backend shares (auth, headers, the dispose signal). */
function connect(spec: string, opts: OpenAIBackendOptions, disposed: AbortSignal): Connection {
  const parsed = parseOpenAISpec(spec);
  const auth = resolveAuth(opts.env ?? process.env, parsed.userinfo);
  const label = `openai:${parsed.publicBase}#${parsed.model}`;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream, application/json",
  };
  if (auth.header !== null) headers.authorization = auth.header;
  return {
    label,
    spec: parsed,
    headers,
    fetch: opts.fetch ?? globalThis.fetch,
    idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    disposed,
    redact: (text) => redactWith(auth, text),
    checkStop(signal) {
      if (signal?.aborted) throw signal.reason;
      if (disposed.aborted)
        throw new ModelError(`${label}: the backend was disposed while a request was pending.`);
    },
  };
}

/** The Generation of a completed attempt; remote timings, from the call start and the first request sent. */
function toGeneration(
  result: Extract<Attempt, { kind: "ok" }>,
  request: GenerateRequest,
  t0: number,
  sentAt: number,
): Generation {
  const first = result.firstContentAt ?? result.endAt;
  return {
    text: cutAtStop(result.text, request.generation.stop),
    tokens: [],
    promptTokens: result.usage?.promptTokens ?? 0,
    visualTokens: 0,
    outputTokens: result.usage?.completionTokens ?? result.contentChunks,
    timing: {
      preprocessMs: sentAt - t0,
      visionMs: 0,
      // From the first request sent, so retries and backoff are inside: preprocess + prefill = ttft.
      prefillMs: first - sentAt,
      ttftMs: first - t0,
      decodeMs: result.endAt - first,
      totalMs: result.endAt - t0,
    },
  };
}

/** Retries, backoff, and the request shape learned from the server's 400s, for one backend. */
class RequestLoop {
  /** What this server accepts; learned from its 400s, shared by every request of the run. */
  private quirks: BodyQuirks = { noStreamOptions: false, maxCompletionTokens: false };
  private readonly retries: number;
  private readonly backoff: BackoffSettings;
  private readonly onRetry: (e: RetryEvent) => void;

  constructor(
    private readonly conn: Connection,
    opts: OpenAIBackendOptions,
  ) {
    this.retries = opts.retries ?? DEFAULT_RETRIES;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.onRetry =
      opts.onRetry ??
      ((e: RetryEvent) =>
        warn(
          `${conn.label}: ${e.problem}; retry ${e.retry} of ${e.retries} in ${(e.delayMs / 1000).toFixed(1)} s`,
        ));
  }

  /** Learns a quirk once (another request may have learned it first) and says so. */
  private adapt(sent: BodyQuirks, result: Extract<Attempt, { kind: "adapt" }>): void {
    if (this.quirks !== sent) return;
    this.quirks = result.quirks;
    const change =
      result.quirks.noStreamOptions !== sent.noStreamOptions
        ? "without stream_options"
        : "with max_completion_tokens instead of max_tokens";
    warn(`${this.conn.label}: ${result.problem}; sending requests ${change} from now on.`);
  }

  /** Waits before retry `n + 1`; an abort or dispose during the wait ends the call. */
  private async wait(
    n: number,
    result: Extract<Attempt, { kind: "retry" }>,
    signal?: AbortSignal,
  ): Promise<void> {
    const delayMs = retryDelayMs(n, result.retryAfterMs, this.backoff);
    this.onRetry({ retry: n + 1, retries: this.retries, delayMs, problem: result.problem });
    const signals = [this.conn.disposed];
    if (signal) signals.push(signal);
    try {
      await sleep(delayMs, undefined, { signal: AbortSignal.any(signals) });
    } catch {
      this.conn.checkStop(signal);
    }
  }

  /** One generation: attempts until ok, a thrown error, or the retries are spent. */
  async run(request: GenerateRequest, signal: AbortSignal | undefined): Promise<Generation> {
    const { conn } = this;
    conn.checkStop(signal);
    const t0 = performance.now();
    let sent = this.quirks;
    let bodyText = JSON.stringify(requestBody(conn.spec.model, request, sent));
    const sentAt = performance.now();
    for (let n = 0; ; n++) {
      if (sent !== this.quirks) {
        // Another request learned what the server refuses while this one waited.
        sent = this.quirks;
        bodyText = JSON.stringify(requestBody(conn.spec.model, request, sent));
      }
      const result = await attempt(conn, bodyText, sent, signal);
      if (result.kind === "adapt") {
        // Not a retry: the same request in the shape the server accepts (each quirk is learned once).
        this.adapt(sent, result);
        n--;
        continue;
      }
      if (result.kind === "ok") return toGeneration(result, request, t0, sentAt);
      if (n >= this.retries) {
        throw new ModelError(
          `${conn.label}: the request failed after ${n + 1} attempt${n === 0 ? "" : "s"}; last problem: ${result.problem}.`,
          `Check that the server at ${conn.spec.publicBase} is up and not overloaded (lower --concurrency).`,
        );
      }
      await this.wait(n, result, signal);
    }
  }
}

/**
 * Creates the backend for `--model openai:<base-url>#<model-name>` (`spec` is what follows `openai:`).
 * No request is made until the first `generate`.
 */
export async function createOpenAIBackend(
  spec: string,
  opts: OpenAIBackendOptions = {},
): Promise<ModelBackend> {
  checkOptions(opts);
  const disposer = new AbortController();
  const conn = connect(spec, opts, disposer.signal);
  const loop = new RequestLoop(conn, opts);
  const limit = pLimit(opts.concurrency ?? DEFAULT_CONCURRENCY);
  const info: ModelInfo = {
    name: conn.label,
    source: conn.spec.publicBase,
    revision: null,
    dtype: {},
    executionProvider: "remote",
    threads: 0,
    fingerprint: createHash("sha256").update(`${conn.spec.publicBase}#${conn.spec.model}`).digest("hex"),
  };
  return {
    info,
    generate(request: GenerateRequest, options?: GenerateOptions): Promise<Generation> {
      return limit(() => loop.run(request, options?.signal));
    },
    async dispose(): Promise<void> {
      disposer.abort();
    },
  };
}
