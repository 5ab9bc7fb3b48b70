import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ScoredSample } from "../../src/core/types.js";
import { compareTask } from "../../src/report/compare.js";
import {
  compareJson,
  compareMarkdown,
  compareRunSets,
  compareText,
} from "../../src/report/compare-report.js";
import { evaluateGate, gateJson, gateJunit, gateMarkdown, parseBounds } from "../../src/report/gate.js";
import { loadRun, loadRunSet } from "../../src/report/runs.js";
import { binaryScores, dropRight, latencies, makeRun, tempDir } from "./report-fixtures.js";

const N = 400;
const base = binaryScores(N, 0.6);

async function pair(
  candScores: number[],
  extra: {
    candTtft?: number[] | null;
    baseTtft?: number[] | null;
    candFingerprint?: string;
    scorer?: string;
  } = {},
) {
  const root = tempDir();
  const b = await makeRun(join(root, "base", "docvqa"), {
    scores: base,
    model: "base",
    ttft: extra.baseTtft,
    scorer: extra.scorer,
  });
  const c = await makeRun(join(root, "cand", "docvqa"), {
    scores: candScores,
    model: "cand",
    ttft: extra.candTtft,
    fingerprint: extra.candFingerprint,
    scorer: extra.scorer,
  });
  return { baseline: loadRunSet(b), candidate: loadRunSet(c), root };
}

/** Swaps k right→wrong and j wrong→right, from opposite ends so they hit different ids. */
function noisy(scores: number[], k: number, j: number): number[] {
  const out = [...scores];
  let a = k;
  for (let i = 0; i < out.length && a > 0; i++)
    if (out[i] === 1) {
      out[i] = 0;
      a--;
    }
  let b = j;
  for (let i = out.length - 1; i >= 0 && b > 0; i--)
    if (out[i] === 0 && scores[i] === 0) {
      out[i] = 1;
      b--;
    }
  return out;
}

const rules = { maxDropPoints: 0, min: {}, maxTtftIncreasePct: null };

/**
 * A scorer defined here, not in SCORERS (no real headline metric is lower-is-better yet): run.json names it
 * "cost", and it declares the runs' metric `anls` lower-is-better, the mean of per-sample costs.
 */
const costScorer = {
  aggregate: (samples: ScoredSample[]) => ({
    anls: samples.reduce((t, x) => t + x.result.score, 0) / samples.length,
  }),
  metrics: {
    anls: {
      description: "a cost",
      aggregation: "mean",
      higherIsBetter: false,
      ci: { method: "mean" as const },
    },
  },
};
const costScorers = (name: string) => (name === "cost" ? costScorer : undefined);

