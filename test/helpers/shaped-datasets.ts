/**
 * Fixture datasets in the real benchmarks' shape (many questions per image: GQA ~32, POPE 18, DocVQA ~4),
 * scaled down, for the reuse tests and bench/reuse.ts. Written once per option set into
 * `.cache/fixtures/shaped-<hash>` with a manifest.json like makeFixtures', so a fake Hub can serve the
 * folder and fixtureDatasetFiles can read it. Safe when several workers call it at once (temp folder, rename).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DatasetShape } from "../../scripts/fixtures/kit.js";
import { loadFixtureBuilder } from "../../scripts/make-fixtures.js";
import type { TaskSample } from "../../src/core/types.js";
import { loadSamples } from "../../src/data/samples.js";
import { TASKS } from "../../tasks/index.js";
import { fixtureDatasetFiles } from "./fixtures.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILDERS_DIR = join(REPO_ROOT, "scripts", "fixtures");

/** The tasks with a shaped fixture. */
export type ShapedTask = "gqa" | "pope" | "docvqa";

/** Shapes by task (only the tasks named are written). */
export type Shapes = Partial<Record<ShapedTask, DatasetShape>>;

/** Folder holding `datasets/<org>/<name>/…` for the shaped tasks (generated on first use). */
export async function shapedFixtureRoot(shapes: Shapes, seed = 1): Promise<string> {
  const hash = createHash("sha256");
  for (const f of readdirSync(BUILDERS_DIR).sort())
    hash.update(f).update(readFileSync(join(BUILDERS_DIR, f)));
  hash.update(readFileSync(join(REPO_ROOT, "test", "helpers", "shaped-datasets.ts")));
  const tasks = (Object.keys(shapes) as ShapedTask[]).sort();
  const key = hash
    .update(JSON.stringify({ seed, shapes: tasks.map((t) => [t, shapes[t]]) }))
    .digest("hex")
    .slice(0, 16);
  const base = join(REPO_ROOT, ".cache", "fixtures");
  const final = join(base, `shaped-${key}`);
  if (existsSync(join(final, "manifest.json"))) return final;
  await mkdir(base, { recursive: true });
  const tmp = join(base, `tmp-shaped-${key}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    const datasets: Record<string, { repo: string; files: string[] }> = {};
    for (const task of tasks) {
      const builder = await loadFixtureBuilder(task);
      const repo = builder.repo ?? TASKS[task]!.dataset.repo;
      const dir = join(tmp, "datasets", repo);
      await mkdir(dir, { recursive: true });
      // rowsPerTask is unused when a shape is given.
      const files = await builder.build(dir, 0, seed, { seed, shape: { [task]: shapes[task] } });
      datasets[task] = { repo, files: ["README.md", ...files] };
    }
    await writeFile(join(tmp, "manifest.json"), `${JSON.stringify({ seed, shapes, datasets }, null, 2)}\n`);
    await rename(tmp, final);
  } catch (err) {
    // Another worker renamed first (ENOTEMPTY/EEXIST): use its copy.
    if (!existsSync(join(final, "manifest.json"))) throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return final;
}

/** What a shaped dataset holds, counted from its rows as the data layer reads them (not from the shape). */
export interface DatasetCensus {
  /** Samples in file order. */
  samples: TaskSample[];
  /** sha256 of each sample's image bytes, by sample id. */
  imageOf: Map<string, string>;
  /** Distinct image byte strings over all samples. */
  distinctImages: number;
}

/** sha256 hex of bytes. */
export function bytesHash(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

/** Reads a shaped task's samples back through loadSamples and counts its distinct images. */
export async function census(root: string, task: ShapedTask): Promise<DatasetCensus> {
  const def = TASKS[task]!;
  const files = fixtureDatasetFiles(root, task, def.dataset);
  const samples: TaskSample[] = [];
  const imageOf = new Map<string, string>();
  for await (const s of loadSamples(def, files)) {
    samples.push(s);
    // Every shaped task has one image per question.
    imageOf.set(s.id, s.images.map((im) => bytesHash(im.bytes)).join("+"));
  }
  return { samples, imageOf, distinctImages: new Set(imageOf.values()).size };
}
