/**
 * Runs once before the suite: builds dist/ so CLI end-to-end tests run the same JavaScript a user's
 * `npx fastvlm-eval` runs.
 *
 * Several vitest runs share this work tree, and CLI children of one run load dist/ while another run
 * builds. tsc rewrites its outputs in place (truncate, then write), so a child could load a half-written
 * module: a static import then dies in Node's loader with exit 1 ("does not provide an export named"),
 * a lazy `await import()` with InternalError 70. So tsc writes into a private folder, and only files
 * whose bytes changed are moved into dist/ by rename, which readers see whole or not at all.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

function sameBytes(a: string, b: string): boolean {
  try {
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
}

/** Replaces each changed file of `to` with its copy in `from` atomically; unchanged files are not touched. */
export function syncBuild(from: string, to: string): number {
  let changed = 0;
  for (const src of filesUnder(from)) {
    const dest = join(to, relative(from, src));
    if (sameBytes(src, dest)) continue;
    mkdirSync(dirname(dest), { recursive: true });
    // Copy next to the target first: rename is atomic only within one folder's file system.
    const tmp = `${dest}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    copyFileSync(src, tmp);
    renameSync(tmp, dest);
    changed++;
  }
  return changed;
}

export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  mkdirSync(join(root, ".cache"), { recursive: true });
  const out = mkdtempSync(join(root, ".cache", "dist-build-"));
  try {
    // The viewer's page (tsconfig.view.json) is a second program: DOM types, no Node types.
    for (const project of ["tsconfig.build.json", "tsconfig.view.json"]) {
      execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", project, "--outDir", out], {
        cwd: root,
        stdio: "inherit",
      });
    }
    syncBuild(out, join(root, "dist"));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
