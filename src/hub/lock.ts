/**
 * datasets/lock.json: resolved revisions and file digests, like a package lockfile.
 * Written by temp file + rename, keys sorted, so diffs stay small and a crash never leaves half a file.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { UsageError } from "../core/errors.js";
import { isCommitSha } from "./paths.js";

/** One locked file. */
export interface LockedFile {
  /** Repo path. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** sha256 of the content. */
  sha256: string;
}

/** A task's dataset split (plus its joined configs) at one commit. */
export interface DatasetLockEntry {
  /** Repo id actually used (may be a fallback repo). */
  repo: string;
  /** Config name. */
  config: string;
  /** Split name. */
  split: string;
  /** Commit sha every file was downloaded at. */
  sha: string;
  /** The split's files, sorted by path. */
  files: LockedFile[];
  /** Joined configs (`<config>:<split>` → files), e.g. GQA's images; same sha. */
  joins: Record<string, LockedFile[]>;
}

/** A model repo at one commit, with the files the engine used. */
export interface ModelLockEntry {
  /** Repo id. */
  repo: string;
  /** Commit sha. */
  sha: string;
  /** Files downloaded so far at this sha, sorted by path. */
  files: LockedFile[];
}

/** The whole lock file. */
export interface LockFile {
  /** Format version (1). */
  version: 1;
  /** Key `<repo>@<config>:<split>`. */
  datasets: Record<string, DatasetLockEntry>;
  /** Key `<repo>`. */
  models: Record<string, ModelLockEntry>;
}

/** Default lock path: datasets/lock.json under the working directory. */
export function defaultLockPath(cwd = process.cwd()): string {
  return resolve(cwd, "datasets", "lock.json");
}

/** The key of a dataset entry. */
export function datasetKey(repo: string, config: string, split: string): string {
  return `${repo}@${config}:${split}`;
}

/** The key of a join inside an entry. */
export function joinKey(config: string, split: string): string {
  return `${config}:${split}`;
}

/** An empty lock. */
export function emptyLock(): LockFile {
  return { version: 1, datasets: {}, models: {} };
}

/** Reads the lock (an empty one when the file does not exist); reports every problem at once. */
export async function readLock(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyLock();
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${path} is not valid JSON: ${(err as Error).message}.`,
      "Fix or delete the lock file; `fastvlm-eval fetch <task>` writes a new one.",
    );
  }
  const problems = checkLock(data);
  if (problems.length > 0) {
    throw new UsageError(
      `${path} is not a valid lock file:\n  ${problems.join("\n  ")}`,
      "Fix or delete the lock file; `fastvlm-eval fetch <task>` writes a new one.",
    );
  }
  return data as LockFile;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkFiles(files: unknown, where: string, problems: string[]): void {
  if (!Array.isArray(files)) {
    problems.push(`${where}: must be a list`);
    return;
  }
  files.forEach((f, i) => {
    if (!isObject(f)) {
      problems.push(`${where}[${i}]: must be an object`);
      return;
    }
    if (typeof f.path !== "string") problems.push(`${where}[${i}].path: must be a string`);
    if (typeof f.size !== "number" || !Number.isInteger(f.size) || f.size < 0) {
      problems.push(`${where}[${i}].size: must be a non-negative integer`);
    }
    if (typeof f.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(f.sha256)) {
      problems.push(`${where}[${i}].sha256: must be 64 hex digits`);
    }
  });
}

/** Every problem with a parsed lock, as `where: what` lines. */
export function checkLock(data: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(data)) return ["the top level must be an object"];
  if (data.version !== 1) problems.push(`version: must be 1 (found ${JSON.stringify(data.version)})`);
  for (const section of ["datasets", "models"] as const) {
    const entries = data[section];
    if (!isObject(entries)) {
      problems.push(`${section}: must be an object`);
      continue;
    }
    for (const [key, e] of Object.entries(entries)) {
      const where = `${section}["${key}"]`;
      if (!isObject(e)) {
        problems.push(`${where}: must be an object`);
        continue;
      }
      if (typeof e.repo !== "string") problems.push(`${where}.repo: must be a string`);
      if (typeof e.sha !== "string" || !isCommitSha(e.sha))
        problems.push(`${where}.sha: must be a 40-hex commit sha`);
      checkFiles(e.files, `${where}.files`, problems);
      if (section === "datasets") {
        if (typeof e.config !== "string") problems.push(`${where}.config: must be a string`);
        if (typeof e.split !== "string") problems.push(`${where}.split: must be a string`);
        if (!isObject(e.joins)) problems.push(`${where}.joins: must be an object`);
        else
          for (const [jk, jf] of Object.entries(e.joins)) checkFiles(jf, `${where}.joins["${jk}"]`, problems);
      }
    }
  }
  return problems;
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Writes the lock atomically (src/core/atomic-write.ts). */
export async function writeLock(path: string, lock: LockFile): Promise<void> {
  const normal: LockFile = { version: 1, datasets: sorted(lock.datasets), models: sorted(lock.models) };
  writeFileAtomic(path, `${JSON.stringify(normal, null, 2)}\n`);
}

/** Re-reads the lock and applies one change, so entries written meanwhile by another fetch are kept. */
export async function updateLock(path: string, change: (lock: LockFile) => void): Promise<void> {
  const lock = await readLock(path);
  change(lock);
  await writeLock(path, lock);
}
