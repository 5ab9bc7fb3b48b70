/**
 * Harness vs transformers.js 4.3.1 on the same model folder, image and prompt, side by side in one
 * process (runs alternate): TTFT (target harness ÷ transformers.js ≤ 0.85), decode tokens/s (target
 * harness ÷ transformers.js ≥ 1.0), and whether the greedy token ids are equal (issue 4's acceptance
 * criterion, reported loudly).
 *
 * Same work on both sides: transformers.js preprocesses with shortest-edge resize + centre crop, so the
 * harness runs with imageMode "crop"; the bench image is 1024×1024 already. transformers.js loads the
 * folder offline (env.allowRemoteModels = false, env.localModelPath), fp32 graphs, CPU, default threads
 * on both sides. TTFT on the transformers.js side runs from the image bytes + prompt in hand (decode,
 * chat template, processor, generate) to the streamer's first generated token; tokens/s counts the
 * tokens after the first over the time after the first.
 *
 *   node --import tsx bench/transformersjs.ts [--model tiny|real] [--repeat 5] [--max-new-tokens 64 (tiny), 24 (real)] [--json]
 */
import { basename, dirname } from "node:path";
import { onDeviceStages } from "../src/core/timing.js";
import { BENCH_PROMPT, defaultBenchImage } from "../src/latency-bench/latency.js";
import { loadFastVLM } from "../src/models/fastvlm/engine.js";
import {
  emit,
  ensureModel,
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
const repeat = intFlag("repeat", kind === "tiny" ? 7 : 5);
const warmup = intFlag("warmup", 1);
const maxNewTokens = intFlag("max-new-tokens", kind === "tiny" ? 64 : 24);
const startMachine = machine();

skipIfNoRealModel(kind, `transformersjs-${kind}`, startMachine, (note) => [
  target(`TTFT harness/transformers.js (${kind})`, null, "<=", 0.85, "ratio", note),
]);

const dir = await ensureModel(kind);
const image = await defaultBenchImage();

log(`transformersjs[${kind}]: loading transformers.js 4.3.1 and the harness engine…`);
const tjs = await import("@huggingface/transformers");
tjs.env.allowRemoteModels = false;
tjs.env.allowLocalModels = true;
tjs.env.localModelPath = `${dirname(dir)}/`;
// Count any network use: transformers.js must stay offline.
let fetches = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (async (...args: Parameters<typeof fetch>) => {
  fetches++;
  return realFetch(...args);
}) as typeof fetch;

const t0 = performance.now();
const model = await tjs.LlavaQwen2ForCausalLM.from_pretrained(basename(dir), {
  dtype: { embed_tokens: "fp32", vision_encoder: "fp32", decoder_model_merged: "fp32" },
  device: "cpu",
});
const processor = await tjs.AutoProcessor.from_pretrained(basename(dir));
const tjsLoadMs = performance.now() - t0;
const t1 = performance.now();
const engine = await loadFastVLM(dir, { imageMode: "crop" });
const harnessLoadMs = performance.now() - t1;

/** Collects token ids with their arrival times; the first put() is the prompt. */
class TimingStreamer extends tjs.BaseStreamer {
  prompt = true;
  times: number[] = [];
  ids: number[] = [];
  override put(value: bigint[][]): void {
    if (this.prompt) {
      this.prompt = false;
      return;
    }
    this.times.push(performance.now());
    for (const row of value) for (const id of row) this.ids.push(Number(id));
  }
  override end(): void {}
}

interface SideRun {
  ttftMs: number;
  decodeTokensPerSec: number | null;
  tokens: number[];
}

async function runTjs(): Promise<SideRun> {
  const streamer = new TimingStreamer();
  const start = performance.now();
  const raw = await tjs.RawImage.fromBlob(new Blob([image]));
  const text = processor.apply_chat_template([{ role: "user", content: `<image>\n${BENCH_PROMPT}` }], {
    add_generation_prompt: true,
  }) as string;
  const inputs = await processor(raw, text, { add_special_tokens: false });
  await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false, streamer });
  const first = streamer.times[0] ?? Number.NaN;
  const last = streamer.times.at(-1) ?? Number.NaN;
  const n = streamer.times.length;
  return {
    ttftMs: first - start,
    decodeTokensPerSec: n >= 2 ? ((n - 1) * 1000) / (last - first) : null,
    tokens: streamer.ids,
  };
}

