/**
 * Writes every benchmark's dataset in its real Hub schema and file layout, small and synthetic, for tests
 * and the bundled demo. The set is the task registry: each task of TASKS has one builder module,
 * scripts/fixtures/<task>.ts, exporting `fixture` (a missing one is an error naming the file):
 *
 *   <outDir>/datasets/<org>/<name>/README.md        (card with `configs:` front matter)
 *   <outDir>/datasets/<org>/<name>/<config files>   (parquet, several row groups, snappy + one zstd)
 *
 * Deterministic for a given seed and option set. Run:
 *   node --import tsx scripts/make-fixtures.ts <outDir> [--rows N] [--seed S] [--corrupt task:row,…]
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TASKS } from "../tasks/index.js";
import type { FixtureBuilder, FixtureOptions } from "./fixtures/kit.js";

export type { FixtureOptions } from "./fixtures/kit.js";

/** What makeFixtures wrote. */
export interface FixtureManifest {
  /** The outDir passed in. */
  root: string;
  /** Per task: the dataset repo id and its folder. */
  datasets: Record<FixtureTask, { repo: string; dir: string; files: string[] }>;
}

/** A task name with a fixture dataset: every key of TASKS. */
export type FixtureTask = string;

/** Task names with a fixture dataset, in registry order (a repo shared by two tasks is written in this order). */
export const FIXTURE_TASKS: readonly FixtureTask[] = Object.keys(TASKS);

/** The module that builds a task's fixture dataset, relative to the repository root. */
export function fixtureModulePath(task: string): string {
  return `scripts/fixtures/${task}.ts`;
}

/** Loads scripts/fixtures/<task>.ts; throws naming the file when it is missing or exports no `fixture`. */
export async function loadFixtureBuilder(task: string): Promise<FixtureBuilder> {
  let mod: { fixture?: FixtureBuilder };
  try {
    // Found by name, so a new task needs no registry line here; same extension as this module (.ts or built .js).
    const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
    mod = (await import(new URL(`./fixtures/${task}${ext}`, import.meta.url).href)) as {
      fixture?: FixtureBuilder;
    };
  } catch (err) {
    throw new Error(
      `task '${task}' has no fixture module: add ${fixtureModulePath(task)} exporting \`fixture\``,
      {
        cause: err,
      },
    );
  }
  if (typeof mod.fixture?.build !== "function") {
    throw new Error(`${fixtureModulePath(task)} must export \`fixture\` (a FixtureBuilder)`);
  }
  return mod.fixture;
}

/** Writes every fixture dataset under `<outDir>/datasets/<org>/<name>/` and a manifest.json. */
export async function makeFixtures(outDir: string, opts: FixtureOptions = {}): Promise<FixtureManifest> {
  const n = opts.rowsPerTask ?? 16;
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(n) || n < 3) throw new Error(`rowsPerTask must be an integer ≥ 3, got ${n}`);
  const datasets = {} as FixtureManifest["datasets"];
  const started = new Set<string>();
  for (const task of FIXTURE_TASKS) {
    const builder = await loadFixtureBuilder(task);
    const repo = builder.repo ?? TASKS[task]!.dataset.repo;
    const dir = join(outDir, "datasets", repo);
    await mkdir(dir, { recursive: true });
    // A card from an earlier run into the same folder must not be merged into (writeCard adds configs).
    if (!started.has(repo)) await rm(join(dir, "README.md"), { force: true });
    started.add(repo);
    const files = await builder.build(dir, n, seed, opts);
    datasets[task] = { repo, dir, files: ["README.md", ...files] };
  }
  const manifest: FixtureManifest = { root: outDir, datasets };
  const portable = Object.fromEntries(
    Object.entries(datasets).map(([t, d]) => [t, { repo: d.repo, files: d.files }]),
  );
  await writeFile(
    join(outDir, "manifest.json"),
    `${JSON.stringify({ rowsPerTask: n, seed, corruptImages: opts.corruptImages ?? {}, datasets: portable }, null, 2)}\n`,
  );
  return manifest;
}

async function cli(argv: string[]): Promise<void> {
  const out = argv[0];
  if (!out || out.startsWith("-")) {
    process.stderr.write(
      "usage: node --import tsx scripts/make-fixtures.ts <outDir> [--rows N] [--seed S] [--corrupt task:row,…]\n",
    );
    process.exitCode = 2;
    return;
  }
  const opts: FixtureOptions = {};
  for (let k = 1; k < argv.length; k += 2) {
    const flag = argv[k];
    const value = argv[k + 1] ?? "";
    if (flag === "--rows") opts.rowsPerTask = Number(value);
    else if (flag === "--seed") opts.seed = Number(value);
    else if (flag === "--corrupt") {
      const corrupt: Partial<Record<FixtureTask, number[]>> = {};
      for (const item of value.split(",")) {
        const [t, row] = item.split(":");
        if (!t || !(t in TASKS) || row === undefined) throw new Error(`bad --corrupt item '${item}'`);
        corrupt[t as FixtureTask] = [...(corrupt[t as FixtureTask] ?? []), Number(row)];
      }
      opts.corruptImages = corrupt;
    } else throw new Error(`unknown flag ${flag}`);
  }
  const m = await makeFixtures(out, opts);
  process.stderr.write(`wrote ${Object.keys(m.datasets).length} datasets under ${out}/datasets\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await cli(process.argv.slice(2));
}
