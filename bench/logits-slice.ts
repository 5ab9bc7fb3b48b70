/**
 * Experiment behind a "make it fast" finding: decoder_model_merged computes logits for EVERY prompt
 * position at prefill ([1, L, 151936] fp32 ≈ 176 MB for L ≈ 290), though greedy decoding reads only the
 * last row. This script patches a copy of the decoder graph so the lm_head MatMul sees only the last
 * position (Slice on axis 1 in front of it; logits become [1, 1, vocab]), then measures the engine on
 * the original and patched folders side by side: prefill time, TTFT, peak RSS of each generation's
 * logits, and that the greedy token ids stay identical.
 *
 * The patch is generic for the onnx-community layout: walk back from the `logits` output through
 * Identity/Cast to the MatMul/Gemm and slice its activation input. The engine applies the same patch
 * (src/models/fastvlm/graph-patch.ts) in memory under `--logits last`.
 *
 *   node --import tsx bench/logits-slice.ts [--model tiny|real] [--repeat 5] [--json]
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { BENCH_PROMPT, defaultBenchImage } from "../src/bench/latency.js";
import { loadFastVLM } from "../src/models/fastvlm/engine.js";
import { decodeModel, sliceLastLogits } from "../src/models/fastvlm/graph-patch.js";
import {
  type BenchModel,
  CACHE,
  emit,
  ensureModel,
  flag,
  intFlag,
  log,
  machine,
  median,
  realModelProblem,
  round,
  target,
} from "./common.js";

const kind = (flag("model") ?? "tiny") as BenchModel;
const repeat = intFlag("repeat", kind === "tiny" ? 7 : 3);
const startMachine = machine();
if (kind === "real" && realModelProblem()) {
  emit({
    step: `logits-slice-${kind}`,
    machine: startMachine,
    targets: [],
    details: { skipped: realModelProblem() },
  });
  process.exit(0);
}

/** Returns the patched model bytes (the engine's --logits last patch), or throws when it does not apply. */
function patchDecoder(bytes: Uint8Array): Uint8Array {
  const r = sliceLastLogits(decodeModel(bytes));
  if (!r.ok) throw new Error(r.reason);
  return r.bytes;
}

const dir = await ensureModel(kind);
const patched = join(CACHE, `${dir.split("/").pop()}-last-logits`);
if (!existsSync(join(patched, ".complete"))) {
  mkdirSync(join(patched, "onnx"), { recursive: true });
  for (const f of readdirSync(dir))
    if (f !== "onnx" && !existsSync(join(patched, f))) symlinkSync(join(dir, f), join(patched, f));
  for (const f of readdirSync(join(dir, "onnx"))) {
    const target = join(patched, "onnx", f);
    if (existsSync(target)) continue;
    if (/^decoder_model_merged(_fp16)?\.onnx$/.test(f)) {
      writeFileSync(target, patchDecoder(readFileSync(join(dir, "onnx", f))));
    } else {
      // ORT resolves external data with realpath and refuses files outside the model's folder, so
      // hard-link (same file system, no copy) rather than symlink; copy as a last resort.
      try {
        linkSync(join(dir, "onnx", f), target);
      } catch {
        copyFileSync(join(dir, "onnx", f), target);
      }
    }
  }
  writeFileSync(join(patched, ".complete"), "patched\n");
}

const image = await defaultBenchImage();
const request = (maxNewTokens: number) => ({
  images: [{ bytes: image, source: "bench.jpg" }],
  prompt: BENCH_PROMPT,
  generation: { maxNewTokens, stop: [] },
});
const base = await loadFastVLM(dir);
const fast = await loadFastVLM(patched);
const check = 8;
const baseTokens = (await base.generate(request(check))).tokens;
const fastTokens = (await fast.generate(request(check))).tokens;
const equal = baseTokens.length === fastTokens.length && baseTokens.every((t, i) => t === fastTokens[i]);
log(`logits-slice[${kind}]: greedy tokens ${equal ? "identical" : "DIFFER"} over ${check} tokens`);

const B: { prefillMs: number; ttftMs: number }[] = [];
const F: { prefillMs: number; ttftMs: number }[] = [];
for (let i = 0; i < repeat; i++) {
  const runs = i % 2 === 0 ? [base, fast] : [fast, base];
  for (const e of runs) {
    const g = await e.generate(request(1));
    (e === base ? B : F).push({ prefillMs: g.timing.prefillMs, ttftMs: g.timing.ttftMs });
  }
  log(
    `  ${i + 1}/${repeat}: prefill ${B.at(-1)!.prefillMs.toFixed(1)} → ${F.at(-1)!.prefillMs.toFixed(1)} ms`,
  );
}
await base.dispose();
await fast.dispose();

const ratio = median(F.map((f, i) => f.prefillMs / B[i]!.prefillMs));
emit({
  step: `logits-slice-${kind}`,
  machine: startMachine,
  targets: [
    target(
      `patched/original prefill (${kind}, experiment)`,
      ratio,
      "<=",
      1,
      "ratio",
      "last-position logits only",
    ),
    target(`greedy ids unchanged by the patch (${kind})`, equal ? 1 : 0, "==", 1, "bool"),
  ],
  details: {
    model: kind,
    repeat,
    median: {
      originalPrefillMs: round(median(B.map((r) => r.prefillMs))),
      patchedPrefillMs: round(median(F.map((r) => r.prefillMs))),
      originalTtftMs: round(median(B.map((r) => r.ttftMs))),
      patchedTtftMs: round(median(F.map((r) => r.ttftMs))),
    },
    tokensEqual: equal,
    loadavgEnd: machine().loadavg1,
  },
});
