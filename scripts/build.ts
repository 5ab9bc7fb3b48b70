/**
 * `npm run build` (also npm's `prepare`, so `npm ci` builds): compiles dist/ (the CLI, and the viewer page as
 * a second program with DOM types) and stamps it with a digest of everything the build reads. The test suite's
 * set-up calls `buildDist` too and skips the compile when the stamp matches, so a fresh clone does not build
 * twice.
 *
 * Several vitest runs may share a work tree, and CLI children of one run load dist/ while another builds. tsc
 * rewrites its outputs in place (truncate, then write), so a child could load a half-written module: a static
 * import then dies in Node's loader with exit 1 ("does not provide an export named"), a lazy `await import()`
 * with InternalError 70. So tsc writes into a private folder, and only files whose bytes changed are moved into
 * dist/ by rename, which readers see whole or not at all.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../src/core/atomic-write.js";

/** The tsc projects that make dist/. */
const PROJECTS = ["tsconfig.build.json", "tsconfig.view.json"];
/** What the build reads: the folders tsc compiles and the files that configure it. */
const INPUT_DIRS = ["src", "tasks", "scorers", "scripts"];
const INPUT_FILES = ["tsconfig.json", ...PROJECTS, "package.json", "package-lock.json"];
const STAMP = ".build-stamp";

/** Every file under `dir`, recursively, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
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

/** Digest of every input of the build (paths and bytes), so any edit, added or removed file changes it. */
export function buildInputsDigest(root: string): string {
  const h = createHash("sha256");
  const files = [
    ...INPUT_DIRS.flatMap((d) => (existsSync(join(root, d)) ? filesUnder(join(root, d)) : [])),
    ...INPUT_FILES.map((f) => join(root, f)).filter((f) => existsSync(f)),
  ];
  for (const file of files) {
    const bytes = readFileSync(file);
    h.update(`${relative(root, file)}\0${bytes.length}\0`).update(bytes);
  }
  return h.digest("hex");
}

/**
 * Sets the execute bits on the package's bins. npm does so for an installed package's bins but not for the
 * project's own, which `npx fastvlm-eval` in a clone runs directly: tsc and the copies above write 0644.
 */
function markBinsExecutable(root: string): void {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    bin?: Record<string, string>;
  };
  for (const bin of Object.values(pkg.bin ?? {})) {
    const path = join(root, bin);
    if (existsSync(path)) chmodSync(path, statSync(path).mode | 0o111);
  }
}

/** Builds `root`/dist unless its stamp says it is built from these very inputs; returns whether it compiled. */
export function buildDist(root: string): boolean {
  const digest = buildInputsDigest(root);
  const stamp = join(root, "dist", STAMP);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) {
    markBinsExecutable(root);
    return false;
  }
  mkdirSync(join(root, ".cache"), { recursive: true });
  const out = mkdtempSync(join(root, ".cache", "dist-build-"));
  try {
    for (const project of PROJECTS) {
      execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", project, "--outDir", out], {
        cwd: root,
        stdio: "inherit",
      });
    }
    syncBuild(out, join(root, "dist"));
    markBinsExecutable(root);
    // Written last: an interrupted build leaves the old stamp (or none), so the next one compiles again.
    writeFileAtomic(stamp, digest);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildDist(fileURLToPath(new URL("..", import.meta.url)));
}
