import { existsSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The slowest files, slowest first (from the durations in .cache/vitest-report.json that `npm test` writes).
 * Started first, they leave the short files to fill the workers at the end. Without it a clean clone (no
 * vitest cache) runs big files first, and the slowest files are small: one ran last, alone, for a minute.
 * A file missing here only costs balance, never a result.
 */
const SLOW_FIRST = [
  "test/e2e/misbehaving-run-seed1.test.ts",
  "test/e2e/misbehaving-run-seed2.test.ts",
  "test/e2e/faults.test.ts",
  "test/integration/engine-degenerate.test.ts",
  "test/e2e/misbehaving-shard-resume.test.ts",
  "test/e2e/reuse-models.test.ts",
  "test/e2e/demo.test.ts",
  "test/integration/engine-logits.test.ts",
  "test/e2e/kill-resume.test.ts",
  "test/e2e/reuse.test.ts",
  "test/e2e/run.test.ts",
  "test/browser/view.test.ts",
  "test/integration/engine-q4.test.ts",
  "test/e2e/card-tasks.test.ts",
  "test/e2e/reuse-resume.test.ts",
  "test/integration/engine-reuse.test.ts",
  "test/e2e/fetch-model.test.ts",
  "test/e2e/predict.test.ts",
];

// A renamed or deleted file would silently lose its place: say so instead.
for (const f of SLOW_FIRST) {
  if (!existsSync(fileURLToPath(new URL(f, import.meta.url))))
    throw new Error(`vitest.config.ts: SLOW_FIRST names ${f}, which does not exist; update the list.`);
}

class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = SLOW_FIRST.indexOf(relative(f.project.config.root, f.moduleId));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    // The base order (vitest's cached durations, else size) breaks ties among the rest.
    const base = await super.sort(files);
    return base
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "scorers/**/*.test.ts", "tasks/**/*.test.ts"],
    pool: "forks",
    // Three on two cores: a worker often waits on a CLI child (one runtime thread each, below), so a third keeps
    // both cores busy. Measured on 2 cores: 2 workers 196 s, 3 workers 169 s, 4 workers 170 s.
    maxWorkers: 3,
    // A safety net for hung tests, not a speed bound: the model tests take minutes on a loaded 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    globalSetup: ["test/setup/global.ts"],
    // Every CLI child runs one intra-op thread (in-process engines pass `threads: 1`): two workers' spinning thread
    // pools on two cores slowed model runs by a third. A test that needs another count passes --threads.
    env: { FASTVLM_EVAL_THREADS: "1" },
    sequence: { sequencer: SlowFirst },
  },
});
