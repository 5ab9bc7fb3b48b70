/**
 * File-system problems of the user's environment (a read-only folder, a full disk, a file where a folder was
 * meant) as user errors that name the path and what to do, instead of exit 70 with a stack trace. cli.ts maps
 * any such error that reaches it; commands check their output locations up front with checkOutputDir/File.
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { EXIT, HarnessError, type HarnessErrorOptions } from "./errors.js";

/** A file-system error of the user's environment. Exit 2. */
export class FileSystemError extends HarnessError {
  constructor(message: string, hint?: string, options?: HarnessErrorOptions) {
    super("IO", EXIT.usage, message, hint, options);
  }
}

/** What each errno means in plain words, and what to do about it. */
const PROBLEMS: Readonly<Record<string, { what: string; fix: string }>> = {
  EACCES: { what: "permission denied", fix: "make it writable by this user, or choose another location" },
  EPERM: {
    what: "operation not permitted",
    fix: "check its owner and permissions, or choose another location",
  },
  EROFS: { what: "the file system is read-only", fix: "choose a location on a writable disk" },
  ENOSPC: {
    what: "no space left on the device",
    fix: "free some space on that disk, or choose another location",
  },
  EDQUOT: { what: "the disk quota is exceeded", fix: "free some space, or choose another location" },
  EFBIG: { what: "the file is too large for this file system", fix: "choose another location" },
  ENOTDIR: {
    what: "a part of the path is a file, not a folder",
    fix: "remove or rename that file, or choose another location",
  },
  EISDIR: { what: "it is a folder, not a file", fix: "name a file (not a folder)" },
  EEXIST: { what: "something already exists there", fix: "remove it, or choose another location" },
  ENOENT: {
    what: "no such file or folder",
    fix: "check the path (create the folder first if it is missing)",
  },
  ENAMETOOLONG: { what: "the path is too long", fix: "choose a shorter path" },
  ELOOP: { what: "too many symbolic links in the path", fix: "fix the symbolic links in that path" },
  EMFILE: {
    what: "too many open files in this process",
    fix: "raise the limit (`ulimit -n 4096`) or lower --concurrency",
  },
  ENFILE: {
    what: "too many open files on the system",
    fix: "close other programs or raise the system limit",
  },
  EBUSY: { what: "the file or folder is busy", fix: "close what holds it and run again" },
  ETXTBSY: { what: "the file is busy", fix: "close what holds it and run again" },
  EXDEV: {
    what: "it is on another file system than its temporary file",
    fix: "choose a location on one disk",
  },
  EIO: { what: "an I/O error of the disk", fix: "check the disk, or choose another location" },
  ENOTEMPTY: { what: "the folder is not empty", fix: "empty or remove it, or choose another location" },
};

const VERBS: Readonly<Record<string, string>> = {
  open: "open",
  write: "write",
  read: "read",
  mkdir: "create the folder",
  rename: "move a file into",
  unlink: "remove",
  rmdir: "remove",
  rm: "remove",
  scandir: "list",
  stat: "read",
  lstat: "read",
  access: "use",
  copyfile: "copy to",
  link: "link",
  symlink: "link",
  fsync: "write",
  ftruncate: "write",
  truncate: "write",
  utime: "touch",
  chmod: "change",
};

/** The errno-style code of a thrown value (`ENOSPC`, …) when it is a known file-system problem. */
export function fileSystemCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === "string" && code in PROBLEMS ? code : undefined;
}

/** True for a Node file-system error with a known errno code (EACCES, ENOSPC, EROFS, ENOTDIR, …). */
export function isFileSystemError(err: unknown): err is NodeJS.ErrnoException {
  if (fileSystemCode(err) === undefined) return false;
  const e = err as NodeJS.ErrnoException;
  // Sockets carry codes too (ECONNRESET is not here, but EPIPE/EACCES on a socket could be): only file calls.
  return typeof e.path === "string" || (typeof e.syscall === "string" && e.syscall in VERBS);
}

/** The first file-system error in an error's cause chain (or the error itself), if any. */
export function findFileSystemError(err: unknown): NodeJS.ErrnoException | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur instanceof Error; depth++) {
    if (isFileSystemError(cur)) return cur;
    const next = (cur as { cause?: unknown; last?: unknown }).cause ?? (cur as { last?: unknown }).last;
    cur = next;
  }
  return undefined;
}

/**
 * A FileSystemError naming the path, the problem and the fix. `context` says what the path is for (e.g.
 * "the run folder (--out)"), `fix` replaces the generic advice.
 */
