/** The OpenAI-compatible backend against the fake server: protocol, TTFT, retries, faults, secrets. */
import { afterEach, describe, expect, it } from "vitest";
import { DataError, ModelError, UsageError } from "../../src/core/errors.js";
import { recordedTiming } from "../../src/core/timing.js";
import type { GenerateRequest, ModelBackend } from "../../src/core/types.js";
import {
  createOpenAIBackend,
  type OpenAIBackendOptions,
  type RetryEvent,
} from "../../src/models/openai/index.js";
import { type FakeOpenAI, type FakeOpenAIOptions, startFakeOpenAI, times } from "../helpers/fake-openai.js";
import { waitUntil } from "../helpers/wait.js";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xdb, 5, 6, 7]);
const KEY = "sk-test-Sup3rSecretKey";

const open: { fake?: FakeOpenAI; backend?: ModelBackend }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.backend?.dispose();
    await o.fake?.close();
  }
});

/** A fake plus a backend on it with fast backoff and no retry warnings on stderr. */
async function setup(
  fakeOptions: FakeOpenAIOptions = {},
  backendOptions: OpenAIBackendOptions = {},
  model = "tiny-vlm",
): Promise<{ fake: FakeOpenAI; backend: ModelBackend; retries: RetryEvent[] }> {
  const fake = await startFakeOpenAI(fakeOptions);
  const retries: RetryEvent[] = [];
  const backend = await createOpenAIBackend(`${fake.baseUrl}#${model}`, {
    env: {},
    backoff: { baseMs: 5, maxMs: 20 },
    onRetry: (e) => retries.push(e),
    ...backendOptions,
  });
  open.push({ fake, backend });
  return { fake, backend, retries };
}

