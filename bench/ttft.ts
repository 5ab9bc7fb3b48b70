/**
 * Harness TTFT against the raw onnxruntime floor, side by side in one process.
 *
 * The floor is the three session runs only — vision_encoder(pixel_values), embed_tokens(text ids),
 * decoder_model_merged(prefill) — with every input tensor prepared beforehand (preprocessed pixels, the
 * same spliced inputs_embeds the harness builds, mask, positions, empty cache), through the same ort.ts
 * wrapper and session options as the engine but on separate sessions, each run right after the same
 * image preprocessing call a generation makes (untimed in the floor) — the decoder built by the engine's
 * own createDecoder, so the floor runs the very graph the harness runs (patched for the default
 * `--logits last`, fetching what the harness fetches: the in-graph argmax, not the logits; `--logits all`
 * benches the graph as shipped). Image decoding/resizing is not in
 * the floor, so besides harness TTFT ÷ floor (which includes preprocessing) we report
 * harness (vision + prefill) ÷ floor: that ratio is the harness's own overhead (tensor copies,
 * splice, argmax, fp16 conversion) and is the one with the ≤ 1.03 target.
 *
 * Harness and floor runs alternate (h, f, h, f, …) so machine load drifts hit both alike. On the tiny
 * model one "run" is a batch of `--batch` (5) back-to-back generations, summed: its ~8 ms TTFT is the size
 * of the machine's scheduling jitter, and a per-pair ratio of single runs then spreads 0.4–3.9.
 *
 *   node --import tsx bench/ttft.ts [--model tiny|real] [--repeat 41|31] [--batch 5|1] [--warmup 1]
 *     [--threads 0] [--logits last|all] [--json]
 */
import { join } from "node:path";
import { onDeviceStages } from "../src/core/timing.js";
import { preprocessImage } from "../src/data/images.js";
import { BENCH_PROMPT, defaultBenchImage } from "../src/latency-bench/latency.js";
import { DEFAULT_LOGITS, type LogitsMode } from "../src/models/fastvlm/constants.js";
import { createDecoder } from "../src/models/fastvlm/decoder-load.js";
import { type Dtype, GRAPHS, type GraphName, graphFile } from "../src/models/fastvlm/dtype.js";
import { type FastVLMEngine, loadFastVLM } from "../src/models/fastvlm/engine.js";
import { NEXT_TOKEN_OUTPUT } from "../src/models/fastvlm/graph-patch.js";
import { createSession, makeTensor, type OrtSession, type OrtTensor } from "../src/models/fastvlm/ort.js";
import { buildInputs } from "../src/models/fastvlm/processor.js";
import {
  emit,
  ensureModel,
  flag,
  intFlag,
  log,
  machine,
  median,
  modelFlag,
  pairedRuns,
  round,
  skipIfNoRealModel,
  target,
} from "./common.js";

const kind = modelFlag("tiny");
const repeat = intFlag("repeat", kind === "tiny" ? 41 : 31);
const batch = intFlag("batch", kind === "tiny" ? 5 : 1);
const warmup = intFlag("warmup", 1);
const threads = intFlag("threads", 0);
const logits = (flag("logits") ?? DEFAULT_LOGITS) as LogitsMode;
if (logits !== "all" && logits !== "last") throw new Error(`--logits must be all or last, got '${logits}'`);
const startMachine = machine();

skipIfNoRealModel(kind, `ttft-${kind}`, startMachine, (note) => [
  target(`harness(vision+prefill)/floor (${kind})`, null, "<=", 1.03, "ratio", note),
]);

const dir = await ensureModel(kind);
const image = await defaultBenchImage();
const request = {
  images: [{ bytes: image, source: "bench.jpg" }],
  prompt: BENCH_PROMPT,
  generation: { maxNewTokens: 1, stop: [] },
};