describe("gate decisions", () => {
  it("passes when nothing changed", async () => {
    const { baseline, candidate } = await pair(base);
    const r = evaluateGate(baseline, candidate, rules);
    expect(r.pass).toBe(true);
    expect(r.rules.map((x) => x.name)).toEqual(["accuracy/docvqa", "run/docvqa"]);
    expect(r.comparisons[0]!.delta).toBe(0);
  });

  it("fails a real 5-point drop on 400 samples", async () => {
    const { baseline, candidate } = await pair(dropRight(base, 20));
    const r = evaluateGate(baseline, candidate, { ...rules, maxDropPoints: 2 });
    expect(r.pass).toBe(false);
    const c = r.comparisons[0]!;
    expect(c.delta).toBeCloseTo(-0.05, 10);
    expect(c.ci[1]).toBeLessThan(0);
    expect(c.flips).toEqual({ rightToWrong: 20, wrongToRight: 0 });
    expect(r.rules[0]!.detail).toMatch(/drop exceeds 2 pts/);
  });

  it("reads a delta against the metric's direction: a fall in a lower-is-better metric is no drop", async () => {
    // The same runs as the 5-point drop above, scored by a scorer that declares its metric lower-is-better.
    const fell = await pair(dropRight(base, 20), { scorer: "cost" });
    const r = evaluateGate(
      fell.baseline,
      fell.candidate,
      { ...rules, maxDropPoints: 2 },
      { scorers: costScorers, resamples: 300 },
    );
    expect(r.comparisons[0]!.higherIsBetter).toBe(false);
    expect(r.comparisons[0]!.delta).toBeCloseTo(-0.05, 10);
    expect(r.rules[0]!.pass).toBe(true);
    expect(r.rules[0]!.detail).toMatch(/within the allowed drop/);
    // And a 5-point rise is the regression.
    const rose = await pair(noisy(base, 0, 20), { scorer: "cost" });
    const worse = evaluateGate(
      rose.baseline,
      rose.candidate,
      { ...rules, maxDropPoints: 2 },
      { scorers: costScorers, resamples: 300 },
    );
    expect(worse.comparisons[0]!.delta).toBeCloseTo(0.05, 10);
    expect(worse.comparisons[0]!.ci[0]).toBeGreaterThan(0);
    expect(worse.rules[0]!.pass).toBe(false);
    expect(worse.rules[0]!.detail).toMatch(/interval lies above zero \(lower anls is better\)/);
    // Without metadata (an unknown scorer) the same rise passes, as higher-is-better.
    expect(evaluateGate(rose.baseline, rose.candidate, { ...rules, maxDropPoints: 2 }).rules[0]!.pass).toBe(
      true,
    );
  });

  it("bounds a lower-is-better metric with --max (at most) and refuses the bound of the other direction", async () => {
    const { baseline, candidate } = await pair(base, { scorer: "cost" }); // anls 0.6, lower is better
    const judge = (
      bounds: { min?: Record<string, number>; max?: Record<string, number> },
      lookup = costScorers,
    ) =>
      evaluateGate(
        baseline,
        candidate,
        { ...rules, min: {}, ...bounds },
        { scorers: lookup, resamples: 100 },
      );
    const under = judge({ max: parseBounds("--max", ["docvqa=65"]) });
    expect(under.rules.find((x) => x.name === "max/docvqa")).toMatchObject({ pass: true });
    expect(under.rules.find((x) => x.name === "max/docvqa")!.detail).toMatch(/60\.0 ≤ maximum 65\.0/);
    const over = judge({ max: { docvqa: 0.55 } });
    expect(over.pass).toBe(false);
    expect(over.rules.find((x) => x.name === "max/docvqa")!.detail).toMatch(/60\.0 > maximum 55\.0/);
    // A floor on a cost would reward getting worse: refused, naming the flag to use.
    const floor = judge({ min: { docvqa: 0.5 } });
    expect(floor.rules.find((x) => x.name === "min/docvqa")).toMatchObject({ pass: false });
    expect(floor.rules.find((x) => x.name === "min/docvqa")!.detail).toMatch(
      /not judged: .*anls is lower-is-better, so it takes --max docvqa=VALUE/,
    );
    // And a ceiling on a higher-is-better metric (no metadata: higher is better) likewise.
    const ceiling = judge({ max: { docvqa: 0.9 } }, () => undefined);
    expect(ceiling.rules.find((x) => x.name === "max/docvqa")!.detail).toMatch(
      /anls is higher-is-better, so it takes --min docvqa=VALUE/,
    );
  });

  it("compare reads flips and failed samples against a lower-is-better metric", async () => {
    // Twenty 0 → 1 changes: better for a score, worse for a cost.
    const rose = await pair(noisy(base, 0, 20), { scorer: "cost" });
    const [b, c] = [rose.baseline.get("docvqa")!, rose.candidate.get("docvqa")!];
    expect(compareTask(b, c, { resamples: 100 }).flips).toEqual({ rightToWrong: 0, wrongToRight: 20 });
    expect(compareTask(b, c, { scorers: costScorers, resamples: 100 }).flips).toEqual({
      rightToWrong: 20,
      wrongToRight: 0,
    });
    // A failed sample is the worst value: 0 for a score (no change from a wrong 0), 1 for a cost.
    const root = tempDir();
    const wrong = base.indexOf(0);
    const bRun = loadRun(await makeRun(join(root, "b"), { scores: base, scorer: "cost" }));
    const cRun = loadRun(await makeRun(join(root, "c"), { scores: base, scorer: "cost", failed: [wrong] }));
    expect(compareTask(bRun, cRun, { resamples: 100 }).delta).toBe(0);
    const cost = compareTask(bRun, cRun, { scorers: costScorers, resamples: 100 });
    expect(cost.delta).toBeCloseTo(1 / N, 12);
    expect(cost.flips).toEqual({ rightToWrong: 1, wrongToRight: 0 });
    // The reports say which way is better.
    const report = compareRunSets(
      [
        { label: "b", runs: new Map([["docvqa", bRun]]) },
        { label: "c", runs: new Map([["docvqa", cRun]]) },
      ],
      { scorers: costScorers, resamples: 100 },
    );
    expect(compareText(report)).toContain("anls (lower is better)");
    expect(compareJson(report)[0]).toMatchObject({ metric: "anls", higherIsBetter: false });
  });

  it("passes a 1-point drop inside noise with --max-drop 2, and even with --max-drop 0", async () => {
    const cand = noisy(base, 30, 26);
    const { baseline, candidate } = await pair(cand);
    const c = compareTask(baseline.get("docvqa")!, candidate.get("docvqa")!);
    expect(c.delta).toBeCloseTo(-0.01, 10);
    expect(c.ci[0]).toBeLessThan(0);
    expect(c.ci[1]).toBeGreaterThan(0);
    expect(evaluateGate(baseline, candidate, { ...rules, maxDropPoints: 2 }).pass).toBe(true);
    const strict = evaluateGate(baseline, candidate, rules);
    expect(strict.pass).toBe(true);
    expect(strict.rules[0]!.detail).toMatch(/within noise/);
  });

  it("does not judge a latency regression on another device", async () => {
    const { baseline, candidate } = await pair(base, {
      baseTtft: latencies(20, 100),
      candTtft: latencies(20, 200),
      candFingerprint: "dev-b",
    });
    const r = evaluateGate(baseline, candidate, { ...rules, maxTtftIncreasePct: 10 });
    expect(r.pass).toBe(true);
    const lat = r.rules.find((x) => x.name === "latency/docvqa")!;
    expect(lat.skipped).toBe(true);
    expect(lat.detail).toMatch(/not judged: different device/);
  });

  it("fails a latency regression on the same device and passes a small one", async () => {
    const slow = await pair(base, { baseTtft: latencies(20, 100), candTtft: latencies(20, 150) });
    const r = evaluateGate(slow.baseline, slow.candidate, { ...rules, maxTtftIncreasePct: 10 });
    const lat = r.rules.find((x) => x.name === "latency/docvqa")!;
    expect(lat.pass).toBe(false);
    expect(lat.detail).toMatch(/\+50\.0%/);
    expect(r.pass).toBe(false);
    const same = await pair(base, { baseTtft: latencies(20, 100), candTtft: latencies(20, 103) });
    expect(evaluateGate(same.baseline, same.candidate, { ...rules, maxTtftIncreasePct: 10 }).pass).toBe(true);
  });

  it("judges latency on p50 alone when per-sample serial timings are missing, and says so", async () => {
    const { baseline, candidate } = await pair(base, {
      baseTtft: latencies(20, 100),
      candTtft: latencies(20, 150),
    });
    for (const set of [baseline, candidate]) set.get("docvqa")!.serialTtftMs = null;
    const lat = evaluateGate(baseline, candidate, { ...rules, maxTtftIncreasePct: 10 }).rules[1]!;
    expect(lat.pass).toBe(false);
    expect(lat.detail).toMatch(/p50 alone/);
  });

  it("applies --min in fractions or points", async () => {
    const { baseline, candidate } = await pair(base);
    expect(parseBounds("--min", ["docvqa=0.55", "pope=85"])).toEqual({ docvqa: 0.55, pope: 0.85 });
    expect(() => parseBounds("--min", ["docvqa", "x=abc", "y=200"])).toThrow(
      /--min docvqa[\s\S]*--min x=abc[\s\S]*--min y=200/,
    );
    expect(() => parseBounds("--max", ["docvqa=-1"])).toThrow(/--max docvqa=-1: expected task=VALUE/);
    const ok = evaluateGate(baseline, candidate, { ...rules, min: parseBounds("--min", ["docvqa=55"]) });
    expect(ok.pass).toBe(true);
    const low = evaluateGate(baseline, candidate, { ...rules, min: parseBounds("--min", ["docvqa=0.65"]) });
    expect(low.pass).toBe(false);
    expect(low.rules.find((x) => x.name === "min/docvqa")!.detail).toMatch(/60\.0 < minimum 65\.0/);
    const missing = evaluateGate(baseline, candidate, { ...rules, min: { pope: 0.5 } });
    expect(missing.rules.find((x) => x.name === "min/pope")!.pass).toBe(false);
  });

  it("fails when the task version differs (not comparable)", async () => {
    const root = tempDir();
    const b = await makeRun(join(root, "b"), { scores: base });
    const c = await makeRun(join(root, "c"), { scores: base, taskVersion: 2 });
    const r = evaluateGate(loadRunSet(b), loadRunSet(c), rules);
    expect(r.pass).toBe(false);
    expect(r.rules[0]!.detail).toMatch(/task version 1 vs 2/);
  });

  it("recomputes a set-level metric (F1) on every resample with the scorer's aggregate", async () => {
    const root = tempDir();
    const refs = Array.from({ length: 200 }, (_, i) => ({
      answer: i % 2 === 0 ? "yes" : "no",
      category: "random",
    }));
    const scores = refs.map((_, i) => (i % 5 === 0 ? 0 : 1));
    const b = loadRun(
      await makeRun(join(root, "b"), { task: "pope", scores, references: refs, scorer: "pope" }),
    );
    // Ten right "no" answers turn into wrong "yes": false positives only, so F1 moves less than accuracy.
    const worse = [...scores];
    for (let i = 1, k = 0; k < 10; i += 2) {
      if (worse[i] === 1) {
        worse[i] = 0;
        k++;
      }
    }
    const c = loadRun(
      await makeRun(join(root, "c"), { task: "pope", scores: worse, references: refs, scorer: "pope" }),
    );
    let calls = 0;
    // F1 of "yes" from score + reference (a right answer repeats the reference).
    const f1 = (samples: ScoredSample[]): Record<string, number> => {
      calls++;
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (const s of samples) {
        const gold = (s.reference as { answer: string }).answer === "yes";
        const said = s.result.score === 1 ? gold : !gold;
        if (said && gold) tp++;
        else if (said) fp++;
        else if (gold) fn++;
      }
      return { f1: (2 * tp) / (2 * tp + fp + fn) };
    };
    const cmp = compareTask(b, c, {
      scorers: (name) => (name === "pope" ? { aggregate: f1 } : undefined),
      resamples: 200,
    });
    expect(cmp.method).toBe("scorer-aggregate");
    expect(calls).toBeGreaterThan(400);
    const all = (x: typeof b) =>
      f1(
        x.samples.map((s) => ({
          id: s.id,
          reference: s.reference,
          result: { score: s.score ?? 0, parsed: null, parseOk: true, rule: "" },
        })),
      ).f1!;
    expect(cmp.delta).toBeCloseTo(all(c) - all(b), 10);
    // The mean of scores would differ from the F1 difference here.
    expect(Math.abs(cmp.delta - -10 / 200)).toBeGreaterThan(1e-3);
  });
});

