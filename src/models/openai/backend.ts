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
import { imageDataUrl } from "./mime.js";
import { type BackoffSettings, DEFAULT_BACKOFF, parseRetryAfter, retryDelayMs } from "./retry.js";
import { type OpenAISpec, parseOpenAISpec } from "./spec.js";
import { sseData } from "./sse.js";
import { errorMessageOf, MalformedChunkError, parseChunk, readChunk, type Usage } from "./stream.js";

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

/** Environment variables holding the API key, in priority order. */
export const API_KEY_ENV = ["EVAL_API_KEY", "OPENAI_API_KEY"] as const;

const DEFAULT_CONCURRENCY = 32;
const DEFAULT_RETRIES = 4;
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;
const ERROR_BODY_CHARS = 500;

/** The outcome of one HTTP attempt that did not end the call. */
type Attempt =
  | {
      kind: "ok";
      /** Answer text as streamed. */
      text: string;
      /** performance.now() of the first content chunk, null when the answer is empty. */
      firstContentAt: number | null;
      /** performance.now() at the end of the response. */
      endAt: number;
      /** Chunks that carried content or reasoning. */
      contentChunks: number;
      /** Token counts from the server, if it sent them. */
      usage: Usage | null;
    }
  | {
      kind: "retry";
      /** What went wrong. */
      problem: string;
      /** The server's Retry-After, in ms. */
      retryAfterMs: number | null;
    }
  | {
      kind: "adapt";
      /** The request shape to send instead (the server refused a field). */
      quirks: BodyQuirks;
      /** The server's message. */
      problem: string;
    };

interface Auth {
  /** The Authorization header value, or null for none. */
  header: string | null;
  /** Every string that must never appear in a message. */
  secrets: string[];
}

function resolveAuth(env: NodeJS.ProcessEnv, userinfo: OpenAISpec["userinfo"]): Auth {
  for (const name of API_KEY_ENV) {
    const key = env[name]?.trim();
    if (key) {
      // A key with control characters would make fetch throw with a message we do not control.
      if (!/^[\x21-\x7e]+$/.test(key)) {
        throw new UsageError(
          `${name} contains spaces or non-printable characters.`,
          `Set ${name} to the API key alone, with no quotes or line breaks.`,
        );
      }
      return { header: `Bearer ${key}`, secrets: [key] };
    }
  }
  if (userinfo !== null) {
    const basic = Buffer.from(`${userinfo.username}:${userinfo.password}`).toString("base64");
    return {
      header: `Basic ${basic}`,
      secrets: [userinfo.password, basic].filter((s) => s.length >= 4),
    };
  }
  return { header: null, secrets: [] };
}

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

/**
 * Request fields some servers refuse: when a 400/422 names one, the field is dropped or renamed for the
 * rest of the run and the request sent again. `stream_options` only asks for token counts; OpenAI's
 * reasoning models want `max_completion_tokens` instead of `max_tokens`.
 */
export interface BodyQuirks {
  /** Leave out `stream_options` (token counts then come from chunk counts). */
  noStreamOptions: boolean;
  /** Send the length cap as `max_completion_tokens`. */
  maxCompletionTokens: boolean;
}

/** The quirks a 400/422 error message asks for on top of `current`, or null when it names none we know. */
export function quirkFor(message: string, current: BodyQuirks): BodyQuirks | null {
  if (!current.noStreamOptions && /stream_options|include_usage/i.test(message))
    return { ...current, noStreamOptions: true };
  if (!current.maxCompletionTokens && /max_tokens/i.test(message) && /max_completion_tokens/i.test(message))
    return { ...current, maxCompletionTokens: true };
  return null;
}

/** The JSON body of one chat-completions request. */
export function requestBody(
  model: string,
  request: GenerateRequest,
  quirks: BodyQuirks = { noStreamOptions: false, maxCompletionTokens: false },
): Record<string, unknown> {
  const content: Record<string, unknown>[] = request.images.map((image) => ({
    type: "image_url",
    image_url: { url: imageDataUrl(image.bytes, image.source) },
  }));
  content.push({ type: "text", text: request.prompt });
  const body: Record<string, unknown> = {
    model,
    messages: [{ role: "user", content }],
    [quirks.maxCompletionTokens ? "max_completion_tokens" : "max_tokens"]: request.generation.maxNewTokens,
    temperature: 0,
    stream: true,
  };
  if (!quirks.noStreamOptions) body.stream_options = { include_usage: true };
  if (request.generation.stop.length > 0) body.stop = request.generation.stop;
  return body;
}

