/**
 * Staging a patched decoder (graph-patch.ts) for session creation. ORT resolves external data `location`s
 * against the model's folder and refuses data reached through a symlink that leads outside it (the Hub
 * cache's snapshot → blobs layout), and onnxruntime-node 1.30 takes external data from memory only as
 * bytes (a path string is rejected), so the patched .onnx goes to a temp folder with hard links to the
 * real files (the original itself included), or, where links fail, the data is read into memory.
 */
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, normalize, sep } from "node:path";
import type { SlicedGraph } from "./graph-patch.js";

/** How to create a session from a staged patched model. */
export type StagedModel =
  | {
      /** Create by path: the patched .onnx in a temp folder, next to (hard links of) its data files. */
      kind: "path";
      /** The patched .onnx. */
      path: string;
      /** Removes the temp folder (call once the session exists; idempotent). */
      cleanup: () => void;
    }
  | {
      /** Create from bytes with the data files in memory (the temp folder could not be written). */
      kind: "bytes";
      /** The patched model. */
      bytes: Uint8Array;
      /** For ORT's `externalData` option: location as in the model → file contents. */
      externalData: { path: string; data: Uint8Array }[];
      /** No-op (nothing on disk). */
      cleanup: () => void;
    };

/** Options of stagePatchedModel. */
export interface StageOptions {
  /** Parent of the temp folder (default: the OS temp folder). */
  tempRoot?: string;
  /** false: skip hard links and read external data into memory (tests); inline graphs still go to disk. */
  links?: boolean;
  /** The location under which the patched model refers to the original file itself (a skeleton). */
  self?: string;
}

/** A location that stays inside the model's folder (ORT's own rule). */
function safeLocation(loc: string): boolean {
  const n = normalize(loc);
  return !isAbsolute(n) && n !== ".." && !n.startsWith(`..${sep}`);
}

/** Whether the file at `path` is readable (throws with the path otherwise). */
function checkReadable(path: string): void {
  const fd = openSync(path, "r");
  try {
    readSync(fd, Buffer.alloc(1), 0, 1, 0);
  } finally {
    closeSync(fd);
  }
}

const STAGE_PREFIX = ".fastvlm-eval-logits-";
/** Temp folders older than this were left by a process killed while loading (a load takes seconds). */
const STALE_MS = 60 * 60 * 1000;

/** Removes stale temp folders of ours under `root` (their hard links would keep deleted blobs alive). */
function removeStale(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(STAGE_PREFIX)) continue;
    const dir = join(root, name);
    try {
      if (Date.now() - statSync(dir).mtimeMs > STALE_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

/**
 * Writes the patched .onnx into a fresh temp folder next to hard links of its data files. Returns null
 * (nothing left behind) when that fails: another file system (EXDEV), no link permission, a full or
 * read-only disk.
 */
function stageOnDisk(
  original: string,
  bytes: Uint8Array,
  sources: readonly { loc: string; real: string }[],
  tempRoot: string,
): StagedModel | null {
  let dir: string | undefined;
  const cleanup = (): void => {
    // Where open files cannot be removed (Windows, while ORT maps the weights), the folder stays.
    try {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    } catch {}
  };
  try {
    removeStale(tempRoot);
    dir = mkdtempSync(join(tempRoot, STAGE_PREFIX));
    for (const s of sources) {
      const target = join(dir, s.loc);
      mkdirSync(dirname(target), { recursive: true });
      linkSync(s.real, target);
      checkReadable(target);
    }
    const path = join(dir, basename(original));
    writeFileSync(path, bytes);
    return { kind: "path", path, cleanup };
  } catch {
    cleanup();
    return null;
  }
}

/**
 * Prepares a patched model for session creation. `original` is the shipped .onnx path (may be a
 * symlink); its external data files are found next to it and followed to their real files, and
 * `opts.self` names the original's own real file. The temp folder goes to the OS temp folder, else (hard
 * links cannot cross file systems) next to the original's real file. Memory (bytes, data files read in)
 * is the fallback when neither works: ORT parsing a ~1 GB model from a buffer peaks about 2 GB higher
 * than reading the same file by path.
 */
export function stagePatchedModel(
  original: string,
  patched: SlicedGraph,
  opts: StageOptions = {},
): StagedModel {
  const noop = (): void => undefined;
  const problems = patched.externalFiles.filter((f) => !safeLocation(f));
  if (problems.length > 0)
    throw new Error(`external data locations outside the model folder: ${problems.join(", ")}`);
  const sources = patched.externalFiles.map((loc) => ({
    loc,
    real: realpathSync(loc === opts.self ? original : join(dirname(original), loc)),
  }));
  if (sources.length === 0 || opts.links !== false) {
    const roots = [opts.tempRoot ?? tmpdir(), dirname(realpathSync(original))];
    for (const root of opts.tempRoot === undefined ? roots : roots.slice(0, 1)) {
      const staged = stageOnDisk(original, patched.bytes, sources, root);
      if (staged) return staged;
    }
  }
  return {
    kind: "bytes",
    bytes: patched.bytes,
    externalData: sources.map((s) => ({ path: s.loc, data: new Uint8Array(readFileSync(s.real)) })),
    cleanup: noop,
  };
}