/** A small XML well-formedness check: balanced tags, quoted attributes, only known entities. */
function checkXml(xml: string): string[] {
  const problems: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  // biome-ignore lint/suspicious/noAssignInExpressions: classic tokenizer loop
  while ((m = re.exec(body)) !== null) {
    if (m[6]) problems.push(`stray < at ${m.index}`);
    else if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[5])) problems.push(`bad entity in text at ${m.index}`);
    } else if (m[1]) {
      if (stack.pop() !== m[2]) problems.push(`unbalanced </${m[2]}>`);
    } else {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[3] ?? ""))
        problems.push(`bad entity in attribute at ${m.index}`);
      if (!m[4]) stack.push(m[2]!);
    }
  }
  if (stack.length > 0) problems.push(`unclosed ${stack.join(",")}`);
  return problems;
}

describe("gate reports", () => {
  it("writes well-formed JUnit XML with one testcase per rule and escaped details", async () => {
    const result = {
      pass: false,
      comparisons: [],
      rules: [
        { name: "accuracy/docvqa", pass: false, skipped: false, detail: `drop <5> & "quotes" 'x' \u0001` },
        { name: "latency/docvqa", pass: true, skipped: true, detail: "not judged: different device" },
        { name: "min/pope", pass: true, skipped: false, detail: "ok" },
      ],
    };
    const xml = gateJunit(result);
    expect(checkXml(xml)).toEqual([]);
    expect(checkXml("<a><b></a>")).not.toEqual([]);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml.match(/<skipped /g)).toHaveLength(1);
    expect(xml).toContain("drop &lt;5&gt; &amp; &quot;quotes&quot; &apos;x&apos; ");
    expect(xml).toMatch(/tests="3" failures="1"/);
    const md = gateMarkdown(result, { baseline: "a", candidate: "b" });
    expect(md).toContain("❌ failed");
    expect(md).toContain("FAIL");
    expect(md).toContain("drop &lt;5&gt;");
  });
});

