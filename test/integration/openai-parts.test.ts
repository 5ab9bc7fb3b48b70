/** The OpenAI backend's pure parts: spec parsing, mime sniffing, SSE framing, backoff, request body. */
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  cutAtStop,
  DEFAULT_BACKOFF,
  imageDataUrl,
  parseOpenAISpec,
  parseRetryAfter,
  requestBody,
  retryDelayMs,
  sniffImageMime,
  sseData,
} from "../../src/models/openai/index.js";
import { rngFromSeed } from "../../src/stats/rng.js";

const enc = new TextEncoder();

async function collect(pieces: (string | Uint8Array)[]): Promise<string[]> {
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const p of pieces) yield typeof p === "string" ? enc.encode(p) : p;
  }
  const out: string[] = [];
  for await (const d of sseData(body())) out.push(d);
  return out;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("parseOpenAISpec", () => {
  it("splits base URL and model name, keeping slashes in the name", () => {
    const s = parseOpenAISpec("http://127.0.0.1:8000/v1/#Qwen/Qwen2-VL-7B-Instruct");
    expect(s.model).toBe("Qwen/Qwen2-VL-7B-Instruct");
    expect(s.publicBase).toBe("http://127.0.0.1:8000/v1");
    expect(s.chatUrl).toBe("http://127.0.0.1:8000/v1/chat/completions");
    expect(s.userinfo).toBeNull();
  });

  it("accepts a leading openai: prefix", () => {
    expect(parseOpenAISpec("openai:https://api.example.com/v1#m").publicBase).toBe(
      "https://api.example.com/v1",
    );
  });

  it("strips credentials everywhere and the query from the public form only", () => {
    const s = parseOpenAISpec("https://bob:hunter22@example.com/openai/v1?api-version=2024-10&key=zzz#gpt");
    expect(s.userinfo).toEqual({ username: "bob", password: "hunter22" });
    expect(s.publicBase).toBe("https://example.com/openai/v1");
    expect(s.chatUrl).toBe("https://example.com/openai/v1/chat/completions?api-version=2024-10&key=zzz");
    expect(s.chatUrl).not.toContain("hunter22");
  });

  it("reports every problem at once", () => {
    const err = thrown(() => parseOpenAISpec("ftp://host/v1"));
    expect(err).toBeInstanceOf(UsageError);
    const msg = (err as UsageError).message;
    expect(msg).toContain("model name is missing");
    expect(msg).toContain("http or https");
    expect((err as UsageError).hint).toContain("openai:<base-url>#<model-name>");
  });

  it("rejects an unparsable URL and an empty model name without echoing credentials", () => {
    const err = thrown(() => parseOpenAISpec("http://u:topsecret@[bad#  "));
    const msg = (err as UsageError).message;
    expect(msg).toContain("not a valid URL");
    expect(msg).toContain("empty");
    expect(msg).not.toContain("topsecret");
  });
});

describe("sniffImageMime", () => {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0];
  it.each([
    [png, "image/png"],
    [[0xff, 0xd8, 0xff, 0xe0, 0, 0], "image/jpeg"],
    [[...enc.encode("GIF89a"), 1, 2], "image/gif"],
    [[...enc.encode("RIFF"), 0, 0, 0, 0, ...enc.encode("WEBPVP8 ")], "image/webp"],
    [[...enc.encode("BM"), ...new Array(30).fill(0)], "image/bmp"],
    [[...enc.encode("RIFF"), 0, 0, 0, 0, ...enc.encode("WAVE")], null],
    [[0x00, 0x01], null],
    [[], null],
  ])("%j → %s", (bytes, mime) => {
    expect(sniffImageMime(Uint8Array.from(bytes))).toBe(mime);
  });

  it("builds a data URL of the raw bytes, even from a subarray view", () => {
    const backing = Uint8Array.from([9, 9, ...png, 9]);
    const view = backing.subarray(2, 2 + png.length);
    const url = imageDataUrl(view, "image");
    expect(url.startsWith("data:image/png;base64,")).toBe(true);
    expect([...Buffer.from(url.split(",")[1] ?? "", "base64")]).toEqual(png);
  });

  it("names the image source when the format is unknown", () => {
    expect(() => imageDataUrl(Uint8Array.from([1, 2, 3]), "image_3")).toThrow(/image_3.*not PNG/);
  });
});

describe("sseData", () => {
  it("yields data of each event across CRLF, comments, multi-line data and split chunks", async () => {
    const euro = enc.encode('data: {"c":"€"}\n\n');
    const cut = euro.indexOf(0xe2) + 1; // inside the three-byte €
    const events = await collect([
      ": keep-alive\r\n\r\n",
      "data: one\r",
      "\n\r\ndata:two\ndata: lines\n\nevent: x\nid: 3\nda",
      "ta: three\n\n",
      euro.subarray(0, cut),
      euro.subarray(cut),
      "data: [DONE]",
    ]);
    expect(events).toEqual(["one", "two\nlines", "three", '{"c":"€"}', "[DONE]"]);
  });
});

describe("backoff", () => {
  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("grows exponentially with jitter, caps, and never undercuts the server", () => {
    const s = { baseMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 };
    expect(retryDelayMs(0, null, s, () => 0)).toBe(50);
    expect(retryDelayMs(0, null, s, () => 1)).toBe(100);
    expect(retryDelayMs(3, null, s, () => 1)).toBe(800);
    expect(retryDelayMs(10, null, s, () => 1)).toBe(1000);
    expect(retryDelayMs(0, 3000, s, () => 0)).toBe(3000);
    expect(retryDelayMs(0, 60_000, s, () => 0)).toBe(5000);
  });

  it("the default schedule doubles from 0.5 s to a 20 s cap, jittered within [half, full] for any seed", () => {
    const full = Array.from({ length: 8 }, (_, a) => retryDelayMs(a, null, DEFAULT_BACKOFF, () => 1));
    expect(full).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 20_000, 20_000]);
    expect(retryDelayMs(0, 120_000, DEFAULT_BACKOFF, () => 0)).toBe(60_000);
    for (const seed of [1, 2, 3, 42, 1234]) {
      const rng = rngFromSeed(seed);
      for (const [a, max] of full.entries()) {
        const d = retryDelayMs(a, null, DEFAULT_BACKOFF, rng);
        expect(d, `seed ${seed}, attempt ${a}`).toBeGreaterThanOrEqual(max / 2);
        expect(d, `seed ${seed}, attempt ${a}`).toBeLessThanOrEqual(max);
      }
    }
  });
});

describe("requestBody and cutAtStop", () => {
  it("omits stop when the task has none", () => {
    const body = requestBody("m", { images: [], prompt: "hi", generation: { maxNewTokens: 8, stop: [] } });
    expect(body).not.toHaveProperty("stop");
    expect(body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "hi" }] }]);
  });

  it("cuts at the earliest stop string", () => {
    expect(cutAtStop("a. b\n\nc###", ["###", "\n\n"])).toBe("a. b");
    expect(cutAtStop("abc", ["", "x"])).toBe("abc");
  });
});
