/** The served folder as repos and revisions: files, their git oids and LFS digests, and commit shas. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** One file of a served revision. */
export interface FileEntry {
  /** Repo path. */
  path: string;
  /** Content size. */
  size: number;
  /** Git blob sha1 of what git would store (the LFS pointer for LFS files). */
  oid: string;
  /** LFS content sha256 and size. */
  lfs?: { oid: string; size: number; pointerSize: number };
  /** Where it is on disk. */
  abs: string;
}

/** A branch of a repo as served now. */
export interface Revision {
  /** Deterministic hash of the branch folder's content. */
  sha: string;
  /** Branch name. */
  branch: string;
  /** Its files, sorted by path. */
  files: FileEntry[];
}

/** Git's blob sha1 of some content. */
export function gitBlobSha1(content: Buffer | string): string {
  const buf = typeof content === "string" ? Buffer.from(content) : content;
  return createHash("sha1").update(`blob ${buf.length}\0`).update(buf).digest("hex");
}

function isLfsName(path: string): boolean {
  return /\.(parquet|onnx|onnx_data(_\d+)?)$/.test(path);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"))
    .sort();
}

/** Every folder above the files, sorted. */
export function dirsOf(files: FileEntry[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [...dirs].sort();
}

/** The repos under `<root>/<kind>/<org>/<name>[@branch]`, read on every call so edits show at once. */
export class RepoFolder {
  constructor(
    private readonly root: string,
    private readonly lfsThreshold: number,
  ) {}

  /** One branch, or null when its folder does not exist. */
  loadRevision(kind: string, id: string, branch: string): Revision | null {
    const dir = join(this.root, kind, ...id.split("/")) + (branch === "main" ? "" : `@${branch}`);
    try {
      if (!statSync(dir).isDirectory()) return null;
    } catch {
      return null;
    }
    const files = walk(dir).map((path) => this.entry(dir, path));
    const h = createHash("sha1").update(`${kind}/${id}@${branch}\n`);
    for (const f of files) h.update(`${f.path}\0${f.lfs?.oid ?? f.oid}\n`);
    return { sha: h.digest("hex"), branch, files };
  }

  private entry(dir: string, path: string): FileEntry {
    const abs = join(dir, ...path.split("/"));
    const content = readFileSync(abs);
    if (content.length > this.lfsThreshold || isLfsName(path)) {
      const sha256 = createHash("sha256").update(content).digest("hex");
      const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${content.length}\n`;
      return {
        path,
        size: content.length,
        oid: gitBlobSha1(pointer),
        lfs: { oid: sha256, size: content.length, pointerSize: pointer.length },
        abs,
      };
    }
    return { path, size: content.length, oid: gitBlobSha1(content), abs };
  }

  private branches(kind: string, id: string): string[] {
    const parent = join(this.root, kind, ...id.split("/").slice(0, -1));
    const name = id.split("/").at(-1) ?? "";
    try {
      return readdirSync(parent)
        .filter((n) => n === name || n.startsWith(`${name}@`))
        .map((n) => (n === name ? "main" : n.slice(name.length + 1)));
    } catch {
      return [];
    }
  }

  /** A revision by branch name, "HEAD", or a commit sha of any branch. */
  findRevision(kind: string, id: string, rev: string): Revision | null | "no-repo" {
    const all = this.branches(kind, id);
    if (!all.includes("main")) return "no-repo";
    const branch = rev === "HEAD" ? "main" : rev;
    if (all.includes(branch)) return this.loadRevision(kind, id, branch);
    for (const b of all) {
      const r = this.loadRevision(kind, id, b);
      if (r?.sha === rev) return r;
    }
    return null;
  }
}
