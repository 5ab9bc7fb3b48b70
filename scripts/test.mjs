#!/usr/bin/env node
// `npm test`: lint, typecheck, then vitest; ends with a plain "N passed, N failed" line taken
// from vitest's JSON reporter (CI reads that line, not vitest's own summary).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";

const extra = process.argv.slice(2);
// Two lanes on two cores: the main typecheck (single-threaded tsc, the longest step) beside the others in turn.
const lanes = [
  [["typecheck", ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--noEmit"]]],
  [
    ["lint", ["node_modules/@biomejs/biome/bin/biome", "check", "."]],
    ["dead code", ["node_modules/knip/bin/knip.js", "--no-config-hints", "--no-progress"]],
    // The viewer's page is its own program: DOM types, no Node types.
    ["typecheck (viewer page)", ["node_modules/typescript/bin/tsc", "-p", "tsconfig.view.json", "--noEmit"]],
  ],
];

/** Runs one step with its output held back, so the two lanes' outputs do not interleave. */
function step(name, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => out.push(b));
    child.on("close", (code) => {
      process.stderr.write(`\n== ${name}\n${Buffer.concat(out).toString()}`);
      if (code !== 0) process.stderr.write(`${name} failed (exit ${code})\n`);
      resolve(code === 0 ? null : name);
    });
  });
}

const failedSteps = (
  await Promise.all(
    lanes.map(async (lane) => {
      const failed = [];
      for (const [name, args] of lane) {
        const f = await step(name, args);
        if (f) failed.push(f);
      }
      return failed;
    }),
  )
).flat();

mkdirSync(".cache", { recursive: true });
const report = ".cache/vitest-report.json";
rmSync(report, { force: true });
process.stderr.write("\n== vitest\n");
const v = spawnSync(
  process.execPath,
  [
    "node_modules/vitest/vitest.mjs",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...extra,
  ],
  { stdio: "inherit" },
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests ?? 0;
  // A file that failed without a failed test (it did not load, or a hook threw) counts once more;
  // numFailedTestSuites would count files with failed tests a second time.
  const brokenFiles = (json.testResults ?? []).filter(
    (f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed"),
  ).length;
  failed = (json.numFailedTests ?? 0) + brokenFiles;
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
} catch {
  failed += 1;
  failedSteps.push("vitest (no JSON report)");
  process.stderr.write("vitest wrote no JSON report\n");
}
// A failed step that is not a test (lint, typecheck) counts once and is named, so "1 failed" is never a mystery.
failed += failedSteps.filter((s) => !s.startsWith("vitest")).length;
const steps_ = failedSteps.length > 0 ? ` (failed step: ${failedSteps.join(", ")})` : "";
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped${steps_}\n`);
process.exit(failed > 0 || v.status !== 0 || failedSteps.length > 0 ? 1 : 0);
