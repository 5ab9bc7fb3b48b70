/** `fastvlm-eval predict` end to end through dist/src/cli.js: output shape and exit codes. */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quickModelDir, tinyModelDir } from "../helpers/tiny-model.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "dist", "src", "cli.js");

let model: string;
/** Base of the broken folders: what breaks is under test, not the image size or the vocab. */
let quick: string;
let work: string;
let image: string;

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, HF_HUB_OFFLINE: "1" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the quick model's folder with its fp32 graphs only (symlinked), with `edit` applied. */
function variant(name: string, edit: (dir: string) => void): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "onnx"), { recursive: true });
  for (const f of readdirSync(quick)) if (f !== "onnx") copyFileSync(join(quick, f), join(dir, f));
  for (const f of readdirSync(join(quick, "onnx")).filter((g) => !/_(q4|fp16)\.onnx/.test(g)))
    symlinkSync(join(quick, "onnx", f), join(dir, "onnx", f));
  edit(dir);
  return dir;
}

beforeAll(async () => {
  model = await tinyModelDir("fp32");
  quick = await quickModelDir();
  work = mkdtempSync(join(tmpdir(), "fastvlm-predict-"));
  image = join(work, "img.png");
  await sharp({ create: { width: 80, height: 50, channels: 3, background: { r: 30, g: 140, b: 220 } } })
    .png()
    .toFile(image);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("fastvlm-eval predict", () => {
  it("prints one JSON object with text, tokens, counts and timing", () => {
    const r = cli([
      "predict",
      "--model",
      model,
      "--image",
      image,
      "--prompt",
      "What colour?",
      "--max-new-tokens",
      "5",
      "--json",
      "--threads",
      "1",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j).sort()).toEqual([
      "outputTokens",
      "promptTokens",
      "text",
      "timing",
      "tokens",
      "visualTokens",
    ]);
    expect(typeof j.text).toBe("string");
    expect((j.tokens as number[]).length).toBe(5);
    expect(j.outputTokens).toBe(5);
    expect(j.visualTokens).toBe(256);
    expect(j.promptTokens as number).toBeGreaterThan(256);
    const t = j.timing as Record<string, number>;
    expect(Object.keys(t).sort()).toEqual([
      "decodeMs",
      "prefillMs",
      "preprocessMs",
      "totalMs",
      "ttftMs",
      "visionMs",
    ]);
    expect(t.preprocessMs! + t.visionMs! + t.prefillMs!).toBeLessThanOrEqual(t.ttftMs!);
  });

  it("prints the plain answer on stdout and timings on stderr", () => {
    const r = cli([
      "predict",
      "--model",
      model,
      "--image",
      image,
      "--image",
      image,
      "--prompt",
      "Two?",
      "--max-new-tokens",
      "3",
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/ttft .* ms .*512 visual/);
  });

  it("exits 4 naming the file when a graph is missing", () => {
    const dir = variant("missing", (d) => rmSync(join(d, "onnx", "decoder_model_merged.onnx")));
    const r = cli(["predict", "--model", dir, "--image", image, "--prompt", "x"]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain("onnx/decoder_model_merged.onnx");
  });

  it("exits 4 naming the graph and input when the decoder has the wrong inputs", () => {
    const dir = variant("wrong-io", (d) => {
      rmSync(join(d, "onnx", "decoder_model_merged.onnx"));
      symlinkSync(join(quick, "onnx", "embed_tokens.onnx"), join(d, "onnx", "decoder_model_merged.onnx"));
    });
    const r = cli(["predict", "--model", dir, "--image", image, "--prompt", "x"]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain("decoder_model_merged");
    expect(r.stderr).toContain("has no input 'inputs_embeds'");
    expect(r.stderr).toContain("past_key_values.0.key");
  });

  it("exits 4 naming the file when an .onnx is corrupt", () => {
    const dir = variant("corrupt", (d) => {
      rmSync(join(d, "onnx", "vision_encoder.onnx"));
      writeFileSync(join(d, "onnx", "vision_encoder.onnx"), Buffer.from("this is not a protobuf model"));
    });
    const r = cli(["predict", "--model", dir, "--image", image, "--prompt", "x"]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain("vision_encoder.onnx");
  });

  it("exits 4 when config.json is missing", () => {
    const dir = variant("no-config", (d) => rmSync(join(d, "config.json")));
    const r = cli(["predict", "--model", dir, "--image", image, "--prompt", "x"]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain("config.json");
  });

  it("exits 2 with did-you-mean for an unknown model and for bad flags", () => {
    const r = cli(["predict", "--model", "fastvlm-05b", "--image", image, "--prompt", "x"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Did you mean 'fastvlm-0.5b'");
    const f = cli([
      "predict",
      "--model",
      model,
      "--image",
      join(work, "nope.png"),
      "--prompt",
      "x",
      "--dtype",
      "vision=q3",
      "--image-mode",
      "square",
    ]);
    expect(f.status).toBe(2);
    expect(f.stderr).toContain("nope.png");
    expect(f.stderr).toContain("unknown dtype 'q3'");
    expect(f.stderr).toContain("--image-mode");
  });

  it("exits 4 with install advice for an unavailable execution provider", () => {
    const r = cli(["predict", "--model", quick, "--image", image, "--prompt", "x", "--device", "dml"]);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/DirectML is available only on Windows/);
  });
});
