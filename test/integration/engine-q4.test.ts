/**
 * q4 graphs as onnxruntime's 4-bit quantizer writes them: constant MatMuls (the lm_head included) become
 * com.microsoft MatMulNBits. The packing against ONNX Runtime's own kernel, the default dtype choice,
 * parity with transformers.js on the same q4 files, `--logits last` on a MatMulNBits lm_head, and an lm_head
 * bias (an Add after the lm_head): patched when it is a constant bias, else a warning and the graph as
 * shipped, the tokens right either way.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { onnx as OnnxNs } from "onnx-proto";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { GenerateRequest } from "../../src/core/types.js";
import { CARD_DTYPE } from "../../src/models/fastvlm/dtype.js";
import { type FastVLMEngine, type FastVLMOptions, loadFastVLM } from "../../src/models/fastvlm/engine.js";
import { decodeModel, sliceLastLogits } from "../../src/models/fastvlm/graph-patch.js";
import { packQ4, Q4_BLOCK } from "../../src/models/fastvlm/tiny-quirks.js";
import { mulberry32 } from "../../src/stats/rng.js";
import { tinyModelVariant } from "../helpers/tiny-model.js";

const require = createRequire(import.meta.url);
const { onnx } = require("onnx-proto") as { onnx: typeof OnnxNs };
type Tjs = typeof import("@huggingface/transformers");
const Q4 = { vision_encoder: "q4", embed_tokens: "q4", decoder_model_merged: "q4" } as const;
const TOKENS = 12;

let work: string;
let q4Dir: string;
let biasDir: string;
let images: Uint8Array[];
const engines: FastVLMEngine[] = [];

async function load(dir: string, opts: FastVLMOptions): Promise<FastVLMEngine> {
  const e = await loadFastVLM(dir, { threads: 1, ...opts });
  engines.push(e);
  return e;
}

function request(i: number): GenerateRequest {
  return {
    images: [{ bytes: images[i]!, source: `img${i}.png` }],
    prompt: ["Describe this image.", "What is the title of the document?"][i]!,
    generation: { maxNewTokens: TOKENS, stop: [] },
  };
}

async function ids(e: FastVLMEngine): Promise<number[][]> {
  return [(await e.generate(request(0))).tokens, (await e.generate(request(1))).tokens];
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fastvlm-q4-"));
  q4Dir = await tinyModelVariant("q4", { q4: true, fp16: true });
  biasDir = await tinyModelVariant("q4-bias", { q4: true, lmHeadBias: true });
  images = await Promise.all(
    [
      { r: 200, g: 180, b: 20 },
      { r: 10, g: 60, b: 200 },
    ].map(
      async (background, i) =>
        new Uint8Array(
          await sharp({ create: { width: 80 + 50 * i, height: 60, channels: 3, background } })
            .png()
            .toBuffer(),
        ),
    ),
  );
});

afterAll(async () => {
  await Promise.all(engines.map((e) => e.dispose()));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("q4 (MatMulNBits) graphs", () => {
  it("packs weights as ONNX Runtime's MatMulNBits kernel reads them (K not a multiple of 32 included)", async () => {
    const rand = mulberry32(5);
    const [m, k, n] = [3, 40, 5];
    const w = Float32Array.from({ length: k * n }, () => rand() * 2 - 1);
    const a = Float32Array.from({ length: m * k }, () => rand() * 2 - 1);
    const q = packQ4(w, k, n);
    expect(q.kBlocks).toBe(2);
    // The block's peak is exact (code 0 = −8); the rest round to the nearest step, or (past +7 steps on
    // the peak's other side) clamp to code 15: never more than one step off.
    for (let col = 0; col < n; col++) {
      for (let r = 0; r < k; r++) {
        const s = Math.abs(q.scales[col * q.kBlocks + Math.floor(r / Q4_BLOCK)]!);
        expect(Math.abs(q.dequantized[r * n + col]! - w[r * n + col]!)).toBeLessThanOrEqual(s + 1e-7);
      }
    }
    const bytes = (x: ArrayBufferView) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [
        { domain: "", version: 17 },
        { domain: "com.microsoft", version: 1 },
      ],
      graph: {
        name: "g",
        node: [
          {
            opType: "MatMulNBits",
            domain: "com.microsoft",
            input: ["A", "B", "scales"],
            output: ["Y"],
            attribute: [
              { name: "K", type: onnx.AttributeProto.AttributeType.INT, i: k },
              { name: "N", type: onnx.AttributeProto.AttributeType.INT, i: n },
              { name: "bits", type: onnx.AttributeProto.AttributeType.INT, i: 4 },
              { name: "block_size", type: onnx.AttributeProto.AttributeType.INT, i: Q4_BLOCK },
            ],
          },
        ],
        initializer: [
          { name: "B", dims: [n, q.kBlocks, Q4_BLOCK / 2], dataType: 2, rawData: q.packed },
          { name: "scales", dims: [n * q.kBlocks], dataType: 1, rawData: bytes(q.scales) },
        ],
        input: [
          {
            name: "A",
            type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: m }, { dimValue: k }] } } },
          },
        ],
        output: [
          {
            name: "Y",
            type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: m }, { dimValue: n }] } } },
          },
        ],
      },
    });
    const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish());
    try {
      const out = await session.run({ A: new ort.Tensor("float32", a, [m, k]) });
      const y = out.Y!.data as Float32Array;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let want = 0;
          for (let r = 0; r < k; r++) want += a[i * k + r]! * q.dequantized[r * n + j]!;
          expect(Math.abs(y[i * n + j]! - want)).toBeLessThan(1e-4);
        }
      }
    } finally {
      await session.release();
    }
  });

  it("every constant MatMul is a MatMulNBits, the lm_head included; the default dtype is the card's", async () => {
    const graph = decodeModel(readFileSync(join(q4Dir, "onnx", "decoder_model_merged_q4.onnx"))).graph!;
    const ops = graph.node!.map((x) => x.opType);
    expect(ops.filter((o) => o === "MatMulNBits")).toHaveLength(2 * 7 + 1);
    const logits = graph.node!.find((x) => x.output?.includes("logits"))!;
    const head = graph.node!.find((x) => x.output?.includes(logits.input![0]!))!;
    expect(head.opType).toBe("MatMulNBits");
    expect(head.domain).toBe("com.microsoft");
    const byDefault = await load(q4Dir, {});
    expect(byDefault.info.dtype).toEqual(CARD_DTYPE);
    expect(CARD_DTYPE).toMatchObject({ vision_encoder: "q4", decoder_model_merged: "q4" });
    expect(byDefault.info.logits).toBe("last");
    const fp32 = await load(q4Dir, {
      dtype: { vision_encoder: "fp32", embed_tokens: "fp32", decoder_model_merged: "fp32" },
    });
    // 4-bit weights change a random model's output: q4 is its own model (compared with q4 below).
    expect(await ids(byDefault)).not.toEqual(await ids(fp32));
  });

  it("same greedy ids as transformers.js on the same q4 files, patched and unpatched", async () => {
    const tjs: Tjs = await import("@huggingface/transformers");
    tjs.env.allowRemoteModels = false;
    tjs.env.allowLocalModels = true;
    tjs.env.localModelPath = `${dirname(q4Dir)}/`;
    // All q4: transformers.js 4.3.1 feeds the fp16 embed_tokens output to a float32 decoder unconverted.
    const model = await tjs.LlavaQwen2ForCausalLM.from_pretrained(basename(q4Dir), {
      dtype: Q4,
      device: "cpu",
      session_options: { intraOpNumThreads: 1 },
    });
    const theirs: number[][] = [];
    try {
      const processor = await tjs.AutoProcessor.from_pretrained(basename(q4Dir));
      for (const i of [0, 1]) {
        const r = request(i);
        const text = processor.apply_chat_template([{ role: "user", content: `<image>\n${r.prompt}` }], {
          add_generation_prompt: true,
        }) as string;
        const inputs = await processor(await tjs.RawImage.fromBlob(new Blob([r.images[0]!.bytes])), text, {
          add_special_tokens: false,
        });
        const out = (await model.generate({ ...inputs, max_new_tokens: TOKENS, do_sample: false })) as {
          tolist(): bigint[][];
        };
        const promptLen = (inputs.input_ids as { dims: number[] }).dims[1]!;
        theirs.push(out.tolist()[0]!.slice(promptLen).map(Number));
      }
    } finally {
      await model.dispose();
    }
    const last = await load(q4Dir, { imageMode: "crop", dtype: Q4, logits: "last" });
    const all = await load(q4Dir, { imageMode: "crop", dtype: Q4, logits: "all" });
    expect(last.info.logits).toBe("last");
    expect(all.info.logits).toBe("all");
    expect(await ids(last)).toEqual(theirs);
    expect(await ids(all)).toEqual(theirs);
    const patch = sliceLastLogits(
      decodeModel(readFileSync(join(q4Dir, "onnx", "decoder_model_merged_q4.onnx"))),
    );
    expect(patch.ok && patch.op).toBe("MatMulNBits");
  });

  it("an lm_head bias Add: patched (fp32 and q4), same ids as the graph as shipped", async () => {
    for (const dtype of ["fp32", "q4"] as const) {
      const file = join(biasDir, "onnx", `decoder_model_merged${dtype === "q4" ? "_q4" : ""}.onnx`);
      const ops = decodeModel(readFileSync(file)).graph!.node!;
      expect(ops.find((x) => x.output?.includes("logits"))?.opType).toBe("Identity");
      expect(ops.some((x) => x.opType === "Add" && x.input?.some((i) => i.startsWith("lm_head_bias")))).toBe(
        true,
      );
      const spec = { vision_encoder: dtype, embed_tokens: dtype, decoder_model_merged: dtype };
      const last = await load(biasDir, { dtype: spec, logits: "last" });
      const all = await load(biasDir, { dtype: spec, logits: "all" });
      expect(last.info.logits).toBe("last");
      expect(await ids(last)).toEqual(await ids(all));
    }
  });

  it("an Add after the lm_head that is not a constant bias: a warning, the graph as shipped, ids right", async () => {
    const copy = join(work, "odd-add");
    cpSync(biasDir, copy, { recursive: true });
    const file = join(copy, "onnx", "decoder_model_merged_q4.onnx");
    const model = decodeModel(readFileSync(file));
    const add = model.graph!.node!.find(
      (x) => x.opType === "Add" && x.input?.some((i) => i.startsWith("lm_head_bias")),
    )!;
    // logits = lm_head(x) + lm_head(x): position-dependent, so the Slice cannot move in front of it.
    add.input = [add.input![0]!, add.input![0]!];
    writeFileSync(file, onnx.ModelProto.encode(model).finish());
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    let last: FastVLMEngine;
    try {
      last = await load(copy, { dtype: Q4, logits: "last" });
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toMatch(
        /cannot patch .*Add in front of logits/,
      );
    } finally {
      stderr.mockRestore();
    }
    expect(last.info.logits).toBe("all");
    const all = await load(copy, { dtype: Q4, logits: "all" });
    const got = await ids(last);
    expect(got).toEqual(await ids(all));
    // The doubled logits have the same argmax as the bias-free head: not the biased model's ids.
    const biased = await load(biasDir, { dtype: Q4, logits: "all" });
    expect(got).not.toEqual(await ids(biased));
  });
});
