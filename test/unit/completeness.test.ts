/**
 * Every registered task and scorer comes with the pieces the checklists in tasks/README.md and
 * scorers/README.md ask for: a prompt snapshot, a fixture builder and demo data, golden cases and reference
 * oracle cases for its scorer, and rows in the README and docs tables. A new benchmark cannot skip one.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SCORERS } from "../../scorers/index.js";
import { FIXTURE_TASKS } from "../../scripts/make-fixtures.js";
import { TASKS } from "../../tasks/index.js";
import * as CARD from "./scorers/golden-card.js";
import * as ORIGINAL from "./scorers/golden-cases.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

/** Golden tables by scorer key (MMMU's MC and open tables both count). */
const GOLDEN: Record<string, readonly unknown[][]> = {
  exact_match: [ORIGINAL.EXACT_MATCH],
  vqa_accuracy: [ORIGINAL.VQA],
  anls: [ORIGINAL.ANLS],
  pope: [ORIGINAL.POPE],
  seed: [ORIGINAL.SEED],
  mmmu: [ORIGINAL.MMMU_MC, ORIGINAL.MMMU_OPEN],
  relaxed_correctness: [CARD.RELAXED],
  ocrbench: [CARD.OCRBENCH],
  ai2d: [CARD.AI2D],
  scienceqa: [CARD.SCIENCEQA],
  realworldqa: [CARD.REALWORLDQA],
  vqav2: [CARD.VQAV2],
};

describe("every scorer", () => {
  for (const name of Object.keys(SCORERS)) {
    it(`${name}: ≥ 30 golden cases per table and reference oracle cases`, () => {
      const tables = GOLDEN[name];
      expect(tables, `no golden table for ${name}`).toBeDefined();
      for (const t of tables ?? []) expect(t.length).toBeGreaterThanOrEqual(30);
      expect(existsSync(join(ROOT, "test/unit/scorers/fixtures", `oracle-${name}.json`))).toBe(true);
    });
  }
});

describe("every task", () => {
  const manifest = JSON.parse(read("demo/data/manifest.json")) as {
    datasets: Record<string, { repo: string }>;
  };
  const readme = read("README.md");
  const tasksReadme = read("tasks/README.md");
  for (const [name, task] of Object.entries(TASKS)) {
    it(`${name}: scorer, snapshot, fixture builder, demo data, README and tasks/README rows`, () => {
      expect(SCORERS[task.scorer], task.scorer).toBeDefined();
      expect(existsSync(join(ROOT, "test/snapshots/prompts", `${name}.json`))).toBe(true);
      expect(FIXTURE_TASKS).toContain(name);
      expect(manifest.datasets[name], "run `npm run demo:data`").toBeDefined();
      expect(readme).toContain(`| \`${name}\` |`);
      expect(tasksReadme).toMatch(new RegExp(`^\\| ${name} +\\|`, "m"));
    });
  }
  it("the model-card tasks are documented in docs/benchmarks.md", () => {
    const docs = read("docs/benchmarks.md");
    for (const name of ["chartqa", "infovqa", "ocrbench", "ai2d", "scienceqa_img", "realworldqa", "vqav2"]) {
      expect(docs).toContain(`### ${name}`);
    }
  });
});
