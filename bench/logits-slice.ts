/**
 * `--logits last` (the default) against `--logits all` (the decoder exactly as shipped) on the same model
 * folder. The shipped decoder computes logits for EVERY prompt position at prefill ([1, L, 151936] fp32 ≈
 * 172 MB for L ≈ 283) though greedy decoding reads only the last row; the engine patches the decoder at
 * load (src/models/fastvlm/graph-patch.ts on the skeleton of onnx-skeleton.ts) so the lm_head sees only
 * the last position.
 *
 * Each load is its own child process (peak RSS is per process), modes alternating all, last, last, all, …
 * Each child loads the engine, generates `--check` tokens (greedy ids compared across modes; also the
 * warm-up), then `--repeat` one-token generations, and reports load time, median prefill and TTFT, RSS
 * after load and peak RSS. Targets: prefill last ÷ all ≤ 1, load last ÷ all ≤ 1.1 (the patch costs no
 * load time; single loads vary ±10 % on a shared machine), peak RSS last − all ≤ 50 MB, identical greedy ids.
 *
 *   node --import tsx bench/logits-slice.ts [--model tiny|real|real-inline] [--loads 3] [--repeat 3] [--json]
 *
 * `real` is the generator's fp32 real-dims model (decoder weights in external data); `real-inline` the same
 * with the decoder's weights inline as fp16 (bench/inline-model.ts), the layout of the Hub's decoders.
 */
import { fileURLToPath } from "node:url";
import { onDeviceStages } from "../src/core/timing.js";
import { BENCH_PROMPT, defaultBenchImage } from "../src/latency-bench/latency.js";
import type { LogitsMode } from "../src/models/fastvlm/constants.js";
import {
  emit,
  ensureModel,
  flag,
  intFlag,
  log,
  machine,
  median,
  realModelProblem,
  round,
  runChild,
  target,
} from "./common.js";
import { ensureInlineRealModel } from "./inline-model.js";

const SCRIPT = fileURLToPath(import.meta.url);
const MB = 2 ** 20;

type Kind = "tiny" | "real" | "real-inline";
const kind = (flag("model") ?? "tiny") as Kind;
if (!["tiny", "real", "real-inline"].includes(kind))
  throw new Error(`--model must be tiny, real or real-inline, got '${kind}'`);
const repeat = intFlag("repeat", kind === "tiny" ? 7 : 3);
const loads = intFlag("loads", kind === "tiny" ? 8 : 3);
const check = intFlag("check", 8);
const step = `logits-slice-${kind}`;

async function modelFolder(): Promise<string> {
  return kind === "real-inline" ? ensureInlineRealModel() : ensureModel(kind);
}

/** What one child reports. */
interface ChildResult {
  mode: LogitsMode;
  effective: string;
  loadMs: number;
  prefillMs: number;
  ttftMs: number;
  tokens: number[];
  rssAfterLoadMB: number;
  peakRssMB: number;
}

async function child(mode: LogitsMode): Promise<ChildResult> {
  const { loadFastVLM } = await import("../src/models/fastvlm/engine.js");
  const dir = await modelFolder();
  const image = await defaultBenchImage();
  const request = (maxNewTokens: number) => ({
    images: [{ bytes: image, source: "bench.jpg" }],
    prompt: BENCH_PROMPT,
    generation: { maxNewTokens, stop: [] },
  });
  const t0 = performance.now();
  const engine = await loadFastVLM(dir, { logits: mode });
  const loadMs = performance.now() - t0;
  const rssAfterLoadMB = process.memoryUsage().rss / MB;
  const tokens = (await engine.generate(request(check))).tokens;
  const runs: { prefillMs: number; ttftMs: number }[] = [];
  for (let i = 0; i < repeat; i++) {
    const g = await engine.generate(request(1));
    const t = onDeviceStages(g.timing);
    runs.push({ prefillMs: t.prefillMs, ttftMs: t.ttftMs });
  }
  const effective = engine.info.logits ?? "?";
  await engine.dispose();
  return {
    mode,
    effective,
    loadMs,
    prefillMs: median(runs.map((r) => r.prefillMs)),
    ttftMs: median(runs.map((r) => r.ttftMs)),
    tokens,
    rssAfterLoadMB,
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
  };
}

const childMode = flag("child");
if (childMode !== undefined) {
  const result = await child(childMode as LogitsMode);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const startMachine = machine();
if (kind !== "tiny" && realModelProblem()) {
  emit({ step, machine: startMachine, targets: [], details: { skipped: realModelProblem() } });
  process.exit(0);
}
await modelFolder(); // generated here, not inside a timed child

const results: ChildResult[] = [];
for (let i = 0; i < loads; i++) {
  for (const mode of (i % 2 === 0 ? ["all", "last"] : ["last", "all"]) as LogitsMode[]) {
    const res = runChild<ChildResult>(SCRIPT, mode, [
      "--model",
      kind,
      "--repeat",
      String(repeat),
      "--check",
      String(check),
    ]);
    results.push(res);
    log(
      `  ${i + 1}/${loads} ${mode}: load ${res.loadMs.toFixed(0)} ms, prefill ${res.prefillMs.toFixed(1)} ms, peak RSS ${res.peakRssMB.toFixed(0)} MB`,
    );
  }
}

const of = (mode: LogitsMode) => results.filter((r) => r.mode === mode);
const med = (mode: LogitsMode, key: "loadMs" | "prefillMs" | "ttftMs" | "rssAfterLoadMB" | "peakRssMB") =>
  median(of(mode).map((r) => r[key]));
const reference = of("all")[0]!.tokens;
const equal = results.every(
  (r) => r.tokens.length === reference.length && r.tokens.every((t, i) => t === reference[i]),
);
log(
  `${step}: greedy tokens ${equal ? "identical" : "DIFFER"} over ${check} tokens in ${results.length} loads`,
);

emit({
  step,
  machine: startMachine,
  targets: [
    target(
      `prefill --logits last/all (${kind})`,
      med("last", "prefillMs") / med("all", "prefillMs"),
      "<=",
      1,
      "ratio",
      `medians over ${loads} loads per mode`,
    ),
    target(
      `model load --logits last/all (${kind})`,
      med("last", "loadMs") / med("all", "loadMs"),
      "<=",
      1.1,
      "ratio",
      "the patch must not cost load time (loads vary ±10 % run to run here)",
    ),
    target(
      `peak RSS --logits last − all (${kind})`,
      med("last", "peakRssMB") - med("all", "peakRssMB"),
      "<=",
      50,
      "MB",
      "load + generation, per process",
    ),
    target(
      `greedy ids equal across --logits modes (${kind})`,
      equal ? 1 : 0,
      "==",
      1,
      "bool",
      `${check} tokens`,
    ),
  ],
  details: {
    model: kind,
    loads,
    repeat,
    effective: { all: of("all")[0]?.effective, last: of("last")[0]?.effective },
    median: Object.fromEntries(
      (["all", "last"] as const).map((m) => [
        m,
        {
          loadMs: round(med(m, "loadMs")),
          prefillMs: round(med(m, "prefillMs")),
          ttftMs: round(med(m, "ttftMs")),
          rssAfterLoadMB: round(med(m, "rssAfterLoadMB")),
          peakRssMB: round(med(m, "peakRssMB")),
        },
      ]),
    ),
    runs: results.map(({ tokens: _t, ...r }) => ({
      ...r,
      loadMs: round(r.loadMs),
      prefillMs: round(r.prefillMs),
    })),
    tokensEqual: equal,
    loadavgEnd: machine().loadavg1,
  },
});
