/**
 * The FastVLM engine on the tiny random-weight model (real Qwen2-style decoder with RoPE, GQA and a
 * KV cache; full Qwen vocab tokenizer fixture).
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest, Generation } from "../../src/core/types.js";
import { SPECIAL_IDS } from "../../src/models/fastvlm/constants.js";
import { generateGreedy, type StepTrace } from "../../src/models/fastvlm/decode.js";
import { type FastVLMEngine, loadFastVLM } from "../../src/models/fastvlm/engine.js";
import { logitsNoCache } from "../../src/models/fastvlm/prefill.js";
import { buildInputs } from "../../src/models/fastvlm/processor.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

let engine: FastVLMEngine;
let imageA: Uint8Array;
let imageB: Uint8Array;

async function gradient(width: number, height: number, seed: number): Promise<Uint8Array> {
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * seed + (i >> 7) * 13) & 255;
  return new Uint8Array(
    await sharp(px, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

function request(
  images: Uint8Array[],
  prompt: string,
  maxNewTokens = 8,
  stop: string[] = [],
): GenerateRequest {
  return {
    images: images.map((bytes, i) => ({ bytes, source: `image_${i}` })),
    prompt,
    generation: { maxNewTokens, stop },
  };
}

/**
 * The stage clocks measured real work inside the call: every stage took time (image decode, the vision
 * encoder and the prefill all run), decoding took time once more than one token came out, and the whole
 * generation fits inside the wall-clock span the caller saw around `generate` (stageTiming cannot force that).
 */
function expectTimingMeasured(g: Generation, callWallMs: number): void {
  const t = g.timing;
  expect(t.preprocessMs).toBeGreaterThan(0);
  expect(t.visionMs).toBeGreaterThan(0);
  expect(t.prefillMs).toBeGreaterThan(0);
  if (g.outputTokens > 1) expect(t.decodeMs).toBeGreaterThan(0);
  expect(t.totalMs).toBeLessThanOrEqual(callWallMs + 0.5);
}

/** `generate` with the caller's own wall clock around it. */
async function timed<T>(call: () => Promise<T>): Promise<{ value: T; wallMs: number }> {
  const start = performance.now();
  const value = await call();
  return { value, wallMs: performance.now() - start };
}

beforeAll(async () => {
  engine = await loadFastVLM(await tinyModelDir("fp32"), { threads: 1 });
  imageA = await gradient(96, 64, 7);
  imageB = await gradient(40, 120, 3);
});

afterAll(async () => {
  await engine?.dispose();
});

