/** `fastvlm-eval compare` end to end through dist/src/cli.js on constructed run folders. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { binaryScores, latencies, makeRun, tempDir } from "../unit/report-fixtures.js";

const CLI = join(fileURLToPath(new URL("../..", import.meta.url)), "dist", "src", "cli.js");

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const N = 200;
let a: string;
let b: string;
let otherDevice: string;
let planted: { r2w: number[]; w2r: number[] };

describe("compare", () => {
  beforeAll(async () => {
    const root = tempDir("fastvlm-compare-");
    const base = binaryScores(N, 0.5);
    // Planted flips: the first three right answers turn wrong, the first wrong answer turns right.
    const cand = [...base];
    const r2w = base.flatMap((s, i) => (s === 1 ? [i] : [])).slice(0, 3);
    const w2r = base.flatMap((s, i) => (s === 0 ? [i] : [])).slice(0, 1);
    for (const i of r2w) cand[i] = 0;
    for (const i of w2r) cand[i] = 1;
    const preds = base.map((_, i) => `base answer ${i}`);
    const candPreds = base.map((_, i) => (i === r2w[0] ? 'says "<b>no</b>"' : `cand answer ${i}`));
    a = await makeRun(join(root, "a", "docvqa"), {
      scores: base,
      model: "ckpt-a",
      predictions: preds,
      ttft: latencies(10, 100),
    });
    await makeRun(join(root, "a", "pope"), { task: "pope", scores: binaryScores(N, 0.8), model: "ckpt-a" });
    b = await makeRun(join(root, "b", "docvqa"), {
      scores: cand,
      model: "ckpt-b",
      predictions: candPreds,
      ttft: latencies(10, 120),
    });
    await makeRun(join(root, "b", "pope"), { task: "pope", scores: binaryScores(N, 0.8), model: "ckpt-b" });
    otherDevice = await makeRun(join(root, "c", "docvqa"), {
      scores: cand,
      model: "ckpt-c",
      ttft: latencies(10, 50),
      fingerprint: "dev-z",
      cpu: "Other CPU",
    });
    planted = { r2w, w2r };
  });

  it("reports planted flips, deltas with CIs and same-device latency in JSON", () => {
    const r = cli(["compare", join(a, ".."), join(b, ".."), "--json", "--seed", "7"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(out.map((e) => e.task)).toEqual(["docvqa", "pope"]);
    const d = out[0] as {
      metric: string;
      values: number[];
      delta: number;
      ci: number[];
      flips: { rightToWrong: number; wrongToRight: number };
      examples: {
        rightToWrong: { id: string; baseline: string; candidate: string }[];
        wrongToRight: { id: string }[];
      };
      latency: { status: string; deltaP50Ms: number };
    };
    expect(d.metric).toBe("anls");
    expect(d.values).toEqual([0.5, 0.49]);
    expect(d.delta).toBeCloseTo(-0.01, 10);
    expect(d.ci[0]).toBeLessThan(d.delta);
    expect(d.ci[1]).toBeGreaterThan(d.delta);
    expect(d.flips).toEqual({ rightToWrong: 3, wrongToRight: 1 });
    const { r2w, w2r } = planted;
    const id = (i: number) => `s${String(i).padStart(4, "0")}`;
    expect(d.examples.rightToWrong.map((x) => x.id)).toEqual(r2w.map(id));
    expect(d.examples.wrongToRight.map((x) => x.id)).toEqual(w2r.map(id));
    expect(d.examples.rightToWrong[0]!.candidate).toBe('says "<b>no</b>"');
    expect(d.latency.status).toBe("compared");
    expect(d.latency.deltaP50Ms).toBeGreaterThan(15);
    const p = out[1] as { delta: number; flips: { rightToWrong: number } };
    expect(p.delta).toBe(0);
    // Same seed, same interval.
    const again = JSON.parse(
      cli(["compare", join(a, ".."), join(b, ".."), "--json", "--seed", "7"]).stdout,
    ) as typeof out;
    expect(again[0]!.ci).toEqual(d.ci);
  });

  it("says plainly when latency is from another device, in the table and Markdown", () => {
    const t = cli(["compare", a, otherDevice]);
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/other device/);
    expect(t.stdout).toMatch(/latency not compared: different device: Test CPU .* vs Other CPU/);
    expect(t.stdout).toMatch(/right→wrong \(3; first 3\)/);
    const md = cli(["compare", a, b, "--md"]);
    expect(md.status).toBe(0);
    expect(md.stdout).toMatch(/^## Compare/);
    expect(md.stdout).toMatch(/\| docvqa \| anls \| 50\.0 ckpt-a \| 49\.0 ckpt-b \| -1\.0 \|/);
    // Outputs are escaped in Markdown.
    expect(md.stdout).toContain("&lt;b&gt;no&lt;/b&gt;");
    expect(md.stdout).not.toContain("<b>");
  });

  it("exits 2 on usage errors", () => {
    expect(cli(["compare", a]).status).toBe(2);
    const missing = cli(["compare", a, "/nonexistent/folder"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/not a folder/);
  });
});
