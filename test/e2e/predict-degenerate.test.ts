/**
 * `predict` on answers that are empty or odd, and on prompts too long for the model: exit 0 with the
 * answer as the model gave it, or exit 2 with a message naming the problem (never 70, never a signal).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyModelVariant } from "../helpers/tiny-model.js";

const CLI = join(fileURLToPath(new URL("../..", import.meta.url)), "dist", "src", "cli.js");
let work: string;
let image: string;

function predict(
  model: string,
  extra: string[],
): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [CLI, "predict", "--model", model, "--image", image, "--json", ...extra],
    { encoding: "utf8", env: { ...process.env, HF_HUB_OFFLINE: "1" }, maxBuffer: 1 << 26 },
  );
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fastvlm-predict-odd-"));
  image = join(work, "chart.png");
  await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 240, g: 200, b: 10 } } })
    .png()
    .toFile(image);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("predict on degenerate answers and prompts", () => {
  it('first greedy token <|im_end|>: exit 0 and "text": ""', async () => {
    const model = await tinyModelVariant("bad-stop-first", { misbehave: "stop-first", q4: true });
    for (const dtype of ["fp32", "q4"]) {
      const r = predict(model, [
        "--dtype",
        dtype,
        "--prompt",
        "How many shapes are there? Answer the question using a single word or phrase.",
      ]);
      expect({ status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({ status: 0, stderr: "" });
      const out = JSON.parse(r.stdout) as { text: string; tokens: number[]; outputTokens: number };
      expect(out).toMatchObject({ text: "", tokens: [], outputTokens: 0 });
    }
  });

  it("half a UTF-8 character at --max-new-tokens 1: the replacement character", async () => {
    const model = await tinyModelVariant("bad-half-utf8", { misbehave: "half-utf8", q4: true });
    const r = predict(model, ["--prompt", "Say it in Chinese.", "--max-new-tokens", "1"]);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { text: string }).text).toBe("\uFFFD");
  });

  it("--max-new-tokens 0 is a usage error naming the flag", async () => {
    const model = await tinyModelVariant("bad-stop-first", { misbehave: "stop-first", q4: true });
    const r = predict(model, ["--prompt", "Hi", "--max-new-tokens", "0"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--max-new-tokens must be a positive integer, got '0'/);
  });

  it("a command line past 16 KB is handed to a child process whole (ONNX Runtime crashes on long ones)", () => {
    const answer = "a".repeat(20_000);
    const r = predict(`baseline:constant=${answer}`, [
      "--prompt",
      "q".repeat(30_000),
      "--max-new-tokens",
      "3",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { text: string }).text).toBe(answer);
    const bad = predict("baseline:random", ["--prompt", "q".repeat(30_000), "--max-new-tokens", "0"]);
    expect(bad.status).toBe(2);
  });

  it("a 100 KB prompt: exit 2 naming the context length, not a crash", async () => {
    const model = await tinyModelVariant("bad-newline", { misbehave: "newline", q4: true });
    const r = predict(model, ["--prompt", "Describe every detail of the chart. ".repeat(2800)]);
    expect(r.signal).toBeNull();
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /prompt is too long for the model: \d+ text tokens \+ 256 image rows \+ 256 max new tokens/,
    );
    expect(r.stderr).toMatch(/context of 8192/);
    expect(r.stderr).toMatch(/Shorten the prompt/);
  });
});
