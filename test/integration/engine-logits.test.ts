/**
 * `--logits last`: the in-memory Slice patch of the decoder (graph-patch.ts) gives the same greedy ids and
 * the same last-position logits as the shipped graph, loads from a Hub-cache-like folder of symlinks into
 * blobs (external data staged by hard link or from memory), leaves logits-to-keep graphs alone, refuses
 * graphs it cannot patch, and changes the model fingerprint (so runs do not resume across modes).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest } from "../../src/core/types.js";
import { generateGreedy } from "../../src/models/fastvlm/decode.js";
import { type FastVLMEngine, type FastVLMOptions, loadFastVLM } from "../../src/models/fastvlm/engine.js";
import {
  decodeModel,
  externalDataFiles,
  NEXT_TOKEN_OUTPUT,
  sliceLastLogits,
} from "../../src/models/fastvlm/graph-patch.js";
import { stagePatchedModel } from "../../src/models/fastvlm/graph-stage.js";
import { prefill } from "../../src/models/fastvlm/prefill.js";
import { buildInputs } from "../../src/models/fastvlm/processor.js";
import { parseRunFlags } from "../../src/runner/flags.js";
import { tinyModelDir, tinyModelVariant } from "../helpers/tiny-model.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "dist", "src", "cli.js");

const FP16 = { vision_encoder: "fp16", embed_tokens: "fp16", decoder_model_merged: "fp16" } as const;
const TOKENS = 24;

let work: string;
let dir: string;
let images: Uint8Array[];
const engines: FastVLMEngine[] = [];

async function load(path: string, opts: FastVLMOptions = {}): Promise<FastVLMEngine> {
  const e = await loadFastVLM(path, { threads: 1, ...opts });
  engines.push(e);
  return e;
}

function request(i: number): GenerateRequest {
  const prompts = ["Describe this image.", "What colour is the left half?"];
  return {
    images: [{ bytes: images[i]!, source: `img${i}.png` }],
    prompt: prompts[i]!,
    generation: { maxNewTokens: TOKENS, stop: [] },
  };
}

/** Ids and per-step last-row logits of one generation. */
async function trace(e: FastVLMEngine, i: number): Promise<{ tokens: number[]; rows: Float32Array[] }> {
  const rows: Float32Array[] = [];
  const g = await generateGreedy(e.model, request(i), { onStep: (s) => rows.push(s.logits) });
  return { tokens: g.tokens, rows };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A copy of `src` laid out like the Hub cache: snapshots/<sha>/… are relative symlinks into blobs/. */
function hubLayout(src: string): string {
  const root = join(work, `hub-${Math.random().toString(36).slice(2, 8)}`);
  const snap = join(root, "snapshots", "0123abcd");
  const blobs = join(root, "blobs");
  mkdirSync(blobs, { recursive: true });
  const walk = (rel: string): void => {
    for (const f of readdirSync(join(src, rel))) {
      const r = join(rel, f);
      if (f.startsWith(".")) continue;
      if (statSync(join(src, r)).isDirectory()) {
        walk(r);
        continue;
      }
      const blob = join(blobs, createHash("sha256").update(r).digest("hex"));
      // Hard link (no copy) into blobs; the snapshot holds only symlinks, as huggingface_hub does.
      linkSync(join(src, r), blob);
      mkdirSync(join(snap, rel), { recursive: true });
      symlinkSync(relative(join(snap, rel), blob), join(snap, r));
    }
  };
  walk("");
  return snap;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fastvlm-logits-"));
  dir = await tinyModelDir("fp32");
  images = await Promise.all(
    [
      { r: 30, g: 140, b: 220 },
      { r: 220, g: 40, b: 90 },
    ].map(
      async (background, i) =>
        new Uint8Array(
          await sharp({ create: { width: 96 + 40 * i, height: 64, channels: 3, background } })
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

describe("--logits last (the default: decoder patched in memory)", () => {
  it("keeps greedy ids and last-row logits of the shipped graph; only the last row is computed", async () => {
    const all = await load(dir, { logits: "all" });
    const last = await load(dir, { logits: "last" });
    const byDefault = await load(dir);
    expect(all.info.logits).toBe("all");
    expect(last.info.logits).toBe("last");
    expect(byDefault.info.logits).toBe("last");
    expect(last.info.fingerprint).not.toBe(all.info.fingerprint);
    expect(byDefault.info.fingerprint).toBe(last.info.fingerprint);
    for (const i of [0, 1]) {
      const a = await trace(all, i);
      const b = await trace(last, i);
      expect(a.tokens.length).toBe(TOKENS);
      expect(b.tokens).toEqual(a.tokens);
      // Untraced, the patched graph picks the token itself (ArgMax output; logits never leave ORT).
      expect((await last.generate(request(i))).tokens).toEqual(a.tokens);
      expect(b.rows.length).toBe(a.rows.length);
      for (let s = 0; s < a.rows.length; s++) expect(maxAbsDiff(b.rows[s]!, a.rows[s]!)).toBeLessThan(1e-5);
    }
    // Prefill logits: [1, L, vocab] as shipped, [1, 1, vocab] patched.
    const inputs = await buildInputs(all.model, request(0));
    const fa = await prefill(all.model.graphs, inputs, all.model.graphs.emptyCache(), true);
    const fb = await prefill(last.model.graphs, inputs, last.model.graphs.emptyCache(), true);
    expect(fa.logits?.dims).toEqual([1, inputs.length, all.model.config.vocab]);
    expect(fb.logits?.dims).toEqual([1, 1, all.model.config.vocab]);
  });

  it("works on fp16 graphs", async () => {
    const fp16 = await tinyModelDir("fp16");
    const all = await load(fp16, { dtype: FP16, logits: "all" });
    const last = await load(fp16, { dtype: FP16, logits: "last" });
    expect(last.info.logits).toBe("last");
    for (const i of [0, 1]) {
      const a = await trace(all, i);
      const b = await trace(last, i);
      expect(b.tokens).toEqual(a.tokens);
      // The in-graph ArgMax over float16 logits (widened by a Cast) picks the same tokens.
      expect((await last.generate(request(i))).tokens).toEqual(a.tokens);
      // Logits leave the graph as float16: the same fp32 MatMul row, then the same Cast.
      for (let s = 0; s < a.rows.length; s++) expect(maxAbsDiff(b.rows[s]!, a.rows[s]!)).toBeLessThan(1e-3);
    }
  });

  it("loads from a Hub-cache layout (symlinks into blobs, external data) by hard link or from memory", async () => {
    const ext = await tinyModelVariant("extdata", { externalData: true });
    expect(existsSync(join(ext, "onnx", "decoder_model_merged.onnx_data"))).toBe(true);
    const snap = hubLayout(ext);
    const stageRoot = join(work, "stage");
    mkdirSync(stageRoot);
    const reference = await load(dir, { logits: "all" });
    const shipped = await load(snap, { logits: "all" });
    const linked = await load(snap, { logits: "last", logitsStage: { tempRoot: stageRoot } });
    const memory = await load(snap, { logits: "last", logitsStage: { links: false } });
    expect(readdirSync(stageRoot)).toEqual([]); // the temp folder is gone once the session exists
    for (const e of [shipped, linked, memory]) expect(e.info.logits).toBe(e === shipped ? "all" : "last");
    const want = (await reference.generate(request(1))).tokens;
    expect(want.length).toBe(TOKENS);
    for (const e of [shipped, linked, memory]) expect((await e.generate(request(1))).tokens).toEqual(want);
  });

  it("stages an inline graph as a temp file (loaded by path), from memory only when that cannot be written", async () => {
    const onnxPath = join(dir, "onnx", "decoder_model_merged.onnx");
    const patch = sliceLastLogits(decodeModel(readFileSync(onnxPath)));
    if (!patch.ok) throw new Error(patch.reason);
    const stageRoot = join(work, "stage-inline");
    mkdirSync(stageRoot);
    const staged = stagePatchedModel(onnxPath, patch, { tempRoot: stageRoot });
    expect(staged.kind).toBe("path");
    if (staged.kind === "path") expect(readFileSync(staged.path).equals(Buffer.from(patch.bytes))).toBe(true);
    staged.cleanup();
    expect(readdirSync(stageRoot)).toEqual([]);
    const missing = join(work, "no-such-folder");
    expect(stagePatchedModel(onnxPath, patch, { tempRoot: missing }).kind).toBe("bytes");
    const byPath = await load(dir, { logits: "last", logitsStage: { tempRoot: stageRoot } });
    const fromMemory = await load(dir, { logits: "last", logitsStage: { tempRoot: missing } });
    expect(readdirSync(stageRoot)).toEqual([]);
    const want = (await (await load(dir, { logits: "all" })).generate(request(0))).tokens;
    for (const e of [byPath, fromMemory]) {
      expect(e.info.logits).toBe("last");
      expect((await e.generate(request(0))).tokens).toEqual(want);
    }
  });

  it("feeds 1 to num_logits_to_keep whatever the mode, and does not patch such a graph", async () => {
    const keep = await tinyModelVariant("keep", { logitsToKeep: true });
    const all = await load(keep, { logits: "all" });
    const last = await load(keep, { logits: "last" });
    // The graph keeps one row itself: both report last and share the fingerprint (nothing patched).
    expect(all.info.logits).toBe("last");
    expect(last.info.logits).toBe("last");
    expect(last.info.fingerprint).toBe(all.info.fingerprint);
    const inputs = await buildInputs(all.model, request(0));
    const f = await prefill(all.model.graphs, inputs, all.model.graphs.emptyCache(), true);
    expect(f.logits?.dims[1]).toBe(1);
    const want = (await (await load(dir)).generate(request(0))).tokens;
    expect((await all.generate(request(0))).tokens).toEqual(want);
  });

  it("adds the greedy token as an ArgMax output (widening float16 logits first), unless the name is taken", async () => {
    const fp32 = decodeModel(readFileSync(join(dir, "onnx", "decoder_model_merged.onnx")));
    const r = sliceLastLogits(fp32);
    if (!r.ok) throw new Error(r.reason);
    const patched = decodeModel(r.bytes);
    expect(patched.graph!.output!.map((o) => o.name)).toContain(NEXT_TOKEN_OUTPUT);
    const argmax = patched.graph!.node!.find((n) => n.output?.includes(NEXT_TOKEN_OUTPUT))!;
    expect(argmax.opType).toBe("ArgMax");
    expect(argmax.input).toEqual(["logits"]);
    const fp16Dir = await tinyModelDir("fp16");
    const half = sliceLastLogits(
      decodeModel(readFileSync(join(fp16Dir, "onnx", "decoder_model_merged_fp16.onnx"))),
    );
    if (!half.ok) throw new Error(half.reason);
    const g16 = decodeModel(half.bytes).graph!;
    const cast = g16.node!.find((n) =>
      n.output?.includes(g16.node!.find((m) => m.opType === "ArgMax")!.input![0]!),
    )!;
    expect(cast.opType).toBe("Cast");
    expect(cast.input).toEqual(["logits"]);
    // A graph that already has an output of that name keeps it and gets no ArgMax.
    const taken = decodeModel(readFileSync(join(dir, "onnx", "decoder_model_merged.onnx")));
    taken.graph!.node!.push({ opType: "Identity", input: ["position_ids"], output: [NEXT_TOKEN_OUTPUT] });
    taken.graph!.output!.push({ name: NEXT_TOKEN_OUTPUT });
    const t = sliceLastLogits(taken);
    expect(t.ok).toBe(true);
    if (t.ok) expect(decodeModel(t.bytes).graph!.node!.some((n) => n.opType === "ArgMax")).toBe(false);
  });

  it("refuses graphs whose logits do not come from a MatMul through Identity/Cast or a bias Add", async () => {
    const bytes = readFileSync(join(dir, "onnx", "decoder_model_merged.onnx"));
    expect(sliceLastLogits(decodeModel(bytes)).ok).toBe(true);
    // logits = Add(MatMul(...), MatMul(...)): an Add of something position-dependent is not a bias.
    const model = decodeModel(bytes);
    const g = model.graph!;
    const head = g.node!.find((n) => n.output?.includes("logits"))!;
    head.output = ["pre_logits"];
    g.node!.push({ opType: "Add", input: ["pre_logits", "pre_logits"], output: ["logits"] });
    const r = sliceLastLogits(model);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/Add in front of logits/);
    // A tensor on the chain used elsewhere is refused too.
    const m2 = decodeModel(bytes);
    const id = m2.graph!.node!.find((n) => n.output?.includes("logits"))!;
    m2.graph!.node!.push({ opType: "Identity", input: [id.input![0]!], output: ["extra_out"] });
    m2.graph!.output!.push({ name: "extra_out" });
    const r2 = sliceLastLogits(m2);
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.reason).toMatch(/used elsewhere/);
    expect(externalDataFiles(decodeModel(bytes))).toEqual([]);
  });

  it("parses --logits for run (recorded in the run config) and rejects other values", () => {
    const ok = parseRunFlags(["pope"], { model: "m", logits: "last" }, {});
    expect(ok.modelSettings.logits).toBe("last");
    expect(ok.settings.extraConfig?.logits).toBe("last");
    expect(parseRunFlags(["pope"], { model: "m" }, {}).settings.extraConfig?.logits).toBe("last");
    expect(() => parseRunFlags(["pope"], { model: "m", logits: "first" }, {})).toThrow(
      /--logits must be all or last/,
    );
  });

  it("predict --logits last|all --json end to end: same tokens", () => {
    const img = join(work, "e2e.png");
    writeFileSync(img, images[0]!);
    const run = (extra: string[]) =>
      spawnSync(
        process.execPath,
        [
          CLI,
          "predict",
          "--model",
          dir,
          "--image",
          img,
          "--prompt",
          "Describe this image.",
          "--max-new-tokens",
          "12",
          "--threads",
          "1",
          "--json",
          ...extra,
        ],
        { encoding: "utf8", env: { ...process.env, HF_HUB_OFFLINE: "1" } },
      );
    const last = run(["--logits", "last"]);
    expect(last.status, last.stderr).toBe(0);
    const base = run(["--logits", "all"]);
    expect(base.status, base.stderr).toBe(0);
    const a = JSON.parse(last.stdout) as { tokens: number[]; outputTokens: number };
    const b = JSON.parse(base.stdout) as { tokens: number[] };
    expect(a.outputTokens).toBe(12);
    expect(a.tokens).toEqual(b.tokens);
    const bad = run(["--logits", "some"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--logits must be all or last/);
  });
});
