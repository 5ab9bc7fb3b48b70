/**
 * The one way fastvlm-eval replaces a file: write a temp file beside it, fsync it, rename it over the
 * target, then fsync the folder. A reader (or a process killed half way) sees the old file or the new
 * one, never half of either, and after a crash the rename itself has reached the disk.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** Replaces `path` with `data` atomically, creating its folder when missing. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  // pid + random: two processes (or two calls in one) writing the same target never share a temp file.
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const fd = openSync(tmp, "w");
    try {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

/** Makes a rename in `dir` durable; a no-op where folders cannot be opened (Windows). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Folders cannot be fsynced on every platform; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
