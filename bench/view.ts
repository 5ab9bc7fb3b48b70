/**
 * The viewer on a 50,000-sample synthetic run: `fastvlm-eval view` (dist/) started as a child process,
 * then over HTTP the cold first page (it streams and indexes samples.jsonl), each filter (wrong, parse
 * failures, a stratum, a score range, a text search, sort by score and by TTFT; median of 5), one sample's
 * full record, and the child's peak RSS (VmHWM). Targets: first page < 1 s, every filter < 300 ms, RSS < 300 MB.
 *
 *   node --import tsx bench/view.ts [--samples 50000] [--json]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type RunRecord, type SampleRecord, SampleWriter, writeRunRecord } from "../src/core/records.js";
import { CACHE, emit, intFlag, log, machine, median, ROOT, round, target } from "./common.js";

const N = intFlag("samples", 50_000);
const startMachine = machine();
const cli = join(ROOT, "dist", "src", "cli.js");
if (!existsSync(join(ROOT, "dist", "src", "view", "client", "app.js"))) {
  throw new Error("dist/ has no viewer: run `npm run build` first");
}

const STRATA = ["adversarial", "popular", "random"];
const WORDS = "the a sign shows red blue number of people table left right invoice total date name".split(
  " ",
);

function text(i: number, words: number): string {
  let s = "";
  for (let k = 0; k < words; k++) s += `${WORDS[(i * 7 + k * 13) % WORDS.length]} `;
  return s.trim();
}

async function makeRun(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const w = new SampleWriter(dir, 0, 4096, 60_000);
  for (let i = 0; i < N; i++) {
    const score = i % 10 < 6 ? 1 : i % 10 === 6 ? 0.5 : 0;
    const rec: SampleRecord = {
      id: `q${String(i).padStart(6, "0")}`,
      stratum: STRATA[i % 3]!,
      prediction: `${text(i, 6)} ${i}`,
      parsed: text(i, 3),
      parseOk: i % 17 !== 0,
      rule: i % 17 === 0 ? "fallback" : "exact",
      score: i % 101 === 0 ? null : score,
      reference: { answers: [text(i + 1, 3), text(i + 2, 2), `ref ${i}`] },
      error: i % 101 === 0 ? "Error: synthetic failure" : null,
      timing: {
        preprocessMs: 5,
        visionMs: 60 + (i % 13),
        prefillMs: 40 + (i % 7),
        ttftMs: 105 + (i % 29),
        decodeMs: 20,
        totalMs: 130 + (i % 29),
      },
      tokens: { prompt: 300, visual: 256, output: 4 },
      concurrency: 2,
    };
    w.append(rec);
  }
  w.close();
  const run: RunRecord = {
    schemaVersion: 1,
    runId: "bench-view",
    status: "complete",
    task: {
      name: "docvqa",
      version: 1,
      primaryMetric: "anls",
      dataset: { repo: "lmms-lab/DocVQA", config: "DocVQA", split: "validation", revision: "b".repeat(40) },
    },
    model: {
      name: "synthetic",
      source: "builtin",
      revision: null,
      dtype: {},
      executionProvider: "cpu",
      threads: 0,
    },
    config: {},
    env: {
      os: "linux",
      cpu: "bench",
      cores: 2,
      memoryBytes: 1,
      node: process.version,
      onnxruntime: null,
      harness: "0.1.0",
      gitSha: null,
    },
    nSamples: { total: N, scored: N, failed: 0, parseFailures: 0 },
    metrics: { anls: 0.65 },
    ci: { anls: [0.64, 0.66] },
    latency: null,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  };
  await writeRunRecord(dir, run);
}

async function timed(url: string): Promise<{ ms: number; body: { total?: number } }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = (await res.json()) as { total?: number };
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return { ms, body };
}

function vmHwmMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

const dir = join(CACHE, "view-run");
log(`view: writing a ${N}-sample run…`);
await makeRun(dir);
const fileMB = statSync(join(dir, "samples.jsonl")).size / 2 ** 20;
const child = spawn(process.execPath, [cli, "view", dir, "--port", "0"], {
  cwd: ROOT,
  env: { ...process.env, HF_HUB_OFFLINE: "1" },
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /^viewer: (\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`view exited with ${code}`)));
  });
  const api = `${url}api/runs/bench-view`;
  const first = await timed(`${api}/samples?limit=50`);
  if (first.body.total !== N) throw new Error(`first page says ${first.body.total} samples, expected ${N}`);
  const filters: Record<string, string> = {
    wrong: "show=wrong",
    parse: "show=parse",
    stratum: "stratum=popular",
    range: "min=0.25&max=0.75",
    search: "q=invoice%20total",
    sortScore: "sort=score&dir=desc",
    sortTtft: "sort=ttft",
    wrongSearchSorted: "show=wrong&q=red&sort=ttft&dir=desc&offset=500",
  };
  const filterMs: Record<string, number> = {};
  for (const [name, q] of Object.entries(filters)) {
    const times: number[] = [];
    for (let k = 0; k < 5; k++) times.push((await timed(`${api}/samples?limit=50&${q}`)).ms);
    filterMs[name] = round(median(times), 1);
  }
  const sample = await timed(`${api}/sample?id=q025000&show=wrong`);
  const worstFilter = Math.max(...Object.values(filterMs));
  const rss = vmHwmMB(child.pid!);
  log(
    `  ${N} samples (${fileMB.toFixed(1)} MB): first page ${first.ms.toFixed(0)} ms; worst filter ${worstFilter.toFixed(0)} ms; sample ${sample.ms.toFixed(0)} ms; peak RSS ${rss.toFixed(0)} MB`,
  );
  emit({
    step: "view",
    machine: startMachine,
    targets: [
      target(
        "viewer first page (cold, 50k samples)",
        first.ms / 1000,
        "<=",
        1,
        "s",
        "includes indexing samples.jsonl",
      ),
      target(
        "viewer slowest filter (median of 5)",
        worstFilter / 1000,
        "<=",
        0.3,
        "s",
        Object.keys(filters).join(", "),
      ),
      target("viewer peak RSS", rss, "<=", 300, "MB", "VmHWM of the view process"),
    ],
    details: {
      samples: N,
      samplesMB: round(fileMB, 1),
      firstPageMs: round(first.ms, 1),
      filterMs,
      sampleMs: round(sample.ms, 1),
      peakRssMB: round(rss, 1),
      loadavgEnd: machine().loadavg1,
    },
  });
} finally {
  child.kill("SIGTERM");
}
