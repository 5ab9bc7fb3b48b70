/** `fastvlm-eval gate` end to end: exit codes, summary, JUnit and JSON. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { binaryScores, dropRight, latencies, makeRun, tempDir } from "../unit/report-fixtures.js";

const CLI = join(fileURLToPath(new URL("../..", import.meta.url)), "dist", "src", "cli.js");

function cli(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const clean = { ...process.env };
  delete clean.GITHUB_STEP_SUMMARY;
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...clean, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let root: string;
let base: string;
let same: string;
let worse: string;
let slowOther: string;

describe("gate", () => {
  beforeAll(async () => {
    root = tempDir("fastvlm-gate-");
    const scores = binaryScores(400, 0.6);
    base = join(root, "base");
    await makeRun(join(base, "docvqa"), { scores, model: "base", ttft: latencies(20, 100) });
    same = join(root, "same");
    await makeRun(join(same, "docvqa"), { scores, model: "same", ttft: latencies(20, 101) });
    worse = join(root, "worse");
    await makeRun(join(worse, "docvqa"), {
      scores: dropRight(scores, 20),
      model: "worse",
      ttft: latencies(20, 100),
    });
    slowOther = join(root, "slow");
    await makeRun(join(slowOther, "docvqa"), {
      scores,
      model: "slow",
      ttft: latencies(20, 300),
      fingerprint: "dev-b",
    });
  });

  it("exits 0 when nothing changed and writes the summary to $GITHUB_STEP_SUMMARY", () => {
    const summary = join(root, "step-summary.md");
    const r = cli(
      ["gate", "--baseline", base, "--candidate", same, "--max-drop", "1", "--max-ttft-increase", "10"],
      {
        GITHUB_STEP_SUMMARY: summary,
      },
    );
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}accuracy\/docvqa/);
    expect(readFileSync(summary, "utf8")).toMatch(/## Eval gate: ✅ passed/);
  });

  it("exits 1 on a real drop, after writing JUnit, summary and JSON", () => {
    const junit = join(root, "junit.xml");
    const summary = join(root, "summary.md");
    const r = cli([
      "gate",
      "--baseline",
      base,
      "--candidate",
      worse,
      "--max-drop",
      "2",
      "--min",
      "docvqa=50",
      "--junit",
      junit,
      "--summary",
      summary,
      "--json",
    ]);
    expect(r.status).toBe(1);
    const json = JSON.parse(r.stdout) as {
      pass: boolean;
      rules: { name: string; pass: boolean; detail: string }[];
    };
    expect(json.pass).toBe(false);
    expect(json.rules.map((x) => [x.name, x.pass])).toEqual([
      ["accuracy/docvqa", false],
      ["run/docvqa", true],
      ["min/docvqa", true],
    ]);
    expect(r.stderr).toMatch(/gate failed: accuracy\/docvqa/);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toMatch(/^<\?xml version="1.0"/);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toMatch(/<failure message="anls 60\.0 → 55\.0/);
    expect(readFileSync(summary, "utf8")).toMatch(/❌ failed/);
  });

  it("does not judge latency across devices", () => {
    const r = cli([
      "gate",
      "--baseline",
      base,
      "--candidate",
      slowOther,
      "--max-ttft-increase",
      "5",
      "--json",
    ]);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as { rules: { name: string; skipped: boolean; detail: string }[] };
    const lat = json.rules.find((x) => x.name === "latency/docvqa")!;
    expect(lat.skipped).toBe(true);
    expect(lat.detail).toMatch(/not judged: different device/);
  });

  it("exits 2 on bad flags, reporting every problem", () => {
    const r = cli(["gate", "--max-drop", "-1", "--min", "docvqa"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--baseline is required/);
    expect(r.stderr).toMatch(/--candidate is required/);
    expect(r.stderr).toMatch(/--max-drop -1/);
    expect(r.stderr).toMatch(/--min docvqa/);
  });

  it("refuses --max for a higher-is-better headline metric (exit 2), naming --min", () => {
    const r = cli([
      "gate",
      "--baseline",
      base,
      "--candidate",
      same,
      "--max",
      "docvqa=0.9",
      "--max",
      "nope=1",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /--max docvqa=…: docvqa's anls is higher-is-better, so it takes --min docvqa=VALUE/,
    );
    expect(r.stderr).toMatch(/--max nope=…: unknown task 'nope'/);
  });

  it("documents the direction rule in --help", () => {
    const r = cli(["gate", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--max <task=VALUE>/);
    expect(r.stdout).toMatch(/lower-is-better/);
  });
});
