/**
 * A fake OpenAI-compatible chat-completions server for tests: node:http on 127.0.0.1, speaking the
 * streaming protocol (role-only chunk, content chunks, a finish chunk, a usage chunk, `[DONE]`),
 * recording every request, with faults injected per request. It is bounded (request count, body
 * size, lifetime) and stops itself, so a forgotten close() cannot hang the test run.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A fault applied to one request (the n-th fault to the n-th request). */
export type FakeFault =
  /** Answer with this status and an OpenAI-style error JSON (`{error: {message}}`). */
  | { kind: "status"; status: number; message?: string; retryAfter?: string }
  /** Read the request, then reset the connection before sending headers. */
  | { kind: "reset-before-headers" }
  /**
   * Send headers, the role chunk and `afterChunks` content chunks (default 1), then end the connection
   * with the chunked body unfinished. A FIN rather than an RST, so the client surely reads those chunks
   * first (an RST can discard data the client has not read yet).
   */
  | { kind: "reset-mid-stream"; afterChunks?: number }
  /** Wait `delayMs` between the role chunk and the first content chunk. */
  | { kind: "slow-first-token"; delayMs: number };

/** One chunk of a reply: answer text, or reasoning text (`delta.reasoning_content`). */
export type FakeChunk = string | { reasoning: string };

/** A request as the fake received it. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path with query. */
  path: string;
  /** Request headers (lower-case names). */
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or null when it did not parse. */
  body: unknown;
  /** performance.now() when the request's body had arrived. */
  receivedAt: number;
  /** The fault applied to it, or null. */
  fault: FakeFault | null;
  /** True when the client went away before the response ended. */
  clientGone: boolean;
}

/** Options of startFakeOpenAI. */
export interface FakeOpenAIOptions {
  /** The answer to a request: a string (streamed one word per chunk) or explicit chunks. Default "The answer is 42." */
  reply?: (req: RecordedRequest) => string | FakeChunk[];
  /** Faults for the first requests, in arrival order; later requests are served normally. */
  faults?: FakeFault[];
  /** Delay between the role chunk and the first content chunk, for every request. */
  firstTokenDelayMs?: number;
  /** Delay between content chunks, for every request. */
  chunkDelayMs?: number;
  /** Send the usage chunk (default true). */
  usage?: boolean;
  /** Requests served at most; later ones get 410 (default 500). */
  maxRequests?: number;
  /** Request bodies larger than this get 413 (default 8 MB). */
  maxBodyBytes?: number;
  /** The server closes itself after this long (default 60 s). */
  lifetimeMs?: number;
  /**
   * Body fields this server refuses with a 400 (as OpenAI words it for an unknown argument; for
   * `max_tokens` as it words it for its reasoning models).
   */
  rejectFields?: string[];
  /** Stream `delta.content` as an array of text parts (`[{type: "text", text}]`), as Mistral does. */
  contentParts?: boolean;
}

/** A running fake server. */
export interface FakeOpenAI {
  /** Base URL to put in `openai:<base>#<model>`, ending in /v1. */
  baseUrl: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** The largest number of requests in flight at once. */
  maxInFlight(): number;
  /** Requests in flight now. */
  inFlight(): number;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** `n` copies of a fault, for "500 three times". */
export function times(n: number, fault: FakeFault): FakeFault[] {
  return Array.from({ length: n }, () => fault);
}

/** What the request handlers of one server share. */
interface FakeState {
  /** The server's options. */
  options: FakeOpenAIOptions;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Pending waits, so close() can end them at once. */
  waits: Map<NodeJS.Timeout, () => void>;
  /** Set by close(): waits end at once, nothing more is sent. */
  closed: boolean;
  /** Requests in flight now. */
  inFlight: number;
  /** The largest number of requests in flight at once. */
  maxInFlight: number;
}

function wait(state: FakeState, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || state.closed) return resolve();
    const t = setTimeout(() => {
      state.waits.delete(t);
      resolve();
    }, ms);
    state.waits.set(t, resolve);
  });
}

function sendError(res: ServerResponse, status: number, message: string, retryAfter?: string): void {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (retryAfter !== undefined) headers["retry-after"] = retryAfter;
  res.writeHead(status, headers);
  res.end(JSON.stringify({ error: { message, type: "fake_error", code: status } }));
}

/** Counts the request in flight, reads its body (bounded), records it and serves it. */
function handleRequest(state: FakeState, req: IncomingMessage, res: ServerResponse): void {
  state.inFlight++;
  state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
  let record: RecordedRequest | null = null;
  res.on("close", () => {
    state.inFlight--;
    if (record !== null && !res.writableFinished) record.clientGone = true;
  });
  const pieces: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  const maxBodyBytes = state.options.maxBodyBytes ?? 8 * 1024 * 1024;
  req.on("data", (piece: Buffer) => {
    size += piece.length;
    if (size > maxBodyBytes) tooBig = true;
    else pieces.push(piece);
  });
  req.on("end", () => {
    if (tooBig) return sendError(res, 413, "request body too large for the fake server");
    record = recordOf(state, req, Buffer.concat(pieces).toString("utf8"));
    if (state.requests.length >= (state.options.maxRequests ?? 500))
      return sendError(res, 410, "fake server request budget exhausted");
    state.requests.push(record);
    void serve(state, record, res).catch(() => res.destroy());
  });
}