export function fileSystemError(
  err: NodeJS.ErrnoException,
  context?: { what?: string; fix?: string; details?: HarnessErrorOptions["details"] },
): FileSystemError {
  const code = err.code ?? "EIO";
  const problem = PROBLEMS[code] ?? { what: err.message, fix: "check that path" };
  const path = (err as { dest?: string }).dest ?? err.path;
  const verb = err.syscall !== undefined ? (VERBS[err.syscall] ?? err.syscall) : "use";
  const where = path !== undefined ? ` ${path}` : "";
  const what = context?.what !== undefined ? ` (${context.what})` : "";
  return new FileSystemError(
    `Cannot ${verb}${where}${what}: ${problem.what} (${code}).`,
    `${capitalize(context?.fix ?? problem.fix)}, then run again.`,
    {
      cause: err,
      details: { path: path ?? null, errno: code, syscall: err.syscall ?? null, ...context?.details },
    },
  );
}

function capitalize(s: string): string {
  return s.length > 0 ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function fail(code: string, path: string, syscall: string): never {
  const err = new Error(`${code}: ${syscall} '${path}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.path = path;
  err.syscall = syscall;
  throw err;
}

/** The nearest existing path at or above `path`. */
function nearestExisting(path: string): string {
  let cur = resolve(path);
  for (;;) {
    try {
      statSync(cur);
      return cur;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A file in the middle of the path: report it as such, not as "missing".
      if (code === "ENOTDIR") fail("ENOTDIR", cur, "mkdir");
      const up = dirname(cur);
      if (up === cur) return cur;
      cur = up;
    }
  }
}

function checkWritableAt(existing: string, target: string, purpose: string, fix?: string): void {
  try {
    accessSync(existing, constants.W_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const at = Object.assign(new Error(e.message), { code: e.code, path: target, syscall: "open" });
    throw fileSystemError(at, { what: purpose, ...(fix ? { fix } : {}) });
  }
}

/**
 * Checks up front that a folder can be created or written at `path`, so a long run does not fail at its first
 * write. `purpose` names the flag or setting (e.g. "--out"). Throws a FileSystemError.
 */
export function checkOutputDir(path: string, purpose: string, fix?: string): void {
  const abs = resolve(path);
  const opts = { what: purpose, ...(fix ? { fix } : {}) };
  let existing: string;
  try {
    existing = nearestExisting(abs);
  } catch (err) {
    throw fileSystemError(err as NodeJS.ErrnoException, opts);
  }
  if (!statSync(existing).isDirectory()) {
    throw fileSystemError(
      Object.assign(new Error("not a folder"), { code: "ENOTDIR", path: existing, syscall: "mkdir" }),
      { what: purpose, fix: fix ?? `${existing} is a file: remove it or choose another folder` },
    );
  }
  checkWritableAt(existing, abs, purpose, fix);
}

/** Checks up front that a file can be written at `path` (its folder must exist; it must not be a folder). */
export function checkOutputFile(path: string, purpose: string, fix?: string): void {
  const abs = resolve(path);
  const opts = { what: purpose, ...(fix ? { fix } : {}) };
  let stat: ReturnType<typeof statSync> | undefined;
  try {
    stat = statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") throw fileSystemError(err as NodeJS.ErrnoException, opts);
  }
  if (stat?.isDirectory()) {
    throw fileSystemError(
      Object.assign(new Error("is a folder"), { code: "EISDIR", path: abs, syscall: "open" }),
      opts,
    );
  }
  if (stat !== undefined) {
    checkWritableAt(abs, abs, purpose, fix);
    return;
  }
  const parent = dirname(abs);
  let parentStat: ReturnType<typeof statSync>;
  try {
    parentStat = statSync(parent);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fileSystemError(
      Object.assign(new Error("missing folder"), { code: code ?? "ENOENT", path: parent, syscall: "open" }),
      {
        what: `the folder of ${purpose} ${path}`,
        fix: fix ?? `create ${parent} first (mkdir -p), or name a file in an existing folder`,
      },
    );
  }
  if (!parentStat.isDirectory()) {
    throw fileSystemError(
      Object.assign(new Error("not a folder"), { code: "ENOTDIR", path: parent, syscall: "open" }),
      opts,
    );
  }
  checkWritableAt(parent, abs, purpose, fix);
}

/** Why `path` cannot be read as an input file of `flag` (missing, a folder, unreadable), or null when it can. */
export function inputFileProblem(path: string, flag: string): string | null {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return `${flag} ${path}: the file does not exist`;
    return `${flag} ${path}: ${PROBLEMS[code ?? ""]?.what ?? (err as Error).message}`;
  }
  if (stat.isDirectory()) return `${flag} ${path}: it is a folder; name a file inside it`;
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return `${flag} ${path}: permission denied (not readable by this user)`;
  }
  return null;
}
