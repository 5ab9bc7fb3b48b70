/**
 * Data-path memory and speed on a DocVQA-sized synthetic dataset (issue 2): 5,349 rows of ~200 KB JPEG
 * page images (≈ 1 GB) in DocVQA's schema, 6 parquet shards with 100-row row groups (what `datasets`
 * writes for image columns), SNAPPY, generated once into .cache/bench/docvqa-synth with hyparquet-writer.
 *
 * Two child processes, each measuring its own peak RSS (process.resourceUsage().maxRSS):
 *   stream — every row through loadSamples(TASKS.docvqa) (parquet row groups → parseRow → TaskSample),
 *            touching each image's bytes; prints rows/s. Target: peak RSS < 400 MB.
 *   run    — the tiny model loaded (its RSS is "model"), then the runner over the synthetic split with
 *            --limit and --reuse on (seeded stratified subset: one pass over all rows to select, then
 *            the selected rows read on demand, questions of one page together).
 *            Target: peak RSS ≤ model + 600 MB.
 *
 *   node --import tsx bench/data.ts [--run-limit 24] [--run-model DIR] [--logits last|all] [--skip-run] [--json]
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CACHE, emit, flag, has, intFlag, log, machine, round, runChild, target } from "./common.js";

const ROWS = 5349;
const SHARDS = 6;
const ROW_GROUP = 100;
const IMAGE_BYTES = 200 * 1024;
const DATA_DIR = join(CACHE, "docvqa-synth-v2");
const SCRIPT = fileURLToPath(import.meta.url);

/** Shard file names in order. */
function shardFiles(): string[] {
  return Array.from({ length: SHARDS }, (_, i) =>
    join(DATA_DIR, `validation-${String(i).padStart(5, "0")}-of-${String(SHARDS).padStart(5, "0")}.parquet`),
  );
}

/** A few distinct noisy JPEGs near IMAGE_BYTES (noise does not compress, like scanned pages barely do). */
async function baseImages(count: number): Promise<Uint8Array[]> {
  const sharp = (await import("sharp")).default;
  const out: Uint8Array[] = [];
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 24;
  };
  for (let k = 0; k < count; k++) {
    const w = 560;
    const h = 720;
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = 160 + (rand() & 0x5f);
    // Binary search on the quality for the size closest to IMAGE_BYTES.
    const encode = (quality: number) =>
      sharp(raw, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality })
        .toBuffer();
    let lo = 5;
    let hi = 100;
    let jpeg = await encode(hi);
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      const b = await encode(mid);
      if (b.length > IMAGE_BYTES) hi = mid;
      else {
        lo = mid;
        jpeg = b;
      }
    }
    out.push(new Uint8Array(jpeg));
  }
  return out;
}

/** A string column of the parquet schema. */
const S = (name: string) => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "OPTIONAL",
});

/** A list-of-strings column (three schema elements). */
const listOf = (name: string) => [
  { name, repetition_type: "OPTIONAL", num_children: 1, converted_type: "LIST" },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  S("element"),
];