async function runHarness(): Promise<SideRun> {
  const g = await engine.generate({
    images: [{ bytes: image, source: "bench.jpg" }],
    prompt: BENCH_PROMPT,
    generation: { maxNewTokens, stop: [] },
  });
  const t = onDeviceStages(g.timing);
  return {
    ttftMs: t.ttftMs,
    decodeTokensPerSec: g.outputTokens >= 2 ? ((g.outputTokens - 1) * 1000) / t.decodeMs : null,
    tokens: g.tokens,
  };
}

const { a: H, b: T } = await pairedRuns({
  warmup,
  repeat,
  a: runHarness,
  b: runTjs,
  progress: (h, t) => `ttft harness ${h.ttftMs.toFixed(1)} ms, transformers.js ${t.ttftMs.toFixed(1)} ms`,
});
await engine.dispose();
await model.dispose();
globalThis.fetch = realFetch;

const EOS = new Set(engine.model.config.eosIds);
const strip = (ids: number[]): number[] => {
  const out = [...ids];
  while (out.length > 0 && EOS.has(out.at(-1)!)) out.pop();
  return out;
};
const hTokens = H.at(-1)?.tokens ?? [];
const tTokens = strip(T.at(-1)?.tokens ?? []);
const tokensEqual = hTokens.length === tTokens.length && hTokens.every((x, i) => x === tTokens[i]);
const firstDiff = tokensEqual ? -1 : hTokens.findIndex((x, i) => x !== tTokens[i]);
if (!tokensEqual) {
  log(
    `!!! TOKEN IDS DIFFER between the harness and transformers.js (first difference at position ${firstDiff}):\n` +
      `    harness         ${JSON.stringify(hTokens)}\n    transformers.js ${JSON.stringify(tTokens)}`,
  );
} else {
  log(`token ids equal between the harness and transformers.js (${hTokens.length} tokens) ✔`);
}

const pairTtft = median(H.map((h, i) => h.ttftMs / T[i]!.ttftMs));
const rates = H.map((h, i) => [h.decodeTokensPerSec, T[i]!.decodeTokensPerSec] as const).filter(
  (p): p is readonly [number, number] => p[0] !== null && p[1] !== null,
);
const pairDecode = rates.length > 0 ? median(rates.map(([h, t]) => h / t)) : null;
emit({
  step: `transformersjs-${kind}`,
  machine: startMachine,
  targets: [
    target(
      `TTFT harness/transformers.js (${kind})`,
      pairTtft,
      "<=",
      0.85,
      "ratio",
      "median of per-pair ratios",
    ),
    target(
      `decode tok/s harness/transformers.js (${kind})`,
      pairDecode,
      ">=",
      1.0,
      "ratio",
      "median of per-pair ratios",
    ),
    target(
      `greedy token ids equal (${kind})`,
      tokensEqual ? 1 : 0,
      "==",
      1,
      "bool",
      tokensEqual ? `${hTokens.length} tokens` : `first difference at ${firstDiff}`,
    ),
  ],
  details: {
    model: kind,
    dir,
    logits: engine.info.logits,
    maxNewTokens,
    repeat,
    warmup,
    imageMode: "crop",
    loadMs: { harness: round(harnessLoadMs), transformersjs: round(tjsLoadMs) },
    median: {
      harnessTtftMs: round(median(H.map((r) => r.ttftMs))),
      transformersjsTtftMs: round(median(T.map((r) => r.ttftMs))),
      harnessDecodeTokPerSec: round(
        median(H.flatMap((r) => (r.decodeTokensPerSec === null ? [] : [r.decodeTokensPerSec]))),
      ),
      transformersjsDecodeTokPerSec: round(
        median(T.flatMap((r) => (r.decodeTokensPerSec === null ? [] : [r.decodeTokensPerSec]))),
      ),
    },
    tokensEqual,
    harnessTokens: hTokens,
    transformersjsTokens: tTokens,
    networkFetches: fetches,
    runs: H.map((h, i) => ({
      harnessTtftMs: round(h.ttftMs),
      transformersjsTtftMs: round(T[i]!.ttftMs),
      harnessDecodeTokPerSec: h.decodeTokensPerSec === null ? null : round(h.decodeTokensPerSec),
      transformersjsDecodeTokPerSec:
        T[i]!.decodeTokensPerSec === null ? null : round(T[i]!.decodeTokensPerSec!),
    })),
    loadavgEnd: machine().loadavg1,
  },
});