log(`ttft[${kind}]: loading the engine and the floor sessions (threads ${threads || "default"})…`);
const engine = (await loadFastVLM(dir, { threads, logits })) as FastVLMEngine;
const floorSessions = {} as Record<GraphName, OrtSession>;
for (const g of GRAPHS) {
  const path = join(dir, graphFile(g, (engine.info.dtype[g] ?? "fp32") as Dtype));
  const opts = { device: "cpu" as const, threads };
  floorSessions[g] =
    g === "decoder_model_merged"
      ? (await createDecoder(path, opts, logits, undefined)).session
      : await createSession(path, opts);
}

// Inputs prepared once, outside any timing.
const cfg = engine.model.config;
const preprocessOptions = {
  mode: engine.model.imageMode,
  size: cfg.imageSize,
  mean: cfg.mean,
  std: cfg.std,
  rescale: cfg.rescale,
};
const pixels = await preprocessImage(image, preprocessOptions);
const { ids } = engine.model.tokenizer.encodePrompt(request.prompt, 1);
const textIds = ids.filter((id) => id !== cfg.imageTokenId);
const built = await buildInputs(engine.model, request);
const S = cfg.imageSize;
const pixelTensor = makeTensor("float32", pixels, [1, 3, S, S]);
const idsTensor = makeTensor("int64", BigInt64Array.from(textIds, BigInt), [1, textIds.length]);
const embedsTensor = makeTensor("float32", built.embeds, [1, built.length, cfg.hidden]);
const maskTensor = makeTensor("int64", new BigInt64Array(built.length).fill(1n), [1, built.length]);
const posTensor = makeTensor(
  "int64",
  BigInt64Array.from({ length: built.length }, (_, i) => BigInt(i)),
  [1, built.length],
);
const emptyPast: Record<string, OrtTensor> = {};
for (const m of floorSessions.decoder_model_merged.inputs) {
  if (!m.name.startsWith("past_key_values.")) continue;
  const dims = (m.shape ?? []).map((d, i) => (typeof d === "number" ? d : i === 0 ? 1 : 0));
  emptyPast[m.name] = makeTensor("float32", new Float32Array(0), dims);
}

// The same outputs the harness fetches: with the patch's argmax output, everything but the logits.
const decoderOutputs = floorSessions.decoder_model_merged.outputs.map((o) => o.name);
const floorFetches = decoderOutputs.includes(NEXT_TOKEN_OUTPUT)
  ? decoderOutputs.filter((n) => n !== "logits")
  : undefined;

interface FloorRun {
  totalMs: number;
  visionMs: number;
  embedMs: number;
  decoderMs: number;
  /** Image preprocessing before the session runs (not in totalMs). */
  preprocessMs?: number;
}

async function floorOnce(): Promise<FloorRun> {
  const t0 = performance.now();
  const v = await floorSessions.vision_encoder.run({ pixel_values: pixelTensor });
  const t1 = performance.now();
  const e = await floorSessions.embed_tokens.run({ input_ids: idsTensor });
  const t2 = performance.now();
  const d = await floorSessions.decoder_model_merged.run(
    { ...emptyPast, inputs_embeds: embedsTensor, attention_mask: maskTensor, position_ids: posTensor },
    floorFetches,
  );
  const t3 = performance.now();
  for (const t of [...Object.values(v), ...Object.values(e), ...Object.values(d)]) t.dispose?.();
  return { totalMs: t3 - t0, visionMs: t1 - t0, embedMs: t2 - t1, decoderMs: t3 - t2 };
}

