/**
 * The fixture datasets, generated once per generator version and option set into
 * `.cache/fixtures/<hash>` and reused. Safe when several vitest workers call it at once: each writes
 * into its own temp folder and renames it into place; the loser of the race discards its copy.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FixtureOptions, type FixtureTask, makeFixtures } from "../../scripts/make-fixtures.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const GENERATOR = join(REPO_ROOT, "scripts", "make-fixtures.ts");
const BUILDERS_DIR = join(REPO_ROOT, "scripts", "fixtures");
const TASKS_DIR = join(REPO_ROOT, "tasks");

/** Folder that holds `datasets/<org>/<name>/…` for the given options (generated on first use). */
export async function fixtureRoot(opts: FixtureOptions = {}): Promise<string> {
  const hash = createHash("sha256").update(readFileSync(GENERATOR));
  // The per-task builders in scripts/fixtures/ are part of the generator too.
  for (const f of readdirSync(BUILDERS_DIR).sort())
    hash.update(f).update(readFileSync(join(BUILDERS_DIR, f)));
  // So is the task registry: the fixture set and each dataset's repo come from TASKS.
  for (const f of readdirSync(TASKS_DIR).sort()) hash.update(f).update(readFileSync(join(TASKS_DIR, f)));
  const key = hash
    .update(
      JSON.stringify({ rows: opts.rowsPerTask ?? 16, seed: opts.seed ?? 1, bad: opts.corruptImages ?? {} }),
    )
    .digest("hex")
    .slice(0, 16);
  const base = join(REPO_ROOT, ".cache", "fixtures");
  const final = join(base, key);
  if (existsSync(join(final, "manifest.json"))) return final;
  await mkdir(base, { recursive: true });
  const tmp = join(base, `tmp-${key}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await makeFixtures(tmp, opts);
    await rename(tmp, final);
  } catch (err) {
    // Another worker renamed first (ENOTEMPTY/EEXIST): use its copy.
    if (!existsSync(join(final, "manifest.json"))) throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return final;
}

/** Hub repo id and folder of one fixture dataset under a fixture root. */
export function fixtureDataset(root: string, task: FixtureTask): { repo: string; dir: string } {
  const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as {
    datasets: Record<string, { repo: string }>;
  };
  const repo = manifest.datasets[task]!.repo;
  return { repo, dir: join(root, "datasets", repo) };
}

/** Files of `config`/`split` in a fixture dataset folder, resolved from the card's `configs:` globs. */
export function fixtureSplitFiles(dir: string, config: string, split: string): string[] {
  const cardText = readFileSync(join(dir, "README.md"), "utf8");
  const configs = cardText.slice(cardText.indexOf("\nconfigs:\n"));
  let current = "";
  let currentSplit = "";
  const patterns: string[] = [];
  for (const line of configs.split("\n")) {
    const c = /^- config_name: (.+)$/.exec(line);
    if (c) current = c[1]!;
    const s = /^ {2}- split: (.+)$/.exec(line);
    if (s) currentSplit = s[1]!;
    const p = /^ {4}path: (.+)$/.exec(line);
    if (p && current === config && currentSplit === split) patterns.push(p[1]!);
  }
  const out: string[] = [];
  for (const pattern of patterns) {
    const slash = pattern.lastIndexOf("/");
    const folder = pattern.slice(0, slash);
    const re = new RegExp(
      `^${pattern
        .slice(slash + 1)
        .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")}$`,
    );
    for (const f of readdirSync(join(dir, folder)).sort()) if (re.test(f)) out.push(join(dir, folder, f));
  }
  return out;
}

/** DatasetFiles for a task straight from a fixture folder (no Hub): what ensureDataset would return. */
export function fixtureDatasetFiles(
  root: string,
  task: FixtureTask,
  spec: { config: string; split: string; joins?: { config: string; split: string }[] },
): { repo: string; sha: string; files: string[]; joins: Record<string, string[]> } {
  const { repo, dir } = fixtureDataset(root, task);
  const joins: Record<string, string[]> = {};
  for (const j of spec.joins ?? []) joins[j.config] = fixtureSplitFiles(dir, j.config, j.split);
  return { repo, sha: "0".repeat(40), files: fixtureSplitFiles(dir, spec.config, spec.split), joins };
}
