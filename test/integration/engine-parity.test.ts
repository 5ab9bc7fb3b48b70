/**
 * Parity with transformers.js 4.3.1 (dev dependency) on the tiny model: the same crop-mode pixel values
 * (square and non-square images) and the same greedy token ids for a 1024×1024 image.
 */
import { basename, dirname } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preprocessImage } from "../../src/data/images.js";
import { type FastVLMEngine, loadFastVLM } from "../../src/models/fastvlm/engine.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

type Tjs = typeof import("@huggingface/transformers");
let tjs: Tjs;
let dir: string;
let engine: FastVLMEngine;

async function photo(width: number, height: number): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = ((x >> 5) + (y >> 5)) & 1 ? 220 : (x ^ y) & 0xff;
    }
  }
  return new Uint8Array(
    await sharp(raw, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

beforeAll(async () => {
  dir = await tinyModelDir("fp32");
  tjs = await import("@huggingface/transformers");
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  tjs.env.localModelPath = `${dirname(dir)}/`;
  engine = await loadFastVLM(dir, { threads: 1, imageMode: "crop" });
});

afterAll(async () => {
  await engine?.dispose();
});

describe("parity with transformers.js", () => {
  it("crop mode gives the processor's pixel_values exactly", async () => {
    const processor = await tjs.AutoProcessor.from_pretrained(basename(dir));
    for (const [w, h] of [
      [1024, 1024],
      [640, 480],
      [300, 1200],
    ] as const) {
      const bytes = await photo(w, h);
      const imageProcessor = processor.image_processor;
      if (!imageProcessor) throw new Error("the processor has no image processor");
      const theirs = (await imageProcessor(await tjs.RawImage.fromBlob(new Blob([bytes])))).pixel_values;
      const ours = await preprocessImage(bytes, { mode: "crop", size: 1024 });
      expect(theirs.dims).toEqual([1, 3, 1024, 1024]);
      const data = theirs.data as Float32Array;
      let diff = 0;
      for (let i = 0; i < ours.length; i++) if (ours[i] !== data[i]) diff++;
      expect(diff, `${w}x${h}`).toBe(0);
    }
  });

  it("greedy token ids equal transformers.js generate() for a 1024×1024 image", async () => {
    const image = await photo(1024, 1024);
    const prompt = "Describe the image in detail.";
    const model = await tjs.LlavaQwen2ForCausalLM.from_pretrained(basename(dir), {
      dtype: { embed_tokens: "fp32", vision_encoder: "fp32", decoder_model_merged: "fp32" },
      device: "cpu",
      session_options: { intraOpNumThreads: 1 },
    });
    try {
      const processor = await tjs.AutoProcessor.from_pretrained(basename(dir));
      const text = processor.apply_chat_template([{ role: "user", content: `<image>\n${prompt}` }], {
        add_generation_prompt: true,
      }) as string;
      const inputs = await processor(await tjs.RawImage.fromBlob(new Blob([image])), text, {
        add_special_tokens: false,
      });
      const out = (await model.generate({ ...inputs, max_new_tokens: 8, do_sample: false })) as {
        tolist(): bigint[][];
      };
      const promptLen = (inputs.input_ids as { dims: number[] }).dims[1]!;
      const theirs = out.tolist()[0]!.slice(promptLen).map(Number);
      for (const mode of ["crop", "pad"] as const) {
        const e = mode === "crop" ? engine : await loadFastVLM(dir, { threads: 1, imageMode: "pad" });
        try {
          const g = await e.generate({
            images: [{ bytes: image, source: "img" }],
            prompt,
            generation: { maxNewTokens: 8, stop: [] },
          });
          expect(g.tokens, mode).toEqual(theirs);
          expect(g.promptTokens).toBe(promptLen);
        } finally {
          if (e !== engine) await e.dispose();
        }
      }
    } finally {
      await model.dispose();
    }
  });
});