// Alternating order, so neither always runs on a cache warmed by the other.
const { a: harness, b: floor } = await pairedRuns({
  warmup,
  repeat,
  a: async () => {
    const sum = { ttftMs: 0, preprocessMs: 0, visionMs: 0, prefillMs: 0 };
    for (let k = 0; k < batch; k++) {
      const t = onDeviceStages((await engine.generate(request)).timing);
      sum.ttftMs += t.ttftMs;
      sum.preprocessMs += t.preprocessMs;
      sum.visionMs += t.visionMs;
      sum.prefillMs += t.prefillMs;
    }
    return sum;
  },
  b: async () => {
    const sum: Required<FloorRun> = { totalMs: 0, visionMs: 0, embedMs: 0, decoderMs: 0, preprocessMs: 0 };
    for (let k = 0; k < batch; k++) {
      // The same image preprocessing right before, as in a generation: sharp's decode/resize leaves the
      // CPU (threads, caches) in the state the harness's vision encoder starts from. Timed apart.
      const p0 = performance.now();
      await preprocessImage(image, preprocessOptions);
      sum.preprocessMs += performance.now() - p0;
      const f = await floorOnce();
      sum.totalMs += f.totalMs;
      sum.visionMs += f.visionMs;
      sum.embedMs += f.embedMs;
      sum.decoderMs += f.decoderMs;
    }
    return sum;
  },
  progress: (h, f) => `harness ttft ${h.ttftMs.toFixed(1)} ms, floor ${f.totalMs.toFixed(1)} ms`,
});
await engine.dispose();
for (const s of Object.values(floorSessions)) await s.release();

const hTtft = median(harness.map((r) => r.ttftMs));
const hModel = median(harness.map((r) => r.visionMs + r.prefillMs));
const fTotal = median(floor.map((r) => r.totalMs));
// Per-pair ratios are more robust to load drift than a ratio of medians on a shared machine.
const pairModel = median(harness.map((r, i) => (r.visionMs + r.prefillMs) / floor[i]!.totalMs));
const pairTtft = median(harness.map((r, i) => r.ttftMs / floor[i]!.totalMs));
emit({
  step: `ttft-${kind}`,
  machine: startMachine,
  targets: [
    target(
      `harness(vision+prefill)/floor (${kind})`,
      pairModel,
      "<=",
      1.03,
      "ratio",
      `median of per-pair ratios${batch > 1 ? ` (each side a batch of ${batch})` : ""}; floor = the three session runs with inputs prepared`,
    ),
  ],
  details: {
    model: kind,
    dir,
    logits: engine.info.logits,
    threads,
    repeat,
    batch,
    warmup,
    promptTokens: built.length,
    textTokens: textIds.length,
    // Per generation (batch sums divided by the batch size).
    median: {
      harnessTtftMs: round(hTtft / batch),
      harnessPreprocessMs: round(median(harness.map((r) => r.preprocessMs)) / batch),
      harnessVisionMs: round(median(harness.map((r) => r.visionMs)) / batch),
      harnessPrefillMs: round(median(harness.map((r) => r.prefillMs)) / batch),
      harnessVisionPlusPrefillMs: round(hModel / batch),
      floorMs: round(fTotal / batch),
      floorVisionMs: round(median(floor.map((r) => r.visionMs)) / batch),
      floorEmbedMs: round(median(floor.map((r) => r.embedMs)) / batch),
      floorDecoderMs: round(median(floor.map((r) => r.decoderMs)) / batch),
      floorPreprocessMs: round(median(floor.map((r) => r.preprocessMs ?? 0)) / batch),
    },
    // Includes preprocessing, which the floor does not: informational.
    ttftOverFloorPairs: round(pairTtft),
    ratioOfMedians: { ttftOverFloor: round(hTtft / fTotal), modelOverFloor: round(hModel / fTotal) },
    harness: harness.map((r) => ({
      ttftMs: round(r.ttftMs),
      preprocessMs: round(r.preprocessMs),
      visionMs: round(r.visionMs),
      prefillMs: round(r.prefillMs),
    })),
    floor: floor.map((r) => ({
      totalMs: round(r.totalMs),
      visionMs: round(r.visionMs),
      embedMs: round(r.embedMs),
      decoderMs: round(r.decoderMs),
      preprocessMs: round(r.preprocessMs ?? 0),
    })),
    loadavgEnd: machine().loadavg1,
  },
});
