/**
 * The registries are the single source of truth: every task of TASKS and every scorer of SCORERS comes with
 * the pieces tasks/README.md and scorers/README.md list, and each failure names the missing piece and what
 * to do. Scorers: registered under their own name, the primary metric and every reported metric declared
 * with a CI method, golden cases next to it (scorers/<key>.golden.ts; and no golden module without a scorer),
 * reference oracle cases. Tasks: a registered scorer, a prompt snapshot, a
 * fixture module, current demo data, a row in README.md and tasks/README.md (and docs/benchmarks.md).
 * The model cards' table (src/report/card-reference.ts) has a number for exactly the `fastvlm-card` group's
 * tasks, in the group's order, each a registered task with a primary metric.
 * And the layering the registries rely on: no import cycle, no circle between folders.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { GoldenSet } from "../../scorers/golden.js";
import { SCORERS } from "../../scorers/index.js";
import { fixtureModulePath, loadFixtureBuilder } from "../../scripts/make-fixtures.js";
import type { Json, ScoredSample } from "../../src/core/types.js";
import { CARD_METRICS, PUBLISHED } from "../../src/report/card-reference.js";
import { metricSpec } from "../../src/stats/metrics.js";
import { FASTVLM_CARD, TASK_GROUPS } from "../../tasks/groups.js";
import { TASKS } from "../../tasks/index.js";
import { fixtureRoot } from "../helpers/fixtures.js";
import { goldenModuleKeys, goldenModulePath, loadGolden } from "../helpers/golden.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

/** A scorer's golden cases, or the error that says why they cannot be loaded. */
async function goldenOf(key: string): Promise<GoldenSet<Json> | Error> {
  try {
    return await loadGolden(key);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The metric names a scorer's aggregate reports over its golden cases and golden sets. */
function reportedMetrics(key: string, golden: GoldenSet<Json>): string[] {
  const scorer = SCORERS[key]!;
  const sets = [golden.cases, ...(golden.aggregates ?? []).map((a) => a.samples)];
  const names = new Set<string>();
  for (const set of sets) {
    const samples: ScoredSample<Json>[] = set.map((c, i) => {
      const id = c.id ?? String(i);
      return { id, reference: c.reference, result: scorer.scoreSample(c.prediction, c.reference, id) };
    });
    for (const name of Object.keys(scorer.aggregate(samples))) names.add(name);
  }
  return [...names];
}

describe("every scorer", () => {
  const golden = new Map<string, GoldenSet<Json> | Error>();
  beforeAll(async () => {
    for (const key of Object.keys(SCORERS)) golden.set(key, await goldenOf(key));
  });
  it("every golden module belongs to a registered scorer", () => {
    const orphans = goldenModuleKeys().filter((key) => !Object.hasOwn(SCORERS, key));
    expect(
      orphans.map(goldenModulePath),
      "golden cases without a scorer: register the scorer in scorers/index.ts under that key, or rename the file",
    ).toEqual([]);
  });
  for (const [key, scorer] of Object.entries(SCORERS)) {
    it(`${key}: registered under its name, primary and every reported metric declared with a CI method`, () => {
      expect(scorer.name, `SCORERS.${key} is a scorer named '${scorer.name}'`).toBe(key);
      expect(
        Object.hasOwn(scorer.metrics, scorer.primary),
        `scorer ${key}: its primary metric '${scorer.primary}' is not declared in \`metrics\``,
      ).toBe(true);
      for (const [metric, spec] of Object.entries(scorer.metrics)) {
        expect(
          ["mean", "bootstrap"],
          `scorer ${key}: metric '${metric}' declares no CI method (ci.method "mean" or "bootstrap")`,
        ).toContain(spec.ci?.method);
        expect(
          spec.description.length,
          `scorer ${key}: metric '${metric}' has no description`,
        ).toBeGreaterThan(0);
      }
      const cases = golden.get(key)!;
      if (cases instanceof Error) return; // reported by the golden-cases test below
      for (const metric of reportedMetrics(key, cases)) {
        expect(
          metricSpec(scorer, metric),
          `scorer ${key}: aggregate() reports '${metric}', which is neither in \`metrics\` nor matched by \`breakdowns\``,
        ).toBeDefined();
      }
    });
    it(`${key}: ≥ 30 golden cases and reference oracle cases`, () => {
      const cases = golden.get(key)!;
      expect(cases instanceof Error, cases instanceof Error ? cases.message : "").toBe(false);
      expect(
        (cases as GoldenSet<Json>).cases.length,
        `scorer ${key}: needs ≥ 30 golden cases in ${goldenModulePath(key)}`,
      ).toBeGreaterThanOrEqual(30);
      const oracle = `test/unit/scorers/fixtures/oracle-${key}.json`;
      expect(existsSync(join(ROOT, oracle)), `scorer ${key}: no reference oracle cases (${oracle})`).toBe(
        true,
      );
    });
  }
});

describe("every task", () => {
  const manifest = JSON.parse(read("demo/data/manifest.json")) as {
    rowsPerTask: number;
    seed: number;
    datasets: Record<string, { repo: string; files: string[] }>;
  };
  const readme = read("README.md");
  const tasksReadme = read("tasks/README.md");
  const benchmarksDoc = read("docs/benchmarks.md");
  let fresh = "";
  let freshError: unknown = null;
  // The demo data as the current builders write it with the demo's options (cached like every fixture root).
  // A builder that cannot run is reported by the demo-data tests, so the other checks still name their pieces.
  beforeAll(async () => {
    try {
      fresh = await fixtureRoot({ rowsPerTask: manifest.rowsPerTask, seed: manifest.seed });
    } catch (err) {
      freshError = err;
    }
  }, 120_000);

  for (const [name, task] of Object.entries(TASKS)) {
    it(`${name}: registered scorer, prompt snapshot, fixture module`, async () => {
      expect(task.name, `TASKS.${name} is a task named '${task.name}'`).toBe(name);
      expect(
        SCORERS[task.scorer.name],
        `task ${name}: its scorer '${task.scorer.name}' is not the one registered in scorers/index.ts`,
      ).toBe(task.scorer);
      const snapshot = `test/snapshots/prompts/${name}.json`;
      expect(
        existsSync(join(ROOT, snapshot)),
        `task ${name}: no prompt snapshot (${snapshot}: frozen rows and the reference's exact prompts; see tasks/README.md)`,
      ).toBe(true);
      expect(
        existsSync(join(ROOT, fixtureModulePath(name))),
        `task ${name}: no ${fixtureModulePath(name)}`,
      ).toBe(true);
      await expect(loadFixtureBuilder(name)).resolves.toHaveProperty("build");
    });

    it(`${name}: demo data current`, () => {
      const stale = `task ${name}: demo/data is not current; run \`npm run demo:data\``;
      expect(
        freshError,
        `the fixture builders failed, so demo/data cannot be checked: ${freshError}`,
      ).toBeNull();
      const entry = manifest.datasets[name];
      expect(entry, stale).toBeDefined();
      const want = (JSON.parse(readFileSync(join(fresh, "manifest.json"), "utf8")) as typeof manifest)
        .datasets[name]!;
      expect(entry, stale).toEqual(want);
      for (const f of want.files) {
        const committed = join(ROOT, "demo/data/datasets", want.repo, f);
        expect(existsSync(committed), `${stale} (missing ${want.repo}/${f})`).toBe(true);
        const same = readFileSync(committed).equals(readFileSync(join(fresh, "datasets", want.repo, f)));
        expect(same, `${stale} (${want.repo}/${f} differs)`).toBe(true);
      }
    });

    it(`${name}: rows in README.md, tasks/README.md and docs/benchmarks.md`, () => {
      expect(readme, `task ${name}: no row \`| \\\`${name}\\\` |\` in README.md's task table`).toContain(
        `| \`${name}\` |`,
      );
      const row = tasksReadme.split("\n").find((l) => new RegExp(`^\\| ${name} +\\|`).test(l));
      expect(row, `task ${name}: no row in tasks/README.md's table`).toBeDefined();
      const headline = `${task.scorer.name} → \`${task.scorer.primary}\``;
      expect(
        row,
        `task ${name}: tasks/README.md should name its scorer and headline as ${headline}`,
      ).toContain(headline);
      expect(
        benchmarksDoc,
        `task ${name}: no section \`## ${name}\` or \`### ${name}\` in docs/benchmarks.md`,
      ).toMatch(new RegExp(`^#{2,3} ${name}$`, "m"));
    });
  }
});

describe("the model cards' table", () => {
  it("fastvlm-card is the group of the card's tasks, each registered (its primary metric is the card's metric)", () => {
    expect(TASK_GROUPS["fastvlm-card"]?.tasks, "the fastvlm-card group lists FASTVLM_CARD").toBe(
      FASTVLM_CARD,
    );
    const unregistered = FASTVLM_CARD.filter((t) => !(t in TASKS));
    expect(unregistered, "card tasks missing from TASKS (register them in tasks/index.ts)").toEqual([]);
    expect(Object.keys(CARD_METRICS), "CARD_METRICS follows the group").toEqual([...FASTVLM_CARD]);
  });
  for (const card of PUBLISHED) {
    it(`${card.model}: a number for each fastvlm-card task, in the group's order`, () => {
      const tasks = Object.keys(card.points);
      expect(
        FASTVLM_CARD.filter((t) => !tasks.includes(t)),
        `${card.model}: fastvlm-card tasks without a published number (add them to PUBLISHED in src/report/card-reference.ts, or drop them from the group in tasks/groups.ts)`,
      ).toEqual([]);
      expect(
        tasks.filter((t) => !FASTVLM_CARD.includes(t)),
        `${card.model}: published numbers for tasks outside the fastvlm-card group (add them to the group in tasks/groups.ts)`,
      ).toEqual([]);
      expect(tasks, `${card.model}: numbers out of the cards' row order (the group's order)`).toEqual([
        ...FASTVLM_CARD,
      ]);
    });
  }
});

/**
 * Relative imports (type-only ones included) of every module under src/ (the browser client aside), tasks/,
 * scorers/ and scripts/.
 */
function importGraph(): Map<string, Set<string>> {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory() && rel !== join("src", "view", "client")) walk(rel);
      else if (e.isFile() && e.name.endsWith(".ts")) files.push(normalize(rel));
    }
  };
  for (const top of ["src", "tasks", "scorers", "scripts"]) walk(top);
  const known = new Set(files);
  const graph = new Map<string, Set<string>>();
  const spec =
    /(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)|import\s+"(\.[^"]+)"/g;
  for (const f of files) {
    const edges = new Set<string>();
    for (const m of readFileSync(join(ROOT, f), "utf8").matchAll(spec)) {
      const target = normalize(join(dirname(f), (m[1] ?? m[2] ?? m[3])!)).replace(/\.js$/, ".ts");
      if (known.has(target)) edges.add(target);
    }
    graph.set(f, edges);
  }
  return graph;
}