/** The request as recorded, with the fault its arrival order gives it. */
function recordOf(state: FakeState, req: IncomingMessage, raw: string): RecordedRequest {
  let body: unknown = null;
  try {
    body = JSON.parse(raw);
  } catch {
    body = null;
  }
  return {
    method: req.method ?? "",
    path: req.url ?? "",
    headers: req.headers,
    body,
    receivedAt: performance.now(),
    fault: state.options.faults?.[state.requests.length] ?? null,
    clientGone: false,
  };
}

/** The 400 for a body field the server refuses, worded as OpenAI words it; null when none is. */
function refusal(options: FakeOpenAIOptions, body: Record<string, unknown>): string | null {
  const refused = (options.rejectFields ?? []).find((f) => f in body);
  if (refused === "max_tokens")
    return "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
  if (refused !== undefined) return `Unrecognized request argument supplied: ${refused}`;
  return null;
}

async function serve(state: FakeState, record: RecordedRequest, res: ServerResponse): Promise<void> {
  const { options } = state;
  const fault = record.fault;
  if (record.method !== "POST" || !record.path.startsWith("/v1/chat/completions")) {
    return sendError(res, 404, `no route for ${record.method} ${record.path}`);
  }
  if (fault?.kind === "status") {
    return sendError(res, fault.status, fault.message ?? `injected ${fault.status}`, fault.retryAfter);
  }
  if (fault?.kind === "reset-before-headers") {
    res.socket?.resetAndDestroy();
    return;
  }
  const body = (typeof record.body === "object" && record.body !== null ? record.body : {}) as Record<
    string,
    unknown
  >;
  const refused = refusal(options, body);
  if (refused !== null) return sendError(res, 400, refused);
  const model = typeof body.model === "string" ? body.model : "fake";
  const answer = options.reply?.(record) ?? "The answer is 42.";
  const chunks: FakeChunk[] = typeof answer === "string" ? answer.split(/(?<= )/) : answer;
  if (body.stream !== true) return replyWhole(res, model, chunks);
  await streamReply(state, res, { model, chunks, fault });
}

/** The usage block for a reply of `completionTokens` chunks. */
function usageOf(completionTokens: number): Record<string, number> {
  return { prompt_tokens: 17, completion_tokens: completionTokens, total_tokens: 17 + completionTokens };
}

/** A non-streaming reply: one chat.completion JSON. */
function replyWhole(res: ServerResponse, model: string, chunks: FakeChunk[]): void {
  const text = chunks.map((c) => (typeof c === "string" ? c : "")).join("");
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      id: "chatcmpl-fake",
      object: "chat.completion",
      model,
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: usageOf(chunks.length),
    }),
  );
}

/** What a streamed reply sends. */
interface StreamPlan {
  /** The model name echoed in each chunk. */
  model: string;
  /** The content chunks. */
  chunks: FakeChunk[];
  /** The request's fault, or null. */
  fault: FakeFault | null;
}

/** A streamed reply: role chunk, content chunks (with the fault's delay or reset), finish, usage, `[DONE]`. */
async function streamReply(state: FakeState, res: ServerResponse, plan: StreamPlan): Promise<void> {
  const { options } = state;
  const { model, chunks, fault } = plan;
  const send = (payload: unknown): boolean => {
    if (state.closed || res.destroyed) return false;
    res.write(`data: ${JSON.stringify(payload)}\n\n`);
    return true;
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): unknown => ({
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: 0,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
  send(chunk({ role: "assistant", content: "" }));
  const firstDelay =
    (options.firstTokenDelayMs ?? 0) + (fault?.kind === "slow-first-token" ? fault.delayMs : 0);
  await wait(state, firstDelay);
  const resetAfter = fault?.kind === "reset-mid-stream" ? (fault.afterChunks ?? 1) : -1;
  for (const [i, c] of chunks.entries()) {
    if (i === resetAfter) {
      res.socket?.end();
      return;
    }
    if (i > 0) await wait(state, options.chunkDelayMs ?? 0);
    const delta =
      typeof c !== "string"
        ? { reasoning_content: c.reasoning }
        : options.contentParts
          ? { content: [{ type: "text", text: c }] }
          : { content: c };
    if (!send(chunk(delta))) return;
  }
  if (resetAfter >= chunks.length) {
    res.socket?.end();
    return;
  }
  send(chunk({}, "stop"));
  if (options.usage ?? true) {
    send({
      id: "chatcmpl-fake",
      object: "chat.completion.chunk",
      model,
      choices: [],
      usage: usageOf(chunks.length),
    });
  }
  if (!state.closed && !res.destroyed) res.end("data: [DONE]\n\n");
}

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const state: FakeState = {
    options,
    requests: [],
    waits: new Map(),
    closed: false,
    inFlight: 0,
    maxInFlight: 0,
  };
  const server = createServer((req, res) => handleRequest(state, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;

  const close = async (): Promise<void> => {
    if (state.closed) return;
    state.closed = true;
    clearTimeout(lifetime);
    for (const [t, resolve] of state.waits) {
      clearTimeout(t);
      resolve();
    }
    state.waits.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 60_000);
  lifetime.unref();

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests: state.requests,
    maxInFlight: () => state.maxInFlight,
    inFlight: () => state.inFlight,
    close,
  };
}