function request(over: Partial<GenerateRequest> = {}): GenerateRequest {
  return { images: [], prompt: "What is shown?", generation: { maxNewTokens: 16, stop: [] }, ...over };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

function body(fake: FakeOpenAI, i = 0): Record<string, unknown> {
  return fake.requests[i]?.body as Record<string, unknown>;
}

describe("createOpenAIBackend against the fake server", () => {
  it("streams a generation and takes TTFT at the first content chunk, not the role chunk", async () => {
    const { fake, backend } = await setup({ reply: () => "Hello there world", firstTokenDelayMs: 150 });
    const g = await backend.generate(request());
    expect(g.text).toBe("Hello there world");
    expect(g.outputTokens).toBe(3);
    expect(g.promptTokens).toBe(17);
    expect(g.visualTokens).toBe(0);
    expect(g.tokens).toEqual([]);
    // The fake sends the role chunk at once and the first content chunk 150 ms later.
    // Called directly (not through the registry) the backend's timing carries every client-side span.
    const t = recordedTiming(g.timing);
    expect(t.ttftMs).toBeGreaterThanOrEqual(140);
    expect(t.visionMs).toBe(0);
    expect(t.preprocessMs + t.prefillMs).toBeCloseTo(t.ttftMs, 6);
    expect(t.ttftMs + t.decodeMs).toBeCloseTo(t.totalMs, 6);
    const b = body(fake);
    expect(b).toMatchObject({
      model: "tiny-vlm",
      max_tokens: 16,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(b).not.toHaveProperty("stop");
    expect(fake.requests[0]?.path).toBe("/v1/chat/completions");
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("counts reasoning chunks for TTFT but keeps only the answer text", async () => {
    const { backend } = await setup({
      reply: () => [{ reasoning: "let me think" }, "yes"],
      chunkDelayMs: 150,
      usage: false,
    });
    const g = await backend.generate(request());
    expect(g.text).toBe("yes");
    // No usage chunk: tokens are counted from content-bearing chunks, prompt tokens unknown.
    expect(g.outputTokens).toBe(2);
    expect(g.promptTokens).toBe(0);
    // The 150 ms pause comes after the reasoning chunk, so it is decode time, not TTFT.
    expect(g.timing.decodeMs).toBeGreaterThanOrEqual(140);
  });

  it("sends every image as a data URL with the sniffed mime, then the prompt, and passes stop strings", async () => {
    const { fake, backend } = await setup({ reply: () => "yes\n\nand more" });
    const g = await backend.generate(
      request({
        images: [
          { bytes: PNG, source: "image_1" },
          { bytes: JPEG, source: "image_2" },
        ],
        generation: { maxNewTokens: 4, stop: ["\n\n", "###"] },
      }),
    );
    // The fake ignores `stop`; the backend cuts the text itself as a safety net.
    expect(g.text).toBe("yes");
    const b = body(fake);
    expect(b.stop).toEqual(["\n\n", "###"]);
    const messages = b.messages as { role: string; content: Record<string, unknown>[] }[];
    expect(messages).toHaveLength(1);
    const [first, second, text] = messages[0]?.content ?? [];
    expect(messages[0]?.role).toBe("user");
    const url1 = String((first?.image_url as { url?: string } | undefined)?.url);
    const url2 = String((second?.image_url as { url?: string } | undefined)?.url);
    expect(first?.type).toBe("image_url");
    expect(url1.startsWith("data:image/png;base64,")).toBe(true);
    expect(url2.startsWith("data:image/jpeg;base64,")).toBe(true);
    expect(Buffer.from(url1.split(",")[1] ?? "", "base64").equals(Buffer.from(PNG))).toBe(true);
    expect(Buffer.from(url2.split(",")[1] ?? "", "base64").equals(Buffer.from(JPEG))).toBe(true);
    expect(text).toEqual({ type: "text", text: "What is shown?" });
  });

  it("fails a sample with an unknown image format as a DataError, without a request", async () => {
    const { fake, backend } = await setup();
    const err = await rejection(
      backend.generate(request({ images: [{ bytes: Uint8Array.from([0, 1, 2, 3]), source: "image_7" }] })),
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toContain("image_7");
    expect(fake.requests).toHaveLength(0);
  });

  it("retries 500s and succeeds", async () => {
    const { fake, backend, retries } = await setup({ faults: times(2, { kind: "status", status: 500 }) });
    const g = await backend.generate(request());
    expect(g.text).toBe("The answer is 42.");
    expect(fake.requests).toHaveLength(3);
    expect(retries.map((r) => r.retry)).toEqual([1, 2]);
    expect(retries[0]?.problem).toContain("HTTP 500");
  });

  it("honours Retry-After on 429", async () => {
    const { fake, backend, retries } = await setup({
      faults: [{ kind: "status", status: 429, message: "slow down", retryAfter: "1" }],
    });
    const g = await backend.generate(request());
    expect(g.text).toBe("The answer is 42.");
    expect(fake.requests).toHaveLength(2);
    expect(retries[0]?.delayMs).toBe(1000);
    const [a, b] = fake.requests;
    expect((b?.receivedAt ?? 0) - (a?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("retries a connection reset before the headers", async () => {
    const { fake, backend, retries } = await setup({ faults: [{ kind: "reset-before-headers" }] });
    const g = await backend.generate(request());
    expect(g.text).toBe("The answer is 42.");
    expect(fake.requests).toHaveLength(2);
    expect(retries[0]?.problem).toMatch(/connection failed before a response/);
  });

  it("retries a stream reset mid-way from scratch and drops its partial text", async () => {
    const { fake, backend, retries } = await setup({
      reply: () => "one two three four",
      faults: [{ kind: "reset-mid-stream", afterChunks: 2 }],
    });
    const g = await backend.generate(request());
    expect(g.text).toBe("one two three four");
    expect(g.outputTokens).toBe(4);
    expect(fake.requests).toHaveLength(2);
    expect(retries[0]?.problem).toContain("after 2 content chunks");
  });

  it("drops and retries an attempt that goes silent for longer than the idle timeout", async () => {
    const { fake, backend, retries } = await setup(
      { faults: [{ kind: "slow-first-token", delayMs: 5_000 }] },
      { idleTimeoutMs: 100 },
    );
    const g = await backend.generate(request());
    expect(g.text).toBe("The answer is 42.");
    expect(fake.requests).toHaveLength(2);
    expect(retries[0]?.problem).toContain("no data from the server for 0.1 s");
  });

  it("retries when the server is not listening, then fails with a ModelError", async () => {
    const dead = await startFakeOpenAI();
    const base = dead.baseUrl;
    await dead.close();
    const retries: RetryEvent[] = [];
    const backend = await createOpenAIBackend(`${base}#m`, {
      env: {},
      retries: 2,
      backoff: { baseMs: 5, maxMs: 10 },
      onRetry: (e) => retries.push(e),
    });
    open.push({ backend });
    const err = await rejection(backend.generate(request()));
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).toContain("after 3 attempts");
    expect((err as ModelError).message).toContain("ECONNREFUSED");
    expect(retries).toHaveLength(2);
  });

  it("fails at once on a port that fetch blocks", async () => {
    const retries: RetryEvent[] = [];
    const backend = await createOpenAIBackend("http://127.0.0.1:6000/v1#m", {
      env: {},
      onRetry: (e) => retries.push(e),
    });
    const err = await rejection(backend.generate(request()));
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).toContain("port 6000");
    expect(retries).toHaveLength(0);
  });

  it("gives up after the configured retries with the last problem", async () => {
    const { fake, backend } = await setup(
      { faults: times(5, { kind: "status", status: 503, message: "overloaded" }) },
      { retries: 2 },
    );
    const err = await rejection(backend.generate(request()));
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).toMatch(/after 3 attempts.*HTTP 503: overloaded/);
    expect(fake.requests).toHaveLength(3);
  });

  it("does not retry a 400 and names the status and the server's message", async () => {
    const { fake, backend, retries } = await setup({
      faults: [{ kind: "status", status: 400, message: "max_tokens is too large: 99999" }],
    });
    const err = await rejection(backend.generate(request()));
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).toContain("HTTP 400: max_tokens is too large: 99999");
    expect(fake.requests).toHaveLength(1);
    expect(retries).toHaveLength(0);
  });

  it("learns once that the server refuses stream_options and sends later requests without it", async () => {
    const { fake, backend, retries } = await setup({ rejectFields: ["stream_options"] });
    const first = await backend.generate(request());
    const second = await backend.generate(request());
    for (const g of [first, second]) {
      expect(g.text).toBe("The answer is 42.");
      expect(g.outputTokens).toBe(4); // no usage chunk without stream_options: content chunks are counted
    }
    expect(fake.requests).toHaveLength(3); // refused, resent, then straight through
    expect(body(fake, 0).stream_options).toEqual({ include_usage: true });
    expect("stream_options" in body(fake, 1)).toBe(false);
    expect("stream_options" in body(fake, 2)).toBe(false);
    expect(body(fake, 2).max_tokens).toBe(16);
    expect(retries).toHaveLength(0); // an adjustment, not a retry: --retries 0 would still work
  });

  it("switches to max_completion_tokens when the server asks for it, and handles both refusals", async () => {
    const { fake, backend } = await setup({ rejectFields: ["stream_options", "max_tokens"] }, { retries: 0 });
    const g = await backend.generate(request());
    expect(g.text).toBe("The answer is 42.");
    expect(fake.requests).toHaveLength(3);
    const last = body(fake, 2);
    expect(last.max_completion_tokens).toBe(16);
    expect("max_tokens" in last).toBe(false);
    expect("stream_options" in last).toBe(false);
  });

  it("joins content sent as an array of text parts", async () => {
    const { backend } = await setup({ contentParts: true });
    const g = await backend.generate(request());
    expect(g.text).toBe("The answer is 42.");
    expect(g.timing.ttftMs).toBeGreaterThan(0);
  });

  it("points at the base URL on a 404", async () => {
    const fake = await startFakeOpenAI();
    // A base URL without /v1: the fake only serves /v1/chat/completions.
    const backend = await createOpenAIBackend(`${fake.baseUrl.replace(/\/v1$/, "")}#m`, { env: {} });
    open.push({ fake, backend });
    const err = await rejection(backend.generate(request()));
    expect((err as ModelError).message).toContain("HTTP 404");
    expect((err as ModelError).hint).toContain("/v1");
  });

  it("sends the API key as a bearer token and never shows it", async () => {
    const { fake, backend } = await setup(
      { faults: [{ kind: "status", status: 401, message: `Incorrect API key provided: ${KEY}.` }] },
      { env: { EVAL_API_KEY: KEY, OPENAI_API_KEY: "sk-other" } },
    );
    const err = await rejection(backend.generate(request()));
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(err).toBeInstanceOf(ModelError);
    const e = err as ModelError;
    expect(e.message).toContain("HTTP 401: Incorrect API key provided: ***");
    for (const text of [e.message, e.hint ?? "", e.stack ?? "", String(e), JSON.stringify(backend.info)]) {
      expect(text).not.toContain(KEY);
    }
    expect(e.hint).toContain("EVAL_API_KEY");
  });

  it("redacts the key from retried server messages too, and falls back to OPENAI_API_KEY", async () => {
    const { fake, backend, retries } = await setup(
      { faults: times(3, { kind: "status", status: 500, message: `upstream rejected ${KEY}` }) },
      { env: { OPENAI_API_KEY: KEY }, retries: 1 },
    );
    const err = await rejection(backend.generate(request()));
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(retries[0]?.problem).not.toContain(KEY);
    expect((err as ModelError).message).toContain("upstream rejected ***");
    expect((err as ModelError).message).not.toContain(KEY);
  });

  it("uses URL credentials as Basic auth and keeps them out of the model info", async () => {
    const fake = await startFakeOpenAI();
    const url = fake.baseUrl.replace("http://", "http://alice:pa55word@");
    const backend = await createOpenAIBackend(`${url}?token=qsecret#vlm`, { env: {} });
    open.push({ fake, backend });
    await backend.generate(request());
    const auth = fake.requests[0]?.headers.authorization ?? "";
    expect(Buffer.from(auth.replace(/^Basic /, ""), "base64").toString()).toBe("alice:pa55word");
    expect(fake.requests[0]?.path).toBe("/v1/chat/completions?token=qsecret");
    const info = JSON.stringify(backend.info);
    expect(info).not.toContain("pa55word");
    expect(info).not.toContain("alice");
    expect(info).not.toContain("qsecret");
    expect(backend.info).toMatchObject({
      name: `openai:${fake.baseUrl}#vlm`,
      source: fake.baseUrl,
      revision: null,
      dtype: {},
      executionProvider: "remote",
      threads: 0,
    });
    expect(backend.info.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it("fingerprints base URL and model name, not credentials", async () => {
    const a = await createOpenAIBackend("http://h:1/v1#a", { env: {} });
    const a2 = await createOpenAIBackend("http://x:y@h:1/v1/#a", { env: { EVAL_API_KEY: KEY } });
    const b = await createOpenAIBackend("http://h:1/v1#b", { env: {} });
    expect(a.info.fingerprint).toBe(a2.info.fingerprint);
    expect(a.info.fingerprint).not.toBe(b.info.fingerprint);
  });

  it("bounds requests in flight by concurrency", async () => {
    const { fake, backend } = await setup({ firstTokenDelayMs: 100 }, { concurrency: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => backend.generate(request())));
    expect(results.map((r) => r.text)).toEqual(new Array(6).fill("The answer is 42."));
    expect(fake.requests).toHaveLength(6);
    expect(fake.maxInFlight()).toBe(2);
  });

  it("aborts a request in flight and closes its connection", async () => {
    const { fake, backend } = await setup({ faults: [{ kind: "slow-first-token", delayMs: 10_000 }] });
    const ac = new AbortController();
    const pending = backend.generate(request(), { signal: ac.signal });
    await waitUntil(() => fake.requests.length > 0, {
      what: "the request reaching the server",
      deadlineMs: 10_000,
    });
    ac.abort();
    const err = await rejection(pending);
    expect((err as Error).name).toBe("AbortError");
    await waitUntil(() => fake.inFlight() === 0, {
      what: "the server seeing the client go",
      deadlineMs: 10_000,
    });
    expect(fake.requests[0]?.clientGone).toBe(true);
  });

  it("aborts during the backoff wait without another attempt", async () => {
    const ac = new AbortController();
    const waits: number[] = [];
    const { fake, backend } = await setup(
      { faults: [{ kind: "status", status: 500 }] },
      {
        backoff: { baseMs: 60_000, maxMs: 60_000 },
        // The retry event comes right before the backoff wait starts: abort on the next turn, inside the wait.
        onRetry: (e) => {
          waits.push(e.delayMs);
          setImmediate(() => ac.abort(new Error("user pressed Ctrl-C")));
        },
      },
    );
    const pending = backend.generate(request(), { signal: ac.signal });
    const err = await rejection(pending);
    expect((err as Error).message).toBe("user pressed Ctrl-C");
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(30_000); // it was a real backoff wait, cut short
    expect(fake.requests).toHaveLength(1);
  });

  it("rejects an already-aborted call and calls after dispose", async () => {
    const { fake, backend } = await setup();
    const err = await rejection(backend.generate(request(), { signal: AbortSignal.abort() }));
    expect((err as Error).name).toBe("AbortError");
    await backend.dispose();
    expect(await rejection(backend.generate(request()))).toBeInstanceOf(ModelError);
    expect(fake.requests).toHaveLength(0);
  });

  it("reads a whole JSON completion from a server that ignores stream: true", async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response(
        JSON.stringify({
          choices: [{ index: 0, message: { role: "assistant", content: "B" } }],
          usage: { prompt_tokens: 300, completion_tokens: 1 },
        }),
        { status: 200, headers: { "content-type": "application/json" } },
      );
    };
    const backend = await createOpenAIBackend("http://remote.example/v1#m", { env: {}, fetch: fakeFetch });
    const g = await backend.generate(request());
    expect(calls).toEqual(["http://remote.example/v1/chat/completions"]);
    expect(g).toMatchObject({ text: "B", promptTokens: 300, outputTokens: 1 });
  });

  it("fails clearly when the URL serves something that is not the API", async () => {
    const fakeFetch: typeof fetch = async () =>
      new Response("<html>hello</html>", { status: 200, headers: { "content-type": "text/html" } });
    const backend = await createOpenAIBackend("http://remote.example/#m", { env: {}, fetch: fakeFetch });
    const err = await rejection(backend.generate(request()));
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).toContain("text/html");
  });

  it("validates the spec and options, listing every problem", async () => {
    const err = await rejection(createOpenAIBackend("localhost:8000", { concurrency: 0, env: {} }));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toContain("concurrency");
    const err2 = await rejection(createOpenAIBackend("gopher://h/#", { env: {} }));
    expect((err2 as UsageError).message).toMatch(/model name.*empty.*http or https/);
    const err3 = await rejection(createOpenAIBackend("http://h/v1#m", { env: { EVAL_API_KEY: "sk bad\n" } }));
    expect((err3 as UsageError).message).toContain("EVAL_API_KEY");
  });
});