/** The folder a module belongs to for layering: `src/<area>`, or the top folder (tasks, scorers, scripts). */
function layer(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[0] === "src" ? `src/${parts[1]}` : parts[0]!;
}

describe("the import graph", () => {
  const graph = importGraph();
  it("has no import cycle between modules, type-only imports included", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (f: string): void => {
      state.set(f, "open");
      path.push(f);
      // Type-only cycles too: they erase at runtime but still tie two modules together (move the shared types down).
      for (const d of graph.get(f)!) {
        if (state.get(d) === "open") cycles.push([...path.slice(path.indexOf(d)), d].join(" → "));
        else if (!state.has(d)) visit(d);
      }
      path.pop();
      state.set(f, "done");
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles, "import cycles (break them by moving the shared piece down a layer)").toEqual([]);
  });
  it("has no circle between folders (stats ↔ scorers, report ↔ tasks, …), type imports included", () => {
    const edges = new Map<string, Map<string, string>>();
    for (const [f, e] of graph) {
      for (const d of e) {
        const [a, b] = [layer(f), layer(d)];
        if (a === b) continue;
        if (!edges.has(a)) edges.set(a, new Map());
        if (!edges.get(a)!.has(b)) edges.get(a)!.set(b, `${f} → ${d}`);
      }
    }
    const circles: string[] = [];
    for (const [a, out] of edges)
      for (const [b, why] of out) {
        const back = edges.get(b)?.get(a);
        if (back !== undefined && a < b) circles.push(`${a} ↔ ${b}: ${why}; ${back}`);
      }
    expect(circles).toEqual([]);
    // The scan sees the imports it should: tasks import scorers, and stats imports no scorer.
    expect(edges.get("tasks")?.has("scorers")).toBe(true);
    expect(edges.get("src/stats")?.has("scorers")).toBeFalsy();
  });
});
