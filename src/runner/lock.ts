/**
 * One process owns a run folder at a time. Two `run`s of one command (a CI retry, a second terminal) would
 * otherwise both do every sample, write each id twice and time their latency passes against each other.
 *
 * The lock is `<run-dir>/.lock`, a small JSON file naming the owner (pid, host, command, start time). It is
 * created atomically: written whole to a temp file, then hard-linked into place, which fails when a lock
 * exists. A lock whose owner process is gone (same host, pid not alive) is stale and taken over: it is moved
 * aside by rename (atomic), checked to be the very lock judged stale, and only then removed; a lock taken
 * meanwhile by a live process is put back.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UsageError } from "../core/errors.js";
import { fileSystemError, isFileSystemError } from "../core/fs-errors.js";

/** Name of the lock file inside a run folder. */
export const LOCK_FILE = ".lock";

/** What a lock file says about its owner. */
export interface LockOwner {
  /** Owner process id. */
  pid: number;
  /** Host the owner runs on (a pid means nothing on another host). */
  host: string;
  /** The owner's command line. */
  command: string;
  /** ISO time the lock was taken. */
  startedAt: string;
}

/** A held lock. */
export interface RunLock {
  /** The lock file. */
  path: string;
  /** Removes the lock if it is still ours (idempotent). */
  release(): void;
}

const held = new Set<string>();
let exitHookInstalled = false;

function readOwner(path: string): LockOwner | "unreadable" | "absent" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === "number" && typeof v.host === "string") {
      return {
        pid: v.pid,
        host: v.host,
        command: String(v.command ?? ""),
        startedAt: String(v.startedAt ?? ""),
      };
    }
  } catch {
    // Not ours, or edited by hand: treated as held by an unknown owner.
  }
  return "unreadable";
}

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isStale(owner: LockOwner): boolean {
  return owner.host === hostname() && owner.pid !== process.pid && !processAlive(owner.pid);
}

function sameOwner(a: LockOwner | "unreadable" | "absent", b: LockOwner): boolean {
  return typeof a === "object" && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

function tryCreate(path: string, me: LockOwner): boolean {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, "wx");
  try {
    writeSync(fd, `${JSON.stringify(me)}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** Moves a stale lock aside; false when the lock there is no longer the one judged stale (then it is kept). */
function takeOverStale(path: string, stale: LockOwner): boolean {
  const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw err;
  }
  const moved = readOwner(aside);
  if (sameOwner(moved, stale)) {
    unlinkSync(aside);
    return true;
  }
  // Someone took the lock between our read and our rename: put theirs back.
  try {
    linkSync(aside, path);
  } catch {
    // A third process holds it now; theirs stays, the moved copy goes.
  }
  unlinkSync(aside);
  return false;
}

function heldBy(dir: string, owner: LockOwner | "unreadable"): UsageError {
  const path = join(dir, LOCK_FILE);
  if (owner === "unreadable") {
    return new UsageError(
      `The run folder ${dir} is locked (${path} exists but does not name its owner).`,
      `If no other fastvlm-eval is working on it, delete ${path} and run again.`,
      { details: { runDir: dir, lockFile: path } },
    );
  }
  const where = owner.host === hostname() ? "" : ` on host ${owner.host}`;
  return new UsageError(
    `The run folder ${dir} is in use by another fastvlm-eval process: pid ${owner.pid}${where}, started ${owner.startedAt}` +
      (owner.command !== "" ? ` (${owner.command})` : "") +
      ".",
    `Wait for it to finish (it resumes the same run), or stop it (kill ${owner.pid}). If that process is gone, delete ${path}.`,
    { details: { runDir: dir, lockFile: path, ownerPid: owner.pid, ownerHost: owner.host } },
  );
}

/**
 * Takes the lock of a run folder (which must exist) or throws a UsageError (exit 2) naming the owner.
 * Re-entrant within one process.
 */
export function acquireRunLock(dir: string): RunLock {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.slice(1).join(" ").slice(0, 300),
    startedAt: new Date().toISOString(),
  };
  if (held.has(path)) return { path, release: () => undefined };
  try {
    for (let attempt = 0; ; attempt++) {
      if (tryCreate(path, me)) break;
      const owner = readOwner(path);
      if (owner === "absent") continue;
      if (owner !== "unreadable" && owner.pid === process.pid && owner.host === me.host) {
        // Our own lock left by an earlier runTask of this process that did not release it.
        break;
      }
      if (owner === "unreadable" || !isStale(owner) || attempt >= 5) throw heldBy(dir, owner);
      if (!takeOverStale(path, owner)) throw heldBy(dir, readOwnerOrUnknown(path));
    }
  } catch (err) {
    if (isFileSystemError(err))
      throw fileSystemError(err, { what: "the run folder's lock", details: { runDir: dir } });
    throw err;
  }
  held.add(path);
  installExitHook();
  return {
    path,
    release: () => {
      if (!held.delete(path)) return;
      releaseFile(path);
    },
  };
}

function readOwnerOrUnknown(path: string): LockOwner | "unreadable" {
  const o = readOwner(path);
  return o === "absent" ? "unreadable" : o;
}

function releaseFile(path: string): void {
  try {
    const owner = readOwner(path);
    if (typeof owner === "object" && owner.pid === process.pid && owner.host === hostname()) unlinkSync(path);
  } catch {
    // Already gone, or the folder was removed: nothing to release.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // process.exit() (Ctrl-C twice, a fatal error) skips finally blocks: drop our locks on the way out.
  process.on("exit", () => {
    for (const path of held) releaseFile(path);
    held.clear();
  });
}
