/**
 * One HTTP attempt of a chat completion: POST, then read an error answer, a whole JSON completion (a
 * server that ignored `stream: true`) or the event stream. The outcome is ok, retry (with the problem) or
 * adapt (the server refused a field); errors that retrying cannot fix are thrown as ModelErrors.
 */
import { ModelError } from "../../core/errors.js";
import { API_KEY_ENV } from "./auth.js";
import { type BodyQuirks, quirkFor } from "./request.js";
import { parseRetryAfter } from "./retry.js";
import type { OpenAISpec } from "./spec.js";
import { sseData } from "./sse.js";
import { errorMessageOf, MalformedChunkError, parseChunk, readChunk, type Usage } from "./stream.js";

const ERROR_BODY_CHARS = 500;

/** What every attempt of one backend shares. */
export interface Connection {
  /** `openai:<base>#<model>`, the prefix of every message. */
  label: string;
  /** The parsed `--model` spec. */
  spec: OpenAISpec;
  /** Request headers (content type, accept, authorization). */
  headers: Record<string, string>;
  /** The fetch to use. */
  fetch: typeof fetch;
  /** An attempt that receives no bytes for this long is dropped. */
  idleTimeoutMs: number;
  /** Aborted when the backend is disposed. */
  disposed: AbortSignal;
  /** Credentials out of a message. */
  redact: (text: string) => string;
  /** Throws the reason the call must stop now (caller abort, dispose), if any. */
  checkStop: (signal: AbortSignal | undefined) => void;
}

/** The outcome of one HTTP attempt that did not end the call. */
export type Attempt =
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

/** The idle watchdog of one attempt: `touch()` on every byte; `fired` once it aborted the attempt. */
class IdleTimer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Whether the timer ran out. */
  fired = false;

  constructor(private readonly ms: number) {}

  /** Aborted when no byte arrived for `ms`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Restarts the countdown. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.ms);
    this.timer.unref();
  }

  /** Stops the countdown. */
  stop(): void {
    clearTimeout(this.timer);
  }
}

/** The state one attempt's readers share. */
interface AttemptScope {
  conn: Connection;
  idle: IdleTimer;
  signal: AbortSignal | undefined;
}

/** Classifies a thrown error: stop the call (throw) or retry it (return the problem). */
function failure(scope: AttemptScope, err: unknown, stage: string): Attempt {
  scope.conn.checkStop(scope.signal);
  if (scope.idle.fired) {
    return {
      kind: "retry",
      problem: `no data from the server for ${scope.conn.idleTimeoutMs / 1000} s ${stage}`,
      retryAfterMs: null,
    };
  }
  return {
    kind: "retry",
    problem: scope.conn.redact(`connection failed ${stage}: ${describeNetworkError(err)}`),
    retryAfterMs: null,
  };
}

/** A non-2xx answer: adapt to a refused field, retry a transient status, or throw. */
async function errorAnswer(conn: Connection, res: Response, sentQuirks: BodyQuirks): Promise<Attempt> {
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
  const shown = conn
    .redact((message ?? raw.trim()) || res.statusText || "(no message)")
    .slice(0, ERROR_BODY_CHARS);
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
  throw new ModelError(`${conn.label} answered ${problem}`, hintFor(res.status, conn.spec.publicBase));
}

/** A whole JSON completion (the server ignored `stream: true`). */
async function wholeCompletion(scope: AttemptScope, res: Response): Promise<Attempt> {
  const { conn } = scope;
  let json: unknown;
  try {
    json = await res.json();
  } catch (err) {
    if (err instanceof SyntaxError)
      throw new ModelError(`${conn.label} sent a response that is not valid JSON.`);
    return failure(scope, err, "while reading the response");
  }
  const chunk = readChunk(json);
  if (chunk.error !== null)
    throw new ModelError(`${conn.label} reported an error: ${conn.redact(chunk.error)}`);
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

/** The event stream, content gathered as it comes; a stream broken mid-way is retried from scratch. */
async function eventStream(scope: AttemptScope, body: ReadableStream<Uint8Array>): Promise<Attempt> {
  const { conn, idle } = scope;
  async function* tapped(): AsyncGenerator<Uint8Array> {
    for await (const piece of body) {
      idle.touch();
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
        throw new ModelError(`${conn.label} reported an error in the stream: ${conn.redact(chunk.error)}`);
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
      throw new ModelError(`${conn.label} sent a malformed stream chunk (${conn.redact(err.message)}).`);
    }
    // A stream broken mid-way: its partial text is dropped and the request starts over.
    return failure(scope, err, `after ${contentChunks} content chunks`);
  }
  if (events === 0)
    return { kind: "retry", problem: "the stream ended without any event", retryAfterMs: null };
  return { kind: "ok", text: parts.join(""), firstContentAt, endAt: performance.now(), contentChunks, usage };
}

/** POSTs the body; a refused port throws (retrying cannot help), other network failures retry. */
async function post(scope: AttemptScope, bodyText: string): Promise<{ res: Response } | { failed: Attempt }> {
  const { conn } = scope;
  const signals = [conn.disposed, scope.idle.signal];
  if (scope.signal) signals.push(scope.signal);
  try {
    const res = await conn.fetch(conn.spec.chatUrl, {
      method: "POST",
      headers: conn.headers,
      body: bodyText,
      signal: AbortSignal.any(signals),
    });
    return { res };
  } catch (err) {
    if (err instanceof Error && err.cause instanceof Error && err.cause.message === "bad port") {
      // The Fetch standard blocks some ports (6000, 6665-6669, …) for every request: retrying cannot help.
      throw new ModelError(
        `${conn.label}: fetch refuses to connect to port ${new URL(conn.spec.chatUrl).port}, which the Fetch standard blocks.`,
        "Serve the model on another port (8000 and 8080 are common).",
      );
    }
    return { failed: failure(scope, err, "before a response") };
  }
}

/** One HTTP attempt with its idle watchdog. */
export async function attempt(
  conn: Connection,
  bodyText: string,
  sentQuirks: BodyQuirks,
  signal: AbortSignal | undefined,
): Promise<Attempt> {
  const scope: AttemptScope = { conn, idle: new IdleTimer(conn.idleTimeoutMs), signal };
  scope.idle.touch();
  try {
    const posted = await post(scope, bodyText);
    if ("failed" in posted) return posted.failed;
    const res = posted.res;
    scope.idle.touch();
    if (!res.ok) return await errorAnswer(conn, res, sentQuirks);
    const type = (res.headers.get("content-type") ?? "").toLowerCase();
    if (type.includes("application/json")) return await wholeCompletion(scope, res);
    if (type !== "" && !type.includes("text/event-stream")) {
      throw new ModelError(
        `${conn.label} answered with content-type '${type}', not an event stream.`,
        `Check that ${conn.spec.publicBase} is an OpenAI-compatible API (the base URL usually ends in /v1).`,
      );
    }
    if (res.body === null) return { kind: "retry", problem: "the response had no body", retryAfterMs: null };
    return await eventStream(scope, res.body);
  } finally {
    scope.idle.stop();
  }
}
