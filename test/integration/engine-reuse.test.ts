/**
 * Reuse across questions about one image (src/models/fastvlm/reuse.ts, prompt-prefill.ts): generations that
 * read and fill the caches give the tokens cold generations give, on fp32, q4 and misbehaving models; the
 * counts say what was reused; single-flight, misses on another prefix, failed images, small budgets.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest, Generation, ReuseInfo } from "../../src/core/types.js";
import { QWEN2_CHAT_TEMPLATE } from "../../src/models/fastvlm/constants.js";
import { generateGreedy } from "../../src/models/fastvlm/decode.js";
import { type FastVLMEngine, type FastVLMOptions, loadFastVLM } from "../../src/models/fastvlm/engine.js";
import type { FastVLMModel } from "../../src/models/fastvlm/graphs.js";
import { releaseCache } from "../../src/models/fastvlm/kv-cache.js";
import { logitsNoCache, prefill } from "../../src/models/fastvlm/prefill.js";
import { buildInputs } from "../../src/models/fastvlm/processor.js";
import { loadPromptTokenizer } from "../../src/models/fastvlm/prompt.js";
import { imageHash, ReuseStore, type ReuseStoreOptions } from "../../src/models/fastvlm/reuse.js";
import { dispose, lastRow } from "../../src/models/fastvlm/tensors.js";
import { tinyModelDir, tinyModelVariant } from "../helpers/tiny-model.js";

const Q4 = { vision_encoder: "q4", embed_tokens: "q4", decoder_model_merged: "q4" } as const;
const QUESTIONS = [
  "What is this?",
  "Is there a cat in the picture? Answer yes or no.",
  "Count the objects.",
  "What colour is the top left corner?",
  "Describe it.",
  "Which word is written on the sign, if any?",
  "Is it day or night?",
  "Why?",
];
/** Image per question: A, B, A, C, A, B, C, A. */
const ORDER = [0, 1, 0, 2, 0, 1, 2, 0];

let images: Uint8Array[];
let work: string;
let engine: FastVLMEngine;
const engines: FastVLMEngine[] = [];

async function gradient(width: number, height: number, seed: number): Promise<Uint8Array> {
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * seed + (i >> 7) * 13) & 255;
  return new Uint8Array(
    await sharp(px, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

function request(imgs: Uint8Array[], prompt: string, maxNewTokens = 6): GenerateRequest {
  return {
    images: imgs.map((bytes, i) => ({ bytes, source: `image_${i}` })),
    prompt,
    generation: { maxNewTokens, stop: [] },
  };
}

async function load(dir: string, opts: FastVLMOptions = {}): Promise<FastVLMEngine> {
  const e = await loadFastVLM(dir, { threads: 1, ...opts });
  engines.push(e);
  return e;
}

/** The engine's model with a fresh reuse store of its own (same sessions). */
function withStore(model: FastVLMModel, opts: Partial<ReuseStoreOptions> = {}): FastVLMModel {
  return { ...model, reuse: new ReuseStore({ maxBytes: 64 << 20, visionSettings: "test", ...opts }) };
}

/** Positions up to and including the last image row, from the prompt's ids and the image rows per image. */
function prefixLength(model: FastVLMModel, prompt: string, imageCount: number, rowsPerImage: number): number {
  const { ids } = model.tokenizer.encodePrompt(prompt, imageCount);
  const last = ids.lastIndexOf(model.config.imageTokenId);
  return last + 1 - imageCount + imageCount * rowsPerImage;
}

function same(a: Generation, b: Generation): void {
  expect(a.tokens).toEqual(b.tokens);
  expect(a.text).toBe(b.text);
  expect(a.promptTokens).toBe(b.promptTokens);
  expect(a.visualTokens).toBe(b.visualTokens);
}

const COLD: ReuseInfo = { visionComputed: 1, visionReused: 0, prefixTokens: 0 };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fastvlm-reuse-"));
  images = [await gradient(96, 64, 7), await gradient(40, 120, 3), await gradient(64, 64, 11)];
  engine = await load(await tinyModelDir("fp32"));
});

