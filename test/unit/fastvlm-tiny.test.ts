/** The tiny-model generator: layout, concurrency-safe caching, the committed reduced tokenizer. */
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SPECIAL_IDS } from "../../src/models/fastvlm/constants.js";
import { loadPromptTokenizer } from "../../src/models/fastvlm/prompt.js";
import { makeTinyModel, reducedTokenizerPath } from "../../src/testbed/tiny-fastvlm/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "tiny-gen-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function generate(out: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "scripts", "make-tiny-model.ts"), out],
      {
        cwd: ROOT,
        stdio: "ignore",
      },
    );
    child.on("close", resolve);
  });
}

describe("makeTinyModel", () => {
  it("writes the onnx-community layout with FastVLM's config keys", async () => {
    const dir = await makeTinyModel(join(work, "a"), { seed: 3, fp16: true });
    expect(readdirSync(dir).sort()).toEqual([
      ".complete",
      "added_tokens.json",
      "config.json",
      "generation_config.json",
      "onnx",
      "preprocessor_config.json",
      "processor_config.json",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    expect(readdirSync(join(dir, "onnx")).sort()).toEqual([
      "decoder_model_merged.onnx",
      "decoder_model_merged_fp16.onnx",
      "embed_tokens.onnx",
      "embed_tokens_fp16.onnx",
      "vision_encoder.onnx",
      "vision_encoder_fp16.onnx",
    ]);
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    expect(cfg.model_type).toBe("llava_qwen2");
    expect(cfg.image_token_index).toBe(151646);
    expect(cfg.num_key_value_heads).toBeLessThan(cfg.num_attention_heads as number);
    const proc = JSON.parse(readFileSync(join(dir, "processor_config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(proc.patch_size).toBe(64);
  });

  it("is deterministic for a seed", async () => {
    const a = await makeTinyModel(join(work, "s1"), { seed: 9 });
    const b = await makeTinyModel(join(work, "s2"), { seed: 9 });
    const c = await makeTinyModel(join(work, "s3"), { seed: 10 });
    const file = (d: string) => readFileSync(join(d, "onnx", "decoder_model_merged.onnx"));
    expect(file(a).equals(file(b))).toBe(true);
    expect(file(a).equals(file(c))).toBe(false);
  });

  it("two processes generating the same folder leave one complete copy", async () => {
    const out = join(work, "race");
    const codes = await Promise.all([generate(out), generate(out)]);
    expect(codes).toEqual([0, 0]);
    expect(existsSync(join(out, ".complete"))).toBe(true);
    expect(readdirSync(work).filter((f) => f.startsWith("race.tmp"))).toEqual([]);
  });
});

describe("reduced tokenizer (committed, used by the offline demo)", () => {
  it("one folder's tokenizer is built once per process while in use; other bytes or image id: another", async () => {
    // The folder the next test generates (made once, whichever runs first).
    const dir = await makeTinyModel(join(work, "tok"), { seed: 1 });
    const copy = join(work, "tok-copy");
    mkdirSync(copy);
    for (const f of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(dir, f), join(copy, f));
    const tok = loadPromptTokenizer(dir, SPECIAL_IDS.image);
    // The same bytes in another folder: the tokenizer already built.
    expect(loadPromptTokenizer(copy, SPECIAL_IDS.image)).toBe(tok);
    expect(loadPromptTokenizer(dir, SPECIAL_IDS.imEnd)).not.toBe(tok);
    const cfg = JSON.parse(readFileSync(join(copy, "tokenizer_config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    writeFileSync(
      join(copy, "tokenizer_config.json"),
      JSON.stringify({ ...cfg, eos_token: "<|endoftext|>" }),
    );
    const other = loadPromptTokenizer(copy, SPECIAL_IDS.image);
    expect(other).not.toBe(tok);
    expect(other.encodePrompt("Hi", 1)).toEqual(tok.encodePrompt("Hi", 1));
    // A corrupt file is still reported, whatever was built before.
    writeFileSync(join(copy, "tokenizer.json"), "{");
    expect(() => loadPromptTokenizer(copy, SPECIAL_IDS.image)).toThrow(/Could not read .*tokenizer\.json/);
  });

  it("is small and keeps the special ids", async () => {
    expect(readFileSync(reducedTokenizerPath()).length).toBeLessThan(1_000_000);
    const dir = await makeTinyModel(join(work, "tok"), { seed: 1 });
    const tok = loadPromptTokenizer(dir, SPECIAL_IDS.image);
    const { ids, text } = tok.encodePrompt("Hello world, what is this?", 1);
    expect(text.startsWith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n")).toBe(true);
    expect(ids[0]).toBe(SPECIAL_IDS.imStart);
    expect(ids.filter((x) => x === SPECIAL_IDS.image)).toHaveLength(1);
    expect(ids.filter((x) => x === SPECIAL_IDS.imEnd)).toHaveLength(2);
    expect(ids.every((x) => x < 6000 || x >= SPECIAL_IDS.endoftext)).toBe(true);
    const body = ids.slice(ids.indexOf(SPECIAL_IDS.image) + 1, ids.lastIndexOf(SPECIAL_IDS.imEnd));
    expect(tok.decode(body)).toBe("\nHello world, what is this?");
    expect(tok.decode([SPECIAL_IDS.imStart, ...body, SPECIAL_IDS.imEnd])).toBe(
      "\nHello world, what is this?",
    );
  });
});
