#!/usr/bin/env node
// `npm test`: lint, typecheck, then vitest; ends with a plain "N passed, N failed" line taken
// from vitest's JSON reporter (CI reads that line, not vitest's own summary).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";

const extra = process.argv.slice(2);
const steps = [
  ["lint", ["node_modules/@biomejs/biome/bin/biome", "check", "."]],
  ["typecheck", ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--noEmit"]],
  ["dead code", ["node_modules/knip/bin/knip.js", "--no-config-hints", "--no-progress"]],
  // The viewer's page is its own program: DOM types, no Node types.
  ["typecheck (viewer page)", ["node_modules/typescript/bin/tsc", "-p", "tsconfig.view.json", "--noEmit"]],
];
let failedStep = false;
for (const [name, args] of steps) {
  process.stderr.write(`\n== ${name}\n`);
  const r = spawnSync(process.execPath, args, { stdio: "inherit" });
  if (r.status !== 0) {
    process.stderr.write(`${name} failed (exit ${r.status})\n`);
    failedStep = true;
  }
}

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
  process.stderr.write("vitest wrote no JSON report\n");
}
if (failedStep) failed += 1;
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 || v.status !== 0 || failedStep ? 1 : 0);