afterAll(async () => {
  await Promise.all(engines.map((e) => e.dispose()));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("reuse across questions about one image", () => {
  const variants: [string, () => Promise<FastVLMEngine>][] = [
    ["fp32", async () => engine],
    ["q4", async () => load(await tinyModelVariant("q4", { q4: true, fp16: true }), { dtype: Q4 })],
    [
      "misbehaving q4 (stop-sometimes)",
      async () =>
        load(await tinyModelVariant("bad-stop-sometimes", { misbehave: "stop-sometimes", q4: true }), {
          dtype: Q4,
        }),
    ],
  ];
  for (const [name, open] of variants) {
    it(`${name}: reuse on gives the cold tokens and text, A B A C A B C A; counts say what was reused`, async () => {
      const e = await open();
      const reqs = ORDER.map((img, q) => request([images[img]!], QUESTIONS[q]!));
      const cold: Generation[] = [];
      for (const r of reqs) cold.push(await e.generate(r));
      const warm: Generation[] = [];
      for (const r of reqs) warm.push(await e.generate(r, { reuse: true }));
      const seen = new Set<number>();
      ORDER.forEach((img, i) => {
        same(warm[i]!, cold[i]!);
        expect(cold[i]!.reuse).toEqual(COLD);
        const prefix = prefixLength(e.model, QUESTIONS[i]!, 1, cold[i]!.visualTokens);
        expect(warm[i]!.reuse, `question ${i}`).toEqual(
          seen.has(img) ? { visionComputed: 0, visionReused: 1, prefixTokens: prefix } : COLD,
        );
        seen.add(img);
      });
      // The answers are not all alike (the comparison above has something to catch).
      expect(new Set(cold.map((g) => g.tokens.join(","))).size).toBeGreaterThan(1);
      // Cold calls after warm ones still read nothing.
      expect((await e.generate(reqs[0]!)).reuse).toEqual(COLD);
    });
  }

  it("last-position logits of the two-segment prefill equal one full prefill bitwise (fp32, three models)", async () => {
    const dirs = [
      await tinyModelDir("fp32"),
      await tinyModelVariant("seed-2", { seed: 2 }),
      await tinyModelVariant("seed-3-wide", { seed: 3, hidden: 64, heads: 8, kvHeads: 2, layers: 3 }),
    ];
    for (const dir of dirs) {
      const e = dir === dirs[0] ? engine : await load(dir);
      const { graphs, config } = e.model;
      for (const [q, img] of [
        [0, 0],
        [1, 1],
        [5, 2],
      ] as const) {
        const req = request([images[img]!], QUESTIONS[q]!);
        const full = await buildInputs(e.model, req);
        const p = prefixLength(e.model, QUESTIONS[q]!, 1, full.visualTokens);
        const h = config.hidden;
        const whole = await logitsNoCache(graphs, full);
        const empty = graphs.emptyCache();
        const head = await prefill(
          graphs,
          { embeds: full.embeds.subarray(0, p * h), length: p },
          empty,
          false,
        );
        const tail = await prefill(
          graphs,
          { embeds: full.embeds.subarray(p * h), length: full.length - p },
          head.present,
          true,
        );
        const split = lastRow(tail.logits!);
        dispose(head.logits, tail.logits);
        releaseCache(empty);
        releaseCache(head.present);
        releaseCache(tail.present);
        expect(split.length).toBe(whole.length);
        expect(Buffer.from(split.buffer).equals(Buffer.from(whole.buffer)), `${dir} q${q}`).toBe(true);
      }
    }
  });

  it("single-flight: two concurrent generations of one image encode it once and prefill its prefix once", async () => {
    const model = withStore(engine.model);
    const reqs = [request([images[0]!], QUESTIONS[0]!), request([images[0]!], QUESTIONS[1]!)];
    const cold = await Promise.all(reqs.map((r) => engine.generate(r)));
    const warm = await Promise.all(reqs.map((r) => generateGreedy(model, r, { reuse: true })));
    for (const [i, g] of warm.entries()) same(g, cold[i]!);
    const infos = warm.map((g) => g.reuse!);
    expect(infos.reduce((n, r) => n + r.visionComputed, 0)).toBe(1);
    // One computed the prefix, the other waited for it and read it.
    const reader = infos.findIndex((r) => r.prefixTokens > 0);
    expect(reader).toBeGreaterThanOrEqual(0);
    expect(infos[reader]!.prefixTokens).toBe(prefixLength(model, QUESTIONS[reader]!, 1, 256));
    expect(infos[1 - reader]).toEqual(COLD);
  });

  it("single-flight for features across different prefixes: [A] and [B, A] at once encode A once", async () => {
    const model = withStore(engine.model);
    const reqs = [request([images[0]!], QUESTIONS[2]!), request([images[1]!, images[0]!], QUESTIONS[3]!)];
    const cold = await Promise.all(reqs.map((r) => engine.generate(r)));
    const warm = await Promise.all(reqs.map((r) => generateGreedy(model, r, { reuse: true })));
    for (const [i, g] of warm.entries()) same(g, cold[i]!);
    const infos = warm.map((g) => g.reuse!);
    expect(infos.reduce((n, r) => n + r.visionComputed, 0)).toBe(2);
    expect(infos.reduce((n, r) => n + r.visionReused, 0)).toBe(1);
    expect(infos.map((r) => r.prefixTokens)).toEqual([0, 0]);
  });

  it("several images: the prefix covers them all; another order misses the prefix but reuses both features", async () => {
    const model = withStore(engine.model);
    const ab = [images[0]!, images[1]!];
    const ba = [images[1]!, images[0]!];
    const reqs = [request(ab, QUESTIONS[0]!), request(ab, QUESTIONS[4]!), request(ba, QUESTIONS[4]!)];
    const infos: ReuseInfo[] = [];
    for (const r of reqs) {
      const g = await generateGreedy(model, r, { reuse: true });
      same(g, await engine.generate(r));
      infos.push(g.reuse!);
    }
    expect(infos).toEqual([
      { visionComputed: 2, visionReused: 0, prefixTokens: 0 },
      { visionComputed: 0, visionReused: 2, prefixTokens: prefixLength(model, QUESTIONS[4]!, 2, 256) },
      { visionComputed: 0, visionReused: 2, prefixTokens: 0 },
    ]);
  });

  it("another system prompt misses the prefix but reuses the features; the first prompt still hits", async () => {
    const src = await tinyModelDir("fp32");
    const dir = join(work, "other-system");
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir);
    for (const f of readdirSync(src)) if (f.endsWith(".json")) copyFileSync(join(src, f), join(dir, f));
    const cfg = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    cfg.chat_template = QWEN2_CHAT_TEMPLATE.replace("You are a helpful assistant.", "Answer in one word.");
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(cfg));
    const model = withStore(engine.model);
    const other: FastVLMModel = { ...model, tokenizer: loadPromptTokenizer(dir, model.config.imageTokenId) };
    const r = request([images[2]!], QUESTIONS[6]!);
    expect(other.tokenizer.encodePrompt(r.prompt, 1).ids).not.toEqual(
      model.tokenizer.encodePrompt(r.prompt, 1).ids,
    );
    const first = await generateGreedy(model, r, { reuse: true });
    const otherWarm = await generateGreedy(other, r, { reuse: true });
    const again = await generateGreedy(model, r, { reuse: true });
    expect(first.reuse).toEqual(COLD);
    expect(otherWarm.reuse).toEqual({ visionComputed: 0, visionReused: 1, prefixTokens: 0 });
    expect(again.reuse).toEqual({
      visionComputed: 0,
      visionReused: 1,
      prefixTokens: prefixLength(model, r.prompt, 1, 256),
    });
    same(otherWarm, await generateGreedy(other, r));
    same(again, first);
  });

  it("a prefix key shared by two prefixes (digest collision) misses: never another image's KV", async () => {
    const model = withStore(engine.model, { prefixDigest: () => "collision" });
    const a = request([images[0]!], QUESTIONS[0]!);
    const b = request([images[1]!], QUESTIONS[0]!);
    const ga = await generateGreedy(model, a, { reuse: true });
    const gb = await generateGreedy(model, b, { reuse: true });
    const ga2 = await generateGreedy(model, a, { reuse: true });
    same(gb, await engine.generate(b));
    expect(gb.tokens).not.toEqual(ga.tokens);
    expect(gb.reuse).toEqual(COLD);
    same(ga2, ga);
    expect(ga2.reuse!.prefixTokens).toBe(prefixLength(model, a.prompt, 1, 256));
  });

  it("an image that fails to decode fails its call, is not cached, and fails again; a good image is unaffected", async () => {
    const model = withStore(engine.model);
    const store = model.reuse!;
    const bad = { bytes: new Uint8Array([1, 2, 3]), source: "row7/image" };
    const req = (imgs: GenerateRequest["images"]): GenerateRequest => ({
      images: imgs,
      prompt: QUESTIONS[0]!,
      generation: { maxNewTokens: 3, stop: [] },
    });
    // Two samples of one bad image at once: each fails, and each error names its own sample's image.
    const both = await Promise.allSettled([
      generateGreedy(model, req([bad]), { reuse: true }),
      generateGreedy(model, req([{ ...bad, source: "row8/image" }]), { reuse: true }),
    ]);
    expect(both.map((s) => s.status)).toEqual(["rejected", "rejected"]);
    expect(String((both[0] as PromiseRejectedResult).reason)).toMatch(/row7\/image/);
    expect(String((both[1] as PromiseRejectedResult).reason)).toMatch(/row8\/image/);
    const good = { bytes: images[0]!, source: "good" };
    await expect(generateGreedy(model, req([good, bad]), { reuse: true })).rejects.toThrow(/row7\/image/);
    expect(store.bytes).toBe(0);
    expect(store.hasFeatures(imageHash(bad.bytes))).toBe(false);
    await expect(generateGreedy(model, req([bad]), { reuse: true })).rejects.toThrow(/row7\/image/);
    const ok = await generateGreedy(model, req([good]), { reuse: true });
    expect(ok.reuse).toEqual(COLD);
    same(ok, await engine.generate(req([good])));
    expect(store.bytes).toBeGreaterThan(0);
  });

  it("a budget too small for one entry answers right with no reuse; one image's worth evicts the older image", async () => {
    const reqs = ORDER.slice(0, 3).map((img, q) => request([images[img]!], QUESTIONS[q]!));
    const cold: Generation[] = [];
    for (const r of reqs) cold.push(await engine.generate(r));
    const tiny = withStore(engine.model, { maxBytes: 1000 });
    for (const [i, r] of reqs.entries()) {
      const g = await generateGreedy(tiny, r, { reuse: true });
      same(g, cold[i]!);
      expect(g.reuse).toEqual(COLD);
    }
    expect(tiny.reuse!.bytes).toBe(0);
    // Measure what one image holds (features + prefix KV), then give exactly that: in A, B, A, A the
    // second A recomputes (B evicted it), the third hits.
    const probe = withStore(engine.model);
    await generateGreedy(probe, reqs[0]!, { reuse: true });
    const one = withStore(engine.model, { maxBytes: probe.reuse!.bytes });
    const infos: ReuseInfo[] = [];
    for (const [i, r] of [...reqs, reqs[0]!].entries()) {
      const g = await generateGreedy(one, r, { reuse: true });
      same(g, cold[i % 3]!);
      infos.push(g.reuse!);
    }
    const prefix = prefixLength(engine.model, QUESTIONS[0]!, 1, 256);
    expect(infos).toEqual([COLD, COLD, COLD, { visionComputed: 0, visionReused: 1, prefixTokens: prefix }]);
    expect(one.reuse!.bytes).toBe(probe.reuse!.bytes);
  });

  it("--reuse-cache-mb 0 keeps nothing; dispose releases what a budget kept; text-only prompts are one segment", async () => {
    const dir = await tinyModelDir("fp32");
    const none = await load(dir, { reuseCacheMb: 0 });
    expect(none.model.reuse).toBeNull();
    const r = request([images[0]!], QUESTIONS[0]!);
    const cold = await engine.generate(r);
    for (let i = 0; i < 2; i++) {
      const g = await none.generate(r, { reuse: true });
      same(g, cold);
      expect(g.reuse).toEqual(COLD);
    }
    const kept = await loadFastVLM(dir, { threads: 1, reuseCacheMb: 1 });
    await kept.generate(r, { reuse: true });
    expect(kept.model.reuse!.bytes).toBeGreaterThan(0);
    await kept.dispose();
    expect(kept.model.reuse!.bytes).toBe(0);
    const text = await engine.generate(request([], "Say something."), { reuse: true });
    expect(text.reuse).toEqual({ visionComputed: 0, visionReused: 0, prefixTokens: 0 });
    expect(text.tokens).toEqual((await engine.generate(request([], "Say something."))).tokens);
  });
});
