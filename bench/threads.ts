/**
 * Thread settings for concurrent sessions: accuracy-pass throughput of the runner (fixture DocVQA, the same
 * N samples) with (concurrency 1, default threads), (concurrency 2, default threads) and (concurrency 2,
 * 1 intra-op thread per session). ORT's default intra-op pool is one thread per physical core per
 * session, so two in-flight prefills on a 2-core machine oversubscribe. Configurations alternate over
 * `--rounds` rounds; the figure is samples/s, median over rounds.
 *
 *   node --import tsx bench/threads.ts [--model real|tiny] [--samples 8] [--rounds 2] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelBackend } from "../src/core/types.js";
import { loadFastVLM } from "../src/models/fastvlm/engine.js";
import { fixtureRoot } from "../test/helpers/fixtures.js";
import {
  emit,
  ensureModel,
  finding,
  intFlag,
  log,
  machine,
  median,
  modelFlag,
  round,
  skipIfNoRealModel,
} from "./common.js";
import { fixtureTask, runFixtureTask, warmOnFirstSample } from "./fixture-run.js";

const kind = modelFlag("real");
const samples = intFlag("samples", 8);
const rounds = intFlag("rounds", 2);
const startMachine = machine();
skipIfNoRealModel(kind, `threads-${kind}`, startMachine);

const dir = await ensureModel(kind);
const root = await fixtureRoot({ rowsPerTask: Math.max(16, samples) });
const { task, dataset } = await fixtureTask(root, "docvqa");
const engines = { default: await loadFastVLM(dir), one: await loadFastVLM(dir, { threads: 1 }) };
const configs: { label: string; engine: ModelBackend; concurrency: number }[] = [
  { label: "c1-default", engine: engines.default, concurrency: 1 },
  { label: "c2-default", engine: engines.default, concurrency: 2 },
  { label: "c2-threads1", engine: engines.one, concurrency: 2 },
];
const out = mkdtempSync(join(tmpdir(), "bench-threads-"));
const rates: Record<string, number[]> = Object.fromEntries(configs.map((c) => [c.label, []]));
try {
  for (const c of configs) {
    // Warm each engine once.
    await warmOnFirstSample(c.engine, task, dataset, 4);
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 === 0 ? configs : [...configs].reverse()) {
      const t0 = performance.now();
      await runFixtureTask({
        task,
        dataset,
        model: c.engine,
        out: join(out, `${c.label}-${r}`),
        limit: samples,
        concurrency: c.concurrency,
        maxNewTokens: 8,
      });
      const rate = samples / ((performance.now() - t0) / 1000);
      rates[c.label]!.push(rate);
      log(`  round ${r + 1}: ${c.label} ${rate.toFixed(2)} samples/s`);
    }
  }
} finally {
  await engines.default.dispose();
  await engines.one.dispose();
  rmSync(out, { recursive: true, force: true });
}
const med = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, round(median(v))]));
emit({
  step: `threads-${kind}`,
  machine: startMachine,
  targets: [
    finding(
      `throughput c2-threads1 ÷ c2-default (${kind})`,
      (med["c2-threads1"] ?? 0) / (med["c2-default"] ?? 1),
      ">=",
      1,
      "ratio",
      "≥ 1 means one intra-op thread per session is better under concurrency 2",
    ),
  ],
  details: {
    model: kind,
    samples,
    rounds,
    cores: startMachine.nproc,
    samplesPerSec: med,
    all: rates,
    loadavgEnd: machine().loadavg1,
  },
});
