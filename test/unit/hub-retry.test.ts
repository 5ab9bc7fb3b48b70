import { describe, expect, it } from "vitest";
import {
  isTransient,
  PermanentError,
  RetriesExhausted,
  retryAfterMs,
  TransientError,
  withRetry,
} from "../../src/hub/retry.js";

describe("isTransient", () => {
  it("retries network trouble and 5xx/429/408, not 4xx or bugs", () => {
    expect(isTransient(new TransientError("x"))).toBe(true);
    expect(isTransient(new PermanentError("x", 404))).toBe(false);
    expect(isTransient(new TypeError("fetch failed"))).toBe(true);
    expect(isTransient(new TypeError("terminated"))).toBe(true);
    expect(isTransient(new TypeError("Cannot read properties of undefined"))).toBe(false);
    expect(isTransient(new SyntaxError("Unexpected end of JSON input"))).toBe(true);
    expect(isTransient(Object.assign(new Error("api"), { statusCode: 503 }))).toBe(true);
    expect(isTransient(Object.assign(new Error("api"), { statusCode: 429 }))).toBe(true);
    expect(isTransient(Object.assign(new Error("api"), { statusCode: 401 }))).toBe(false);
    expect(isTransient(Object.assign(new Error("sock"), { code: "ECONNRESET" }))).toBe(true);
    const abort = new Error("aborted");
    abort.name = "AbortError";
    expect(isTransient(abort)).toBe(false);
  });
});

describe("withRetry", () => {
  it("retries transient failures, then succeeds", async () => {
    let calls = 0;
    const got = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new TransientError("flaky", 500);
        return "ok";
      },
      { retries: 5, baseMs: 0 },
    );
    expect(got).toBe("ok");
    expect(calls).toBe(3);
  });

  it("gives up after retries + 1 attempts with the last error", async () => {
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw new TransientError(`fail ${calls}`, 503);
      },
      { retries: 2, baseMs: 0 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhausted);
    expect((err as RetriesExhausted).attempts).toBe(3);
    expect(((err as RetriesExhausted).last as Error).message).toBe("fail 3");
    expect(calls).toBe(3);
  });

  it("does not retry permanent failures", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new PermanentError("nope", 404);
        },
        { retries: 5, baseMs: 0 },
      ),
    ).rejects.toBeInstanceOf(PermanentError);
    expect(calls).toBe(1);
  });

  it("backs off exponentially and honours Retry-After", async () => {
    const delays: number[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new TransientError("x");
        if (calls === 2) throw new TransientError("x");
        if (calls === 3) throw new TransientError("slow down", 429, 7);
        return 1;
      },
      { retries: 5, baseMs: 4, onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(delays[0]).toBeGreaterThanOrEqual(3);
    expect(delays[0]).toBeLessThanOrEqual(5);
    expect(delays[1]).toBeGreaterThanOrEqual(6);
    expect(delays[1]).toBeLessThanOrEqual(10);
    expect(delays[2]).toBe(7);
  });

  it("parses Retry-After seconds and caps it", () => {
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs("99999")).toBe(60_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("garbage")).toBeUndefined();
  });
});
