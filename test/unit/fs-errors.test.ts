/** File-system errors as user errors, the up-front output checks, and the run-folder lock's takeover rules. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/core/errors.js";
import {
  checkOutputDir,
  checkOutputFile,
  FileSystemError,
  fileSystemError,
  findFileSystemError,
  inputFileProblem,
} from "../../src/core/fs-errors.js";
import { isTransient } from "../../src/hub/retry.js";
import { acquireRunLock, LOCK_FILE } from "../../src/runner/lock.js";

const root = mkdtempSync(join(tmpdir(), "fs-errors-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function errno(code: string, path: string, syscall = "open"): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, path, syscall });
}

describe("fileSystemError", () => {
  it("names the path, the problem and a fix, with structured details, exit 2", () => {
    const e = fileSystemError(errno("ENOSPC", "/data/x/samples.jsonl", "write"), { what: "the run folder" });
    expect(e).toBeInstanceOf(FileSystemError);
    expect(e.exitCode).toBe(EXIT.usage);
    expect(e.message).toBe(
      "Cannot write /data/x/samples.jsonl (the run folder): no space left on the device (ENOSPC).",
    );
    expect(e.hint).toMatch(/^Free some space/);
    expect(e.toJSON()).toMatchObject({
      code: "IO",
      path: "/data/x/samples.jsonl",
      errno: "ENOSPC",
      syscall: "write",
    });
  });

  it("finds a file-system error inside a cause chain and a retry wrapper, but not a socket reset", () => {
    const inner = errno("EACCES", "/cache/blob");
    const wrapped = new Error("download failed", { cause: Object.assign(new Error("x"), { last: inner }) });
    expect(findFileSystemError(wrapped)).toBe(inner);
    expect(findFileSystemError(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBeUndefined();
  });

  it("the Hub retry layer does not retry a full disk, but does retry a reset connection", () => {
    expect(isTransient(errno("ENOSPC", "/cache/x.incomplete", "write"))).toBe(false);
    expect(isTransient(errno("EROFS", "/cache/x", "mkdir"))).toBe(false);
    expect(isTransient(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(true);
  });
});

describe("output checks", () => {
  it("a file where a folder is meant, anywhere along the path", () => {
    const file = join(root, "f");
    writeFileSync(file, "x");
    expect(() => checkOutputDir(file, "--out")).toThrow(/ENOTDIR/);
    expect(() => checkOutputDir(join(file, "a", "b"), "--out")).toThrow(new RegExp(`${file}.*ENOTDIR`));
    expect(() => checkOutputDir(join(root, "new", "deep"), "--out")).not.toThrow();
  });

  it("a report file: a folder is EISDIR, a missing folder names it, an existing folder is fine", () => {
    expect(() => checkOutputFile(root, "--junit")).toThrow(/EISDIR/);
    expect(() => checkOutputFile(join(root, "nope", "x.xml"), "--junit")).toThrow(
      new RegExp(`${join(root, "nope")}.*ENOENT`),
    );
    expect(() => checkOutputFile(join(root, "x.xml"), "--junit")).not.toThrow();
  });

  it("an input that is a folder or missing", () => {
    expect(inputFileProblem(root, "--image")).toMatch(/is a folder/);
    expect(inputFileProblem(join(root, "none.png"), "--image")).toMatch(/does not exist/);
    writeFileSync(join(root, "ok.png"), "x");
    expect(inputFileProblem(join(root, "ok.png"), "--image")).toBeNull();
  });
});

describe("run-folder lock", () => {
  function lockWith(dir: string, owner: Record<string, unknown>): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner));
  }

  it("takes over the lock of a dead process, refuses a live one, and releases only its own", () => {
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
    const a = join(root, "run-a");
    lockWith(a, { pid: dead, host: hostname(), command: "old", startedAt: "2026-01-01T00:00:00Z" });
    const lock = acquireRunLock(a);
    expect(JSON.parse(readFileSync(join(a, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    lock.release();
    expect(() => readFileSync(join(a, LOCK_FILE))).toThrow();

    // A live process (our parent, which outlives us) holds it: refused with its pid.
    const b = join(root, "run-b");
    lockWith(b, {
      pid: process.ppid,
      host: hostname(),
      command: "other run",
      startedAt: "2026-01-01T00:00:00Z",
    });
    expect(() => acquireRunLock(b)).toThrow(new RegExp(`pid ${process.ppid}`));
    // A lock on another host is never judged stale by pid.
    const c = join(root, "run-c");
    lockWith(c, { pid: dead, host: "elsewhere.example", command: "x", startedAt: "t" });
    expect(() => acquireRunLock(c)).toThrow(/on host elsewhere\.example/);
    // A lock file that names no owner is held.
    const d = join(root, "run-d");
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, LOCK_FILE), "garbage");
    expect(() => acquireRunLock(d)).toThrow(/does not name its owner/);
    expect(readFileSync(join(d, LOCK_FILE), "utf8")).toBe("garbage");
  });
});