/** DocVQA validation's parquet schema. */
const SCHEMA = [
  { name: "schema", num_children: 9 },
  S("questionId"),
  S("question"),
  ...listOf("question_types"),
  { name: "image", repetition_type: "OPTIONAL", num_children: 2 },
  { name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
  S("path"),
  { name: "docId", type: "INT64", repetition_type: "OPTIONAL" },
  S("ucsf_document_id"),
  S("ucsf_document_page_no"),
  ...listOf("answers"),
  S("data_split"),
];

/** Its HF features (the `huggingface` key-value metadata). */
const FEATURES = {
  questionId: { dtype: "string", _type: "Value" },
  question: { dtype: "string", _type: "Value" },
  question_types: { feature: { dtype: "string", _type: "Value" }, _type: "Sequence" },
  image: { _type: "Image" },
  docId: { dtype: "int64", _type: "Value" },
  ucsf_document_id: { dtype: "string", _type: "Value" },
  ucsf_document_page_no: { dtype: "string", _type: "Value" },
  answers: { feature: { dtype: "string", _type: "Value" }, _type: "Sequence" },
  data_split: { dtype: "string", _type: "Value" },
};

type ParquetWriteFile = typeof import("hyparquet-writer").parquetWriteFile;

/** Writes shard `s` (its rows of ROWS) to `path`, the images cycling through `images`; returns its row count. */
function writeShard(
  parquetWriteFile: ParquetWriteFile,
  path: string,
  s: number,
  images: Uint8Array[],
): number {
  const perShard = Math.ceil(ROWS / SHARDS);
  const start = s * perShard;
  const end = Math.min(ROWS, start + perShard);
  const n = end - start;
  const idx = Array.from({ length: n }, (_, i) => start + i);
  const imageCol = idx.map((k) => {
    // A unique tail after the JPEG's end marker keeps every value distinct (no dictionary dedupe).
    const base = images[k % images.length]!;
    const bytes = new Uint8Array(base.length + 8);
    bytes.set(base);
    new DataView(bytes.buffer).setFloat64(base.length, k);
    return { bytes, path: `page_${k}.jpg` };
  });
  parquetWriteFile({
    filename: path,
    // hyparquet-writer's schema type is wider than what we pass; these are valid schema elements.
    schema: SCHEMA as Parameters<ParquetWriteFile>[0]["schema"],
    columnData: [
      { name: "questionId", data: idx.map((k) => String(49153 + k)) },
      { name: "question", data: idx.map((k) => `What is the total on page ${k}?`) },
      { name: "question_types", data: idx.map(() => ["table/list"]) },
      { name: "image", data: imageCol },
      { name: "docId", data: idx.map((k) => BigInt(14465 + (k >> 2))) },
      { name: "ucsf_document_id", data: idx.map((k) => `txpn${String(k >> 2).padStart(4, "0")}`) },
      { name: "ucsf_document_page_no", data: idx.map((k) => String(1 + (k % 4))) },
      { name: "answers", data: idx.map((k) => [`$${k}.00`, `${k}`]) },
      { name: "data_split", data: idx.map(() => "val") },
    ] as Parameters<ParquetWriteFile>[0]["columnData"],
    rowGroupSize: ROW_GROUP,
    codec: "SNAPPY",
    statistics: false,
    kvMetadata: [{ key: "huggingface", value: JSON.stringify({ info: { features: FEATURES } }) }],
  });
  return n;
}

/** Writes the dataset once (atomic: temp folder + rename). */
async function ensureDataset(): Promise<{ files: string[]; bytes: number }> {
  const files = shardFiles();
  if (!files.every((f) => existsSync(f))) {
    log(`data: generating ${ROWS} rows × ~${IMAGE_BYTES >> 10} KB into ${DATA_DIR} (once)…`);
    const t0 = performance.now();
    mkdirSync(CACHE, { recursive: true });
    const tmp = mkdtempSync(join(CACHE, "docvqa-synth-tmp-"));
    const { parquetWriteFile } = await import("hyparquet-writer");
    const images = await baseImages(8);
    for (const [s, file] of files.entries()) {
      const n = writeShard(parquetWriteFile, join(tmp, file.slice(DATA_DIR.length + 1)), s, images);
      log(`  shard ${s + 1}/${SHARDS}: ${n} rows`);
    }
    mkdirSync(DATA_DIR, { recursive: true });
    for (const f of readdirSync(tmp)) renameSync(join(tmp, f), join(DATA_DIR, f));
    rmSync(tmp, { recursive: true, force: true });
    log(`  done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return { files, bytes: files.reduce((s, f) => s + statSync(f).size, 0) };
}

/** What a child prints (one JSON line on stdout). */
interface ChildResult {
  mode: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  imageBytes: number;
  peakRssMB: number;
  modelRssMB?: number;
  samples?: number;
}

const MB = 1024 * 1024;

async function childStream(files: string[]): Promise<ChildResult> {
  const { TASKS } = await import("../tasks/index.js");
  const { loadSamples } = await import("../src/data/samples.js");
  const task = TASKS.docvqa!;
  let rows = 0;
  let imageBytes = 0;
  let checksum = 0;
  const t0 = performance.now();
  for await (const s of loadSamples(task, {
    repo: "synthetic/DocVQA",
    sha: "0".repeat(40),
    files,
    joins: {},
  })) {
    rows++;
    for (const im of s.images) {
      imageBytes += im.bytes.length;
      checksum = (checksum + im.bytes[im.bytes.length >> 1]!) | 0;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (checksum === 0.5) log("unreachable"); // keeps the byte reads observable
  return {
    mode: "stream",
    rows,
    seconds,
    rowsPerSec: rows / seconds,
    imageBytes,
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
  };
}

async function childRun(files: string[], limit: number): Promise<ChildResult> {
  const { TASKS } = await import("../tasks/index.js");
  const { openSampleSource } = await import("../src/data/sample-source.js");
  const { runTask } = await import("../src/runner/task-run.js");
  const { silentProgress } = await import("../src/runner/progress.js");
  const { loadFastVLM } = await import("../src/models/fastvlm/engine.js");
  const { ensureModel } = await import("./common.js");
  // --run-model DIR: another folder instead of the tiny model; --logits all: the decoder as shipped.
  const logits = flag("logits") === "all" ? "all" : "last";
  const engine = await loadFastVLM(flag("run-model") || (await ensureModel("tiny")), { logits });
  const modelRssMB = process.memoryUsage().rss / MB;
  const task = TASKS.docvqa!;
  const dataset = { repo: "synthetic/DocVQA", sha: "0".repeat(40), files, joins: {} };
  const out = mkdtempSync(join(tmpdir(), "bench-data-run-"));
  // The runner's data path: one pass to select, then the pending samples read in locality order.
  const source = openSampleSource(task, dataset);
  const t0 = performance.now();
  try {
    await runTask({
      task,
      scorer: task.scorer,
      dataset: { repo: dataset.repo, config: "DocVQA", split: "validation", sha: dataset.sha },
      samples: () => source.samples() as AsyncIterable<import("../src/core/types.js").TaskSample>,
      samplesInOrder: (ids) =>
        source.samplesInOrder(ids) as AsyncIterable<import("../src/core/types.js").TaskSample>,
      model: engine,
      settings: {
        out,
        limit,
        subsetSeed: 0,
        shard: null,
        concurrency: 2,
        latencySamples: 0,
        warmup: 0,
        maxNewTokens: 4,
        fresh: true,
        maxErrorRate: 1,
        reuse: true,
        promptSettings: { imageMode: "pad" },
      },
      progress: silentProgress,
    });
  } finally {
    await engine.dispose();
    rmSync(out, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    mode: "run",
    rows: ROWS,
    samples: limit,
    seconds,
    rowsPerSec: ROWS / seconds,
    imageBytes: 0,
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
    modelRssMB,
  };
}

const spawnChild = (mode: string, extra: string[]): ChildResult => runChild<ChildResult>(SCRIPT, mode, extra);

const child = flag("child");
if (child !== undefined) {
  const files = shardFiles();
  const result =
    child === "stream" ? await childStream(files) : await childRun(files, intFlag("run-limit", 24));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const startMachine = machine();
const { bytes } = await ensureDataset();
log(`data: streaming ${ROWS} rows (${(bytes / 2 ** 30).toFixed(2)} GiB) in a child process…`);
// Three passes: peak RSS depends on when the GC runs, so report the median and the worst.
const passes = [spawnChild("stream", []), spawnChild("stream", []), spawnChild("stream", [])];
const byRss = [...passes].sort((a, b) => a.peakRssMB - b.peakRssMB);
const stream = byRss[1]!;
const worstRssMB = byRss[2]!.peakRssMB;
log(
  `  median pass: ${stream.rows} rows in ${stream.seconds.toFixed(1)} s (${stream.rowsPerSec.toFixed(0)} rows/s), peak RSS ${stream.peakRssMB.toFixed(0)} MB`,
);
const targets = [
  target(
    "streaming peak RSS (DocVQA-sized)",
    stream.peakRssMB,
    "<=",
    400,
    "MB",
    `median of 3 passes (worst ${worstRssMB.toFixed(0)} MB); ${stream.rowsPerSec.toFixed(0)} rows/s`,
  ),
];
let run: ChildResult | null = null;
if (!has("skip-run")) {
  const limit = intFlag("run-limit", 24);
  log(`data: runner over the synthetic split with the tiny model, --limit ${limit}, concurrency 2…`);
  const runModel = flag("run-model");
  const logits = flag("logits") === "all" ? "all" : "last";
  run = spawnChild("run", [
    "--run-limit",
    String(limit),
    "--logits",
    logits,
    ...(runModel ? ["--run-model", runModel] : []),
  ]);
  log(
    `  ${run.seconds.toFixed(1)} s, model RSS ${run.modelRssMB?.toFixed(0)} MB, peak RSS ${run.peakRssMB.toFixed(0)} MB`,
  );
  targets.push(
    target(
      "run peak RSS − model RSS",
      run.peakRssMB - (run.modelRssMB ?? 0),
      "<=",
      600,
      "MB",
      `tiny model, --logits ${logits}; --limit ${limit} over ${ROWS} rows`,
    ),
  );
}
emit({
  step: "data",
  machine: startMachine,
  targets,
  details: {
    rows: ROWS,
    shards: SHARDS,
    rowGroupRows: ROW_GROUP,
    datasetMB: round(bytes / MB, 1),
    worstStreamPeakRssMB: round(worstRssMB, 1),
    streamPasses: passes.map((p) => ({ seconds: round(p.seconds), peakRssMB: round(p.peakRssMB, 1) })),
    stream: {
      ...stream,
      seconds: round(stream.seconds),
      rowsPerSec: round(stream.rowsPerSec, 1),
      peakRssMB: round(stream.peakRssMB, 1),
    },
    run,
    loadavgEnd: machine().loadavg1,
  },
});
