/**
 * Experiment behind a "make it fast" finding: decoder_model_merged computes logits for EVERY prompt
 * position at prefill ([1, L, 151936] fp32 ≈ 176 MB for L ≈ 290), though greedy decoding reads only the
 * last row. This script patches a copy of the decoder graph so the lm_head MatMul sees only the last
 * position (Slice on axis 1 in front of it; logits become [1, 1, vocab]), then measures the engine on
 * the original and patched folders side by side: prefill time, TTFT, peak RSS of each generation's
 * logits, and that the greedy token ids stay identical.
 *
 * The patch is generic for the onnx-community layout: walk back from the `logits` output through
 * Identity/Cast to the MatMul/Gemm and slice its activation input. A loader could apply it in memory.
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
import { createRequire } from "node:module";
import { join } from "node:path";
import type { onnx as OnnxNs } from "onnx-proto";
import { BENCH_PROMPT, defaultBenchImage } from "../src/bench/latency.js";
import { loadFastVLM } from "../src/models/fastvlm/engine.js";
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

const require = createRequire(import.meta.url);
const { onnx } = require("onnx-proto") as { onnx: typeof OnnxNs };

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

/** Returns the patched model bytes, or throws when the graph does not have the expected shape. */
function patchDecoder(bytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const producer = (name: string): OnnxNs.INodeProto | undefined =>
    nodes.find((n) => n.output?.includes(name));
  let node = producer("logits");
  while (node && (node.opType === "Identity" || node.opType === "Cast")) node = producer(node.input![0]!);
  if (!node || (node.opType !== "MatMul" && node.opType !== "Gemm")) {
    throw new Error(`logits is not produced by a MatMul/Gemm (found ${node?.opType ?? "nothing"})`);
  }
  const x = node.input![0]!;
  const i64 = (name: string, v: bigint): OnnxNs.ITensorProto => ({
    name,
    dims: [1],
    dataType: 7,
    rawData: new Uint8Array(BigInt64Array.of(v).buffer),
  });
  graph.initializer = [
    ...(graph.initializer ?? []),
    i64("bench_last_start", -1n),
    i64("bench_last_end", 9223372036854775807n),
    i64("bench_last_axis", 1n),
  ];
  const sliced = `${x}_last_position`;
  const slice: OnnxNs.INodeProto = {
    name: "bench_slice_last_position",
    opType: "Slice",
    input: [x, "bench_last_start", "bench_last_end", "bench_last_axis"],
    output: [sliced],
  };
  node.input![0] = sliced;
  graph.node = [...nodes.slice(0, nodes.indexOf(node)), slice, ...nodes.slice(nodes.indexOf(node))];
  const out = graph.output?.find((o) => o.name === "logits");
  const dim = out?.type?.tensorType?.shape?.dim?.[1];
  if (dim) {
    dim.dimValue = null;
    dim.dimParam = "logits_positions";
  }
  return onnx.ModelProto.encode(model).finish();
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