describe("FastVLM engine (tiny model)", () => {
  it("generates non-trivial tokens with consistent counts and ordered timings", async () => {
    const { value: g, wallMs } = await timed(() =>
      engine.generate(request([imageA], "What is in the image?", 10)),
    );
    expect(g.tokens.length).toBe(10);
    expect(g.outputTokens).toBe(10);
    expect(new Set(g.tokens).size).toBeGreaterThan(1);
    expect(g.text.length).toBeGreaterThan(0);
    const { ids } = engine.model.tokenizer.encodePrompt("What is in the image?", 1);
    expect(g.visualTokens).toBe(256);
    expect(g.promptTokens).toBe(ids.length - 1 + 256);
    expectTimingMeasured(g, wallMs);
    expect(engine.info.dtype).toEqual({
      vision_encoder: "fp32",
      embed_tokens: "fp32",
      decoder_model_merged: "fp32",
    });
    expect(engine.info.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("renders Qwen2 ChatML with the default system prompt and inserts the image id", () => {
    const { ids, text } = engine.model.tokenizer.encodePrompt("Describe.", 2);
    expect(text).toBe(
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<image> <image>\nDescribe.<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(ids.filter((x) => x === SPECIAL_IDS.image).length).toBe(2);
    expect(ids[0]).toBe(SPECIAL_IDS.imStart);
    expect(ids.filter((x) => x === SPECIAL_IDS.imEnd).length).toBe(2);
  });

  it("KV-cache decoding equals a full no-cache forward at every step", async () => {
    const req = request([imageA], "Count the colours.", 6);
    const steps: StepTrace[] = [];
    const g = await generateGreedy(engine.model, req, { onStep: (s) => steps.push(s) });
    expect(steps.length).toBe(6);
    const prompt = await buildInputs(engine.model, req);
    const h = engine.model.config.hidden;
    for (let k = 0; k < steps.length; k++) {
      // Sequence = prompt + the first k generated tokens, recomputed from scratch.
      const extra = k > 0 ? await engine.model.graphs.embedIds(g.tokens.slice(0, k)) : new Float32Array(0);
      const embeds = new Float32Array(prompt.embeds.length + extra.length);
      embeds.set(prompt.embeds);
      embeds.set(extra, prompt.embeds.length);
      const full = await logitsNoCache(engine.model.graphs, { embeds, length: prompt.length + k });
      const inc = steps[k]!.logits;
      expect(full.length).toBe(inc.length);
      let maxDiff = 0;
      let argmax = 0;
      for (let i = 0; i < full.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(full[i]! - inc[i]!));
        if (full[i]! > full[argmax]!) argmax = i;
      }
      expect(maxDiff).toBeLessThan(1e-3);
      expect(argmax).toBe(steps[k]!.token);
      expect(embeds.length).toBe((prompt.length + k) * h);
    }
    expect(steps.slice(0, 6).map((s) => s.token)).toEqual(g.tokens);
  });

  it("splicing features equals transformers.js's expand-then-scatter inputs_embeds", async () => {
    const req = request([imageA], "Same embeds?");
    const ours = await buildInputs(engine.model, req);
    const { ids } = engine.model.tokenizer.encodePrompt("Same embeds?", 1);
    const expanded = ids.flatMap((id) => (id === SPECIAL_IDS.image ? new Array<number>(256).fill(id) : [id]));
    const theirs = await engine.model.graphs.embedIds(expanded);
    const { preprocessImage } = await import("../../src/data/images.js");
    const feats = await engine.model.graphs.encodeImage(await preprocessImage(imageA, { mode: "pad" }));
    const h = engine.model.config.hidden;
    let row = 0;
    expanded.forEach((id, pos) => {
      if (id === SPECIAL_IDS.image) theirs.set(feats.subarray(row++ * h, row * h), pos * h);
    });
    expect(ours.length).toBe(expanded.length);
    expect(Buffer.from(ours.embeds.buffer).equals(Buffer.from(theirs.buffer))).toBe(true);
  });

  it("gives the same tokens serially and with 4 generations in flight", async () => {
    const reqs = [
      request([imageA], "First?", 6),
      request([imageB], "Second?", 6),
      request([imageA], "Third question, longer.", 6),
      request([imageB, imageA], "Fourth?", 6),
    ];
    const serial: number[][] = [];
    for (const r of reqs) serial.push((await engine.generate(r)).tokens);
    const { value: parallel, wallMs } = await timed(() => Promise.all(reqs.map((r) => engine.generate(r))));
    expect(parallel.map((g) => g.tokens)).toEqual(serial);
    for (const g of parallel) expectTimingMeasured(g, wallMs);
  });

  it("handles two images: 512 visual rows and the right prompt length", async () => {
    const g = await engine.generate(request([imageA, imageB], "Compare the two images.", 4));
    const { ids } = engine.model.tokenizer.encodePrompt("Compare the two images.", 2);
    expect(g.visualTokens).toBe(512);
    expect(g.promptTokens).toBe(ids.length - 2 + 512);
    const inputs = await buildInputs(engine.model, request([imageA, imageB], "Compare the two images."));
    expect(inputs.length).toBe(g.promptTokens);
    // The image order matters: swapping the images changes the visual rows.
    const swapped = await buildInputs(engine.model, request([imageB, imageA], "Compare the two images."));
    expect(Buffer.from(swapped.embeds.buffer).equals(Buffer.from(inputs.embeds.buffer))).toBe(false);
  });

  it("cuts the text at a stop string", async () => {
    const full = await engine.generate(request([imageA], "Stop test.", 8));
    const piece = engine.model.tokenizer.decode(full.tokens.slice(2, 3));
    expect(piece.length).toBeGreaterThan(0);
    const cut = await engine.generate(request([imageA], "Stop test.", 8, [piece]));
    expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(piece)));
    expect(cut.tokens.length).toBeLessThanOrEqual(3);
    expect(cut.tokens).toEqual(full.tokens.slice(0, cut.tokens.length));
  });

  it("stops at max new tokens and honours an aborted signal", async () => {
    const g = await engine.generate(request([imageA], "One token.", 1));
    expect(g.tokens.length).toBe(1);
    const ac = new AbortController();
    ac.abort();
    await expect(engine.generate(request([imageA], "x"), { signal: ac.signal })).rejects.toThrow(/abort/i);
  });

  it("reports a corrupt image as a DataError naming its source", async () => {
    const bad = {
      images: [{ bytes: new Uint8Array([1, 2, 3]), source: "row7/image" }],
      prompt: "x",
      generation: { maxNewTokens: 2, stop: [] },
    };
    await expect(engine.generate(bad)).rejects.toThrow(/row7\/image/);
  });

  it("crop mode runs and differs from pad on a non-square image", async () => {
    const crop = await loadFastVLM(await tinyModelDir("fp32"), { threads: 1, imageMode: "crop" });
    try {
      const a = await buildInputs(crop.model, request([imageA], "Mode?"));
      const b = await buildInputs(engine.model, request([imageA], "Mode?"));
      expect(a.length).toBe(b.length);
      expect(Buffer.from(a.embeds.buffer).equals(Buffer.from(b.embeds.buffer))).toBe(false);
      expect(crop.info.fingerprint).not.toBe(engine.info.fingerprint);
    } finally {
      await crop.dispose();
    }
  });
});

describe("FastVLM engine: fp16 graphs", () => {
  it("runs float16 I/O and matches the fp32 model's tokens", async () => {
    const dir = await tinyModelDir("fp16");
    const mixed = await loadFastVLM(dir, { threads: 1 });
    const half = await loadFastVLM(dir, {
      threads: 1,
      dtype: { vision_encoder: "fp16", embed_tokens: "fp16", decoder_model_merged: "fp16" },
    });
    try {
      // Default for a local folder: the card's recommendation (embed fp16) where present, else fp32.
      expect(mixed.info.dtype).toEqual({
        vision_encoder: "fp32",
        embed_tokens: "fp16",
        decoder_model_merged: "fp32",
      });
      const req = request([imageA], "Half precision?", 6);
      const ref = await engine.generate(req);
      const gMixed = await mixed.generate(req);
      const { value: gHalf, wallMs } = await timed(() => half.generate(req));
      // The weights are float16-representable in both, so only activation rounding differs.
      expect(gMixed.tokens).toEqual(ref.tokens);
      expect(gHalf.tokens[0]).toBe(ref.tokens[0]);
      const same = gHalf.tokens.filter((t, i) => t === ref.tokens[i]).length;
      expect(same).toBeGreaterThanOrEqual(4);
      expectTimingMeasured(gHalf, wallMs);
    } finally {
      await mixed.dispose();
      await half.dispose();
    }
  });
});

describe("FastVLM engine: optional decoder inputs", () => {
  it("feeds num_logits_to_keep = 1 and gets the same tokens", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { makeTinyModel } = await import("../../src/testbed/tiny-fastvlm/index.js");
    const dir = mkdtempSync(join(tmpdir(), "tiny-keep-"));
    try {
      const keep = await loadFastVLM(
        await makeTinyModel(join(dir, "m"), { seed: 1, tokenizer: "qwen", logitsToKeep: true }),
        {
          threads: 1,
        },
      );
      try {
        const req = request([imageA], "Keep one?", 5);
        const g = await keep.generate(req);
        expect(g.tokens).toEqual((await engine.generate(req)).tokens);
      } finally {
        await keep.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("FastVLM engine: sparse config.json", () => {
  it("takes hidden size and layer count from the decoder when config.json lacks them", async () => {
    const fs = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const src = await tinyModelDir("fp32");
    const dir = fs.mkdtempSync(join(tmpdir(), "tiny-sparse-"));
    try {
      fs.mkdirSync(join(dir, "onnx"));
      for (const f of fs.readdirSync(src)) if (f !== "onnx") fs.copyFileSync(join(src, f), join(dir, f));
      for (const f of fs.readdirSync(join(src, "onnx")))
        fs.symlinkSync(join(src, "onnx", f), join(dir, "onnx", f));
      const cfg = JSON.parse(fs.readFileSync(join(src, "config.json"), "utf8")) as Record<string, unknown>;
      delete cfg.hidden_size;
      delete cfg.num_hidden_layers;
      fs.writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
      const sparse = await loadFastVLM(dir, { threads: 1 });
      try {
        expect(sparse.model.config.hidden).toBe(engine.model.config.hidden);
        expect(sparse.model.config.layers).toBe(engine.model.config.layers);
        const req = request([imageB], "Sparse?", 3);
        expect((await sparse.generate(req)).tokens).toEqual((await engine.generate(req)).tokens);
      } finally {
        await sparse.dispose();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
