/**
 * The benchmark suite (`npm run bench`; never part of npm test). Each step runs in its own child process
 * (memory and RSS stay per step) and prints one JSON result; this script collects them into
 * bench/results.json and prints a table of targets. Every target is a ratio or bound measured side by
 * side in the same run.
 *
 *   npm run bench                      # everything, incl. the real-0.5B-dims model (~2 GB, generated once)
 *   npm run bench -- --quick           # skip the real-dims model (< 5 minutes)
 *   npm run bench -- --only ttft-tiny,startup --json
 *   npm run bench -- --strict          # exit 1 when a target is missed
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatTable } from "../src/latency-bench/format.js";
import { flag, has, log, machine, ROOT, type StepResult, type Target } from "./common.js";

interface Step {
  /** Name for --only. */
  name: string;
  /** Script under bench/. */
  script: string;
  /** Its arguments. */
  args: string[];
  /** Needs the real-dims model (skipped by --quick). */
  real?: boolean;
  /** Kill after this long. */
  timeoutS: number;
}

const STEPS: Step[] = [
  { name: "startup", script: "startup.ts", args: [], timeoutS: 120 },
  { name: "rescore", script: "rescore.ts", args: [], timeoutS: 120 },
  { name: "ttft-tiny", script: "ttft.ts", args: ["--model", "tiny"], timeoutS: 300 },
  { name: "transformersjs-tiny", script: "transformersjs.ts", args: ["--model", "tiny"], timeoutS: 300 },
  { name: "accuracy-overlap", script: "accuracy-overlap.ts", args: [], timeoutS: 300 },
  { name: "data", script: "data.ts", args: [], timeoutS: 600 },
  { name: "view", script: "view.ts", args: [], timeoutS: 300 },
  { name: "logits-slice-tiny", script: "logits-slice.ts", args: ["--model", "tiny"], timeoutS: 300 },
  { name: "reuse-tiny", script: "reuse.ts", args: ["--model", "tiny"], timeoutS: 300 },
  { name: "ttft-real", script: "ttft.ts", args: ["--model", "real"], real: true, timeoutS: 1200 },
  {
    name: "transformersjs-real",
    script: "transformersjs.ts",
    args: ["--model", "real"],
    real: true,
    timeoutS: 1200,
  },
  {
    name: "logits-slice-real",
    script: "logits-slice.ts",
    args: ["--model", "real"],
    real: true,
    timeoutS: 1200,
  },
  {
    name: "logits-slice-real-inline",
    script: "logits-slice.ts",
    args: ["--model", "real-inline"],
    real: true,
    timeoutS: 1500,
  },
  { name: "threads-real", script: "threads.ts", args: ["--model", "real"], real: true, timeoutS: 1200 },
  { name: "reuse-real", script: "reuse.ts", args: ["--model", "real"], real: true, timeoutS: 2400 },
];

const quick = has("quick");
const only = flag("only")?.split(",").filter(Boolean);
if (only) {
  const unknown = only.filter((n) => !STEPS.some((s) => s.name === n));
  if (unknown.length > 0) {
    log(`unknown step(s): ${unknown.join(", ")}; steps: ${STEPS.map((s) => s.name).join(", ")}`);
    process.exit(2);
  }
}
const steps = STEPS.filter((s) => (only ? only.includes(s.name) : !(quick && s.real)));

const started = new Date().toISOString();
const t0 = performance.now();
const results: StepResult[] = [];
const failures: { step: string; error: string }[] = [];
for (const step of steps) {
  log(`\n== ${step.name} ==`);
  const s0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(ROOT, "bench", step.script), ...step.args, "--json"],
    {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      timeout: step.timeoutS * 1000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const seconds = (performance.now() - s0) / 1000;
  const line = r.stdout?.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || line === "") {
    const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
    failures.push({ step: step.name, error: why });
    log(`${step.name} failed (${why}) after ${seconds.toFixed(0)} s`);
    continue;
  }
  try {
    const result = JSON.parse(line) as StepResult;
    result.details = { ...result.details, stepSeconds: Math.round(seconds) };
    results.push(result);
  } catch {
    failures.push({ step: step.name, error: "output was not JSON" });
  }
}

const targets: Target[] = results.flatMap((r) => r.targets);
const summary = {
  started,
  seconds: Math.round((performance.now() - t0) / 1000),
  quick,
  machine: machine(),
  targets,
  failures,
  steps: results,
};
writeFileSync(join(ROOT, "bench", "results.json"), `${JSON.stringify(summary, null, 2)}\n`);

const table = formatTable(
  ["target", "value", "bound", "verdict", "note"],
  targets.map((t) => [
    t.name,
    t.value === null ? "-" : `${t.value} ${t.unit}`,
    `${t.op} ${t.bound}`,
    t.informational ? "info" : t.pass === null ? "skipped" : t.pass ? "PASS" : "MISS",
    t.note ?? "",
  ]),
);
if (has("json")) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  const m = summary.machine;
  process.stdout.write(
    `\n${table}\n\nmachine: ${m.cpu}, ${m.nproc} CPUs, ${m.memoryGiB} GiB, node ${m.node}, load ${m.loadavg1}; ` +
      `${summary.seconds} s; written to bench/results.json\n`,
  );
  for (const f of failures) process.stdout.write(`FAILED step ${f.step}: ${f.error}\n`);
}
const missed = targets.some((t) => t.pass === false);
process.exit(failures.length > 0 ? 1 : has("strict") && missed ? 1 : 0);