describe("failed samples in compare and gate", () => {
  it("says how many shared ids failed on each side, in JSON, text and Markdown", async () => {
    const root = tempDir();
    const scores = binaryScores(40, 0.5);
    const b = await makeRun(join(root, "base", "docvqa"), { scores, model: "base", failed: [0, 1] });
    const c = await makeRun(join(root, "cand", "docvqa"), { scores, model: "cand", failed: [2, 3, 4] });
    const baseline = loadRunSet(b);
    const candidate = loadRunSet(c);
    const cmp = compareTask(baseline.get("docvqa")!, candidate.get("docvqa")!);
    expect(cmp.failed).toEqual({ baseline: 2, candidate: 3 });
    const sets = [
      { label: "base", runs: baseline },
      { label: "cand", runs: candidate },
    ];
    const report = compareRunSets(sets);
    expect((compareJson(report)[0] as { failed: unknown }).failed).toEqual({ baseline: 2, candidate: 3 });
    const line =
      /docvqa: 2 shared sample\(s\) failed in the baseline and 3 in the candidate; they count as wrong/;
    expect(compareText(report)).toMatch(line);
    expect(compareMarkdown(report)).toMatch(line);

    const gate = evaluateGate(baseline, candidate, rules);
    const acc = gate.rules[0]!;
    expect(acc.failed).toEqual({ baseline: 2, candidate: 3 });
    expect(acc.detail).toMatch(/2 shared sample\(s\) failed in the baseline and 3 in the candidate/);
    expect(gateJson(gate).rules[0]!.failed).toEqual({ baseline: 2, candidate: 3 });
    expect(gateMarkdown(gate, { baseline: "base", candidate: "cand" })).toMatch(/3 in the candidate/);
  });

  it("stays quiet when nothing failed", async () => {
    const root = tempDir();
    const scores = binaryScores(40, 0.5);
    const b = await makeRun(join(root, "base", "docvqa"), { scores, model: "base" });
    const c = await makeRun(join(root, "cand", "docvqa"), { scores, model: "cand" });
    const sets = [
      { label: "base", runs: loadRunSet(b) },
      { label: "cand", runs: loadRunSet(c) },
    ];
    const report = compareRunSets(sets);
    expect(report.entries[0]!.failed).toEqual({ baseline: 0, candidate: 0 });
    expect(compareText(report)).not.toMatch(/failed in the baseline/);
    const gate = evaluateGate(sets[0]!.runs, sets[1]!.runs, rules);
    expect(gate.rules[0]!.detail).not.toMatch(/failed/);
  });
});
