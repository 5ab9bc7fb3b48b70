/**
 * A read-only, loopback-only Hub for the offline demo: serves a folder in the Hub layout
 * (`<root>/datasets/<org>/<name>/…`, `<root>/models/<org>/<name>/…`, branch `main` only) through the endpoints
 * the Hub layer calls (repo info, tree listing, paths-info, resolve with ranges). With HF_ENDPOINT pointing here,
 * `demo` goes through exactly the download, verification and cache code a real `run` uses.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";

/** A running local Hub. */
export interface LocalHub {
  /** Base URL (http://127.0.0.1:<port>), for HF_ENDPOINT. */
  url: string;
  /** Stops the server. */
  close(): Promise<void>;
}

interface Entry {
  path: string;
  size: number;
  /** Git blob sha1 of what git would store (the LFS pointer for LFS files). */
  oid: string;
  /** LFS content sha256 and size, for parquet/onnx and large files. */
  lfs?: { oid: string; size: number; pointerSize: number };
  abs: string;
}

interface Repo {
  sha: string;
  files: Entry[];
}

function blobSha1(content: Buffer | string): string {
  const buf = typeof content === "string" ? Buffer.from(content) : content;
  return createHash("sha1").update(`blob ${buf.length}\0`).update(buf).digest("hex");
}

function listFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"))
    .sort();
}

