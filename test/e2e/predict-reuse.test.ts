/**
 * `predict` (a cold generation through the built CLI) answers what the engine answers when its
 * generations read the reuse caches (issue 14: reuse never changes an answer).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FastVLMEngine, loadFastVLM } from "../../src/models/fastvlm/engine.js";
import { tinyModelDir } from "../helpers/tiny-model.js";
import { CLI } from "./run-helpers.js";

const PROMPTS = ["What colour is it?", "Is there any text in the image?"];

let model: string;
let work: string;
let image: string;
let bytes: Uint8Array;
let engine: FastVLMEngine;

beforeAll(async () => {
  model = await tinyModelDir("fp32");
  work = mkdtempSync(join(tmpdir(), "fastvlm-predict-reuse-"));
  image = join(work, "img.png");
  bytes = new Uint8Array(
    await sharp({ create: { width: 90, height: 60, channels: 3, background: { r: 200, g: 40, b: 90 } } })
      .png()
      .toBuffer(),
  );
  writeFileSync(image, bytes);
  engine = await loadFastVLM(model, { threads: 1 });
});

afterAll(async () => {
  await engine?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("predict and reuse", () => {
  it("gives the answers of engine generations that reused the image's features and prefix", async () => {
    const warm = [];
    for (const prompt of PROMPTS) {
      warm.push(
        await engine.generate(
          { images: [{ bytes, source: "img.png" }], prompt, generation: { maxNewTokens: 6, stop: [] } },
          { reuse: true },
        ),
      );
    }
    // The second question read the first one's cache.
    expect(warm[1]!.reuse!.prefixTokens).toBeGreaterThan(0);
    expect(warm[1]!.reuse!.visionComputed).toBe(0);
    for (const [i, prompt] of PROMPTS.entries()) {
      const r = spawnSync(
        process.execPath,
        [
          CLI,
          "predict",
          "--model",
          model,
          "--image",
          image,
          "--prompt",
          prompt,
          "--max-new-tokens",
          "6",
        ].concat(["--json", "--threads", "1"]),
        { encoding: "utf8", env: { ...process.env, HF_HUB_OFFLINE: "1" } },
      );
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { text: string; tokens: number[] };
      expect(j.tokens).toEqual(warm[i]!.tokens);
      expect(j.text).toBe(warm[i]!.text);
    }
  });
});