/** A short description of a fetch/stream failure: undici hides the socket error in `cause`. */
function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${err.message} (${typeof code === "string" ? `${code}: ` : ""}${cause.message})`;
  }
  return err.message;
}

function hintFor(status: number, publicBase: string): string {
  if (status === 401 || status === 403) {
    return `Set ${API_KEY_ENV.join(" or ")} to a key that ${publicBase} accepts.`;
  }
  if (status === 404) {
    return `Check the base URL (it usually ends in /v1) and the model name; GET ${publicBase}/models lists the server's models.`;
  }
  if (status === 413)
    return "The request (images are sent inline as base64) is larger than the server accepts.";
  return "The server rejected the request; its message above says why. Retrying would not help.";
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
  const parsed = parseOpenAISpec(spec);
  const auth = resolveAuth(opts.env ?? process.env, parsed.userinfo);
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const retries = opts.retries ?? DEFAULT_RETRIES;
  const backoff: BackoffSettings = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const label = `openai:${parsed.publicBase}#${parsed.model}`;
  const onRetry =
    opts.onRetry ??
    ((e: RetryEvent) =>
      warn(`${label}: ${e.problem}; retry ${e.retry} of ${e.retries} in ${(e.delayMs / 1000).toFixed(1)} s`));
  const limit = pLimit(opts.concurrency ?? DEFAULT_CONCURRENCY);
  const disposer = new AbortController();

  const redact = (text: string): string =>
    auth.secrets.reduce((t, secret) => t.split(secret).join("***"), text);

  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream, application/json",
  };
  if (auth.header !== null) headers.authorization = auth.header;

  const info: ModelInfo = {
    name: label,
    source: parsed.publicBase,
    revision: null,
    dtype: {},
    executionProvider: "remote",
    threads: 0,
    fingerprint: createHash("sha256").update(`${parsed.publicBase}#${parsed.model}`).digest("hex"),
  };

  function disposedError(): ModelError {
    return new ModelError(`${label}: the backend was disposed while a request was pending.`);
  }

  /** Throws the reason the call must stop now, if any. */
  function checkStop(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw signal.reason;
    if (disposer.signal.aborted) throw disposedError();
  }

  /** What this server accepts; learned from its 400s, shared by every request of the run. */
  let quirks: BodyQuirks = { noStreamOptions: false, maxCompletionTokens: false };

  async function attempt(
    bodyText: string,
    sentQuirks: BodyQuirks,
    signal: AbortSignal | undefined,
  ): Promise<Attempt> {
    const idle = new AbortController();
    let idleFired = false;
    let timer: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        idleFired = true;
        idle.abort();
      }, idleTimeoutMs);
      timer.unref();
    };
    const signals = [disposer.signal, idle.signal];
    if (signal) signals.push(signal);
    const combined = AbortSignal.any(signals);

    /** Classifies a thrown error: stop the call (throw) or retry it (return the problem). */
    const failure = (err: unknown, stage: string): Attempt => {
      checkStop(signal);
      if (idleFired) {
        return {
          kind: "retry",
          problem: `no data from the server for ${idleTimeoutMs / 1000} s ${stage}`,
          retryAfterMs: null,
        };
      }
      return {
        kind: "retry",
        problem: redact(`connection failed ${stage}: ${describeNetworkError(err)}`),
        retryAfterMs: null,
      };
    };

    touch();
    try {
      let res: Response;
      try {
        res = await fetchImpl(parsed.chatUrl, { method: "POST", headers, body: bodyText, signal: combined });
      } catch (err) {
        if (err instanceof Error && err.cause instanceof Error && err.cause.message === "bad port") {
          // The Fetch standard blocks some ports (6000, 6665-6669, …) for every request: retrying cannot help.
          throw new ModelError(
            `${label}: fetch refuses to connect to port ${new URL(parsed.chatUrl).port}, which the Fetch standard blocks.`,
            "Serve the model on another port (8000 and 8080 are common).",
          );
        }
        return failure(err, "before a response");
      }
      touch();

      if (!res.ok) {
        let raw = "";
        try {
          raw = await res.text();
        } catch {
          // The status alone says enough.
        }
        let message: string | null = null;
        try {
          message = errorMessageOf(JSON.parse(raw));
        } catch {
          message = null;
        }
        const shown = redact((message ?? raw.trim()) || res.statusText || "(no message)").slice(
          0,
          ERROR_BODY_CHARS,
        );
        const problem = `HTTP ${res.status}: ${shown}`;
        if (res.status === 400 || res.status === 422) {
          const next = quirkFor(message ?? raw, sentQuirks);
          if (next !== null) return { kind: "adapt", quirks: next, problem };
        }
        if (res.status === 408 || res.status === 429 || res.status >= 500) {
          return {
            kind: "retry",
            problem,
            retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), Date.now()),
          };
        }
        throw new ModelError(`${label} answered ${problem}`, hintFor(res.status, parsed.publicBase));
      }

      const type = (res.headers.get("content-type") ?? "").toLowerCase();
      if (type.includes("application/json")) {
        // The server ignored `stream: true` and sent a whole completion.
        let json: unknown;
        try {
          json = await res.json();
        } catch (err) {
          if (err instanceof SyntaxError) {
            throw new ModelError(`${label} sent a response that is not valid JSON.`);
          }
          return failure(err, "while reading the response");
        }
        const chunk = readChunk(json);
        if (chunk.error !== null) throw new ModelError(`${label} reported an error: ${redact(chunk.error)}`);
        const endAt = performance.now();
        return {
          kind: "ok",
          text: chunk.content,
          firstContentAt: chunk.content !== "" || chunk.reasoning !== "" ? endAt : null,
          endAt,
          contentChunks: chunk.content !== "" ? 1 : 0,
          usage: chunk.usage,
        };
      }
      if (type !== "" && !type.includes("text/event-stream")) {
        throw new ModelError(
          `${label} answered with content-type '${type}', not an event stream.`,
          `Check that ${parsed.publicBase} is an OpenAI-compatible API (the base URL usually ends in /v1).`,
        );
      }
      if (res.body === null)
        return { kind: "retry", problem: "the response had no body", retryAfterMs: null };

      const body = res.body;
      async function* tapped(): AsyncGenerator<Uint8Array> {
        for await (const piece of body) {
          touch();
          yield piece;
        }
      }
      const parts: string[] = [];
      let firstContentAt: number | null = null;
      let contentChunks = 0;
      let events = 0;
      let usage: Usage | null = null;
      try {
        for await (const data of sseData(tapped())) {
          events++;
          if (data.trim() === "[DONE]") break;
          const chunk = parseChunk(data);
          if (chunk.error !== null) {
            throw new ModelError(`${label} reported an error in the stream: ${redact(chunk.error)}`);
          }
          if (chunk.content !== "" || chunk.reasoning !== "") {
            firstContentAt ??= performance.now();
            contentChunks++;
          }
          if (chunk.content !== "") parts.push(chunk.content);
          if (chunk.usage !== null) usage = chunk.usage;
        }
      } catch (err) {
        if (err instanceof ModelError) throw err;
        if (err instanceof MalformedChunkError) {
          throw new ModelError(`${label} sent a malformed stream chunk (${redact(err.message)}).`);
        }
        // A stream broken mid-way: its partial text is dropped and the request starts over.
        return failure(err, `after ${contentChunks} content chunks`);
      }
      if (events === 0) {
        return { kind: "retry", problem: "the stream ended without any event", retryAfterMs: null };
      }
      return {
        kind: "ok",
        text: parts.join(""),
        firstContentAt,
        endAt: performance.now(),
        contentChunks,
        usage,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  async function run(request: GenerateRequest, signal: AbortSignal | undefined): Promise<Generation> {
    checkStop(signal);
    const t0 = performance.now();
    let sent = quirks;
    let bodyText = JSON.stringify(requestBody(parsed.model, request, sent));
    const sentAt = performance.now();
    for (let n = 0; ; n++) {
      if (sent !== quirks) {
        // Another request learned what the server refuses while this one waited.
        sent = quirks;
        bodyText = JSON.stringify(requestBody(parsed.model, request, sent));
      }
      const result = await attempt(bodyText, sent, signal);
      if (result.kind === "adapt") {
        // Not a retry: the same request in the shape the server accepts (each quirk is learned once).
        if (quirks === sent) {
          quirks = result.quirks;
          const change =
            result.quirks.noStreamOptions !== sent.noStreamOptions
              ? "without stream_options"
              : "with max_completion_tokens instead of max_tokens";
          warn(`${label}: ${result.problem}; sending requests ${change} from now on.`);
        }
        n--;
        continue;
      }
      if (result.kind === "ok") {
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
      if (n >= retries) {
        throw new ModelError(
          `${label}: the request failed after ${n + 1} attempt${n === 0 ? "" : "s"}; last problem: ${result.problem}.`,
          `Check that the server at ${parsed.publicBase} is up and not overloaded (lower --concurrency).`,
        );
      }
      const delayMs = retryDelayMs(n, result.retryAfterMs, backoff);
      onRetry({ retry: n + 1, retries, delayMs, problem: result.problem });
      const signals = [disposer.signal];
      if (signal) signals.push(signal);
      try {
        await sleep(delayMs, undefined, { signal: AbortSignal.any(signals) });
      } catch {
        checkStop(signal);
      }
    }
  }

  return {
    info,
    generate(request: GenerateRequest, options?: GenerateOptions): Promise<Generation> {
      return limit(() => run(request, options?.signal));
    },
    async dispose(): Promise<void> {
      disposer.abort();
    },
  };
}