function loadRepo(root: string, kind: string, id: string): Repo | null {
  const dir = join(root, kind, ...id.split("/"));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
  const files = listFilesUnder(dir).map((path): Entry => {
    const abs = join(dir, ...path.split("/"));
    const content = readFileSync(abs);
    if (content.length > 10 * 1024 || /\.(parquet|onnx|onnx_data(_\d+)?)$/.test(path)) {
      const sha256 = createHash("sha256").update(content).digest("hex");
      const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${content.length}\n`;
      return {
        path,
        size: content.length,
        oid: blobSha1(pointer),
        lfs: { oid: sha256, size: content.length, pointerSize: pointer.length },
        abs,
      };
    }
    return { path, size: content.length, oid: blobSha1(content), abs };
  });
  // The commit sha is a hash of the content: same files, same sha, so demo runs resume.
  const h = createHash("sha1").update(`${kind}/${id}\n`);
  for (const f of files) h.update(`${f.path}\0${f.lfs?.oid ?? f.oid}\n`);
  return { sha: h.digest("hex"), files };
}

function folders(files: Entry[]): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join("/"));
  }
  return [...out].sort();
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function fileJson(f: Entry, sha: string, expand: boolean): Record<string, unknown> {
  return {
    type: "file",
    oid: f.oid,
    size: f.size,
    path: f.path,
    ...(f.lfs ? { lfs: f.lfs } : {}),
    ...(expand ? { lastCommit: { id: sha, title: "demo data", date: "2026-01-01T00:00:00.000Z" } } : {}),
  };
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the local Hub over `root` on 127.0.0.1 and a free port. */
export async function startLocalHub(root: string): Promise<LocalHub> {
  const cache = new Map<string, Repo | null>();
  const repoOf = (kind: string, id: string): Repo | null => {
    const key = `${kind}/${id}`;
    if (!cache.has(key)) cache.set(key, loadRepo(root, kind, id));
    return cache.get(key) ?? null;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const segs = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const api = segs[0] === "api";
    const kind = api ? segs[1] : segs[0] === "datasets" ? "datasets" : "models";
    const rest = api ? segs.slice(2) : segs[0] === "datasets" ? segs.slice(1) : segs;
    if ((kind !== "datasets" && kind !== "models") || rest.length < 2) {
      sendJson(res, 404, { error: "Unknown endpoint" }, { "X-Error-Code": "EntryNotFound" });
      return;
    }
    const id = `${rest[0]}/${rest[1]}`;
    const op = rest[2];
    const repo = repoOf(kind, id);
    if (repo === null) {
      sendJson(res, 404, { error: "Repository not found" }, { "X-Error-Code": "RepositoryNotFound" });
      return;
    }
    const rev = rest[3] ?? "main";
    if (rev !== "main" && rev !== "HEAD" && rev !== repo.sha) {
      sendJson(res, 404, { error: `Invalid rev id: ${rev}` }, { "X-Error-Code": "RevisionNotFound" });
      return;
    }
    const path = rest.slice(4).join("/");
    if (api && (op === undefined || op === "revision")) {
      sendJson(res, 200, {
        _id: createHash("sha1").update(id).digest("hex").slice(0, 24),
        id,
        sha: repo.sha,
        private: false,
        gated: false,
        disabled: false,
        downloads: 0,
        likes: 0,
        lastModified: "2026-01-01T00:00:00.000Z",
        siblings: repo.files.map((f) => ({ rfilename: f.path })),
      });
      return;
    }
    if (api && op === "tree") {
      const prefix = path === "" ? "" : `${path}/`;
      const recursive = url.searchParams.get("recursive") === "true";
      const expand = url.searchParams.get("expand") === "true";
      const inScope = (p: string): boolean =>
        p.startsWith(prefix) && (recursive || !p.slice(prefix.length).includes("/"));
      const entries = [
        ...folders(repo.files)
          .filter(inScope)
          .map((d) => ({ type: "directory", oid: blobSha1(d), size: 0, path: d })),
        ...repo.files.filter((f) => inScope(f.path)).map((f) => fileJson(f, repo.sha, expand)),
      ].sort((a, b) => (String(a.path) < String(b.path) ? -1 : 1));
      sendJson(res, 200, entries);
      return;
    }
    if (api && op === "paths-info") {
      const text = await body(req);
      let paths: string[] = [];
      let expand = false;
      try {
        const parsed = JSON.parse(text) as { paths?: unknown; expand?: unknown };
        paths = Array.isArray(parsed.paths) ? parsed.paths.map(String) : [];
        expand = parsed.expand === true;
      } catch {
        const form = new URLSearchParams(text);
        paths = form.getAll("paths");
        expand = form.get("expand") === "true";
      }
      const dirs = new Set(folders(repo.files));
      sendJson(
        res,
        200,
        paths.flatMap((p) => {
          const f = repo.files.find((x) => x.path === p);
          if (f) return [fileJson(f, repo.sha, expand)];
          return dirs.has(p) ? [{ type: "directory", oid: blobSha1(p), size: 0, path: p }] : [];
        }),
      );
      return;
    }
    if (!api && op === "resolve") {
      const f = repo.files.find((x) => x.path === path);
      if (!f) {
        sendJson(
          res,
          404,
          { error: `${path} does not exist` },
          { "X-Error-Code": "EntryNotFound", "X-Repo-Commit": repo.sha },
        );
        return;
      }
      let content = readFileSync(f.abs);
      const etag = `"${f.lfs?.oid ?? f.oid}"`;
      const headers: Record<string, string> = {
        "Content-Type": "application/octet-stream",
        "Accept-Ranges": "bytes",
        ETag: etag,
        "X-Repo-Commit": repo.sha,
        ...(f.lfs ? { "X-Linked-ETag": etag, "X-Linked-Size": String(f.size) } : {}),
      };
      let status = 200;
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
      if (range) {
        const start = range[1] === "" ? Math.max(0, f.size - Number(range[2])) : Number(range[1]);
        const end = range[1] === "" || range[2] === "" ? f.size - 1 : Math.min(Number(range[2]), f.size - 1);
        if (start > end || start >= f.size) {
          res.writeHead(416, { "Content-Range": `bytes */${f.size}` });
          res.end();
          return;
        }
        content = content.subarray(start, end + 1);
        headers["Content-Range"] = `bytes ${start}-${end}/${f.size}`;
        status = 206;
      }
      headers["Content-Length"] = String(content.length);
      res.writeHead(status, headers);
      res.end(req.method === "HEAD" ? undefined : content);
      return;
    }
    sendJson(res, 404, { error: "Unknown endpoint" }, { "X-Error-Code": "EntryNotFound" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
