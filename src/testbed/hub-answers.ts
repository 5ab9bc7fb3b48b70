/** The Hub server's answers: JSON helpers, revision info, tree pages, paths-info and file bodies. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirsOf, type FileEntry, gitBlobSha1, type Revision } from "./hub-repos.js";

/** The hooks a resolve answer goes through (a subset of the server's per-request hooks). */
interface BodyHooks {
  /** Rewrites the bytes about to be sent. */
  body?(body: Buffer): Buffer;
  /** Writes the body itself; true when it did. */
  send?(res: ServerResponse, body: Buffer): boolean;
}

/** Sends a JSON answer; returns the status. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
  return status;
}

/** A 404 with the Hub's X-Error-Code. */
export function notFound(res: ServerResponse, code: string, message: string): number {
  return json(res, 404, { error: message }, { "X-Error-Code": code });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A listing entry of a file (with its last commit when `expand`). */
function entryJson(
  f: FileEntry,
  rev: Revision,
  expand: boolean,
  commitTitle: string,
): Record<string, unknown> {
  return {
    type: "file",
    oid: f.oid,
    size: f.size,
    path: f.path,
    ...(f.lfs ? { lfs: f.lfs } : {}),
    ...(expand ? { lastCommit: { id: rev.sha, title: commitTitle, date: "2026-01-01T00:00:00.000Z" } } : {}),
  };
}

/** `GET /api/<kind>/<id>[/revision/<rev>]`. */
export function revisionInfo(id: string, rev: Revision): Record<string, unknown> {
  return {
    _id: createHash("sha1").update(id).digest("hex").slice(0, 24),
    id,
    sha: rev.sha,
    private: false,
    gated: false,
    disabled: false,
    downloads: 0,
    likes: 0,
    lastModified: "2026-01-01T00:00:00.000Z",
    siblings: rev.files.map((f) => ({ rfilename: f.path })),
  };
}

/** One page of `GET /api/…/tree/<rev>/<path>`, with a `Link: rel="next"` header when more follow; null when the path does not exist. */
export function treePage(
  req: IncomingMessage,
  url: URL,
  rev: Revision,
  filePath: string,
  settings: { pageSize: number; commitTitle: string },
): { page: unknown[]; headers: Record<string, string> } | null {
  const prefix = filePath === "" ? "" : `${filePath}/`;
  const recursive = url.searchParams.get("recursive") === "true";
  const expand = url.searchParams.get("expand") === "true";
  const inScope = (p: string): boolean =>
    p.startsWith(prefix) && (recursive || !p.slice(prefix.length).includes("/"));
  const entries = [
    ...dirsOf(rev.files)
      .filter(inScope)
      .map((d) => ({ type: "directory", oid: gitBlobSha1(d), size: 0, path: d })),
    ...rev.files.filter((f) => inScope(f.path)).map((f) => entryJson(f, rev, expand, settings.commitTitle)),
  ].sort((a, b) => (String(a.path) < String(b.path) ? -1 : 1));
  if (filePath !== "" && entries.length === 0) return null;
  const { pageSize } = settings;
  const cursor = Number(url.searchParams.get("cursor") ?? "0");
  const page = entries.slice(cursor, cursor + pageSize);
  const headers: Record<string, string> = {};
  if (cursor + pageSize < entries.length) {
    const next = new URL(url.toString());
    next.searchParams.set("cursor", String(cursor + pageSize));
    const host = req.headers.host ?? "127.0.0.1";
    headers.Link = `<http://${host}${next.pathname}${next.search}>; rel="next"`;
  }
  return { page, headers };
}

/** `POST /api/…/paths-info/<rev>` (JSON or the form body @huggingface/hub posts). */
export async function pathsInfo(
  req: IncomingMessage,
  rev: Revision,
  commitTitle: string,
): Promise<unknown[]> {
  const text = await readBody(req);
  let paths: string[] = [];
  let expand = false;
  try {
    const parsed = JSON.parse(text) as { paths?: unknown; expand?: unknown };
    paths = Array.isArray(parsed.paths) ? parsed.paths.map(String) : [];
    expand = parsed.expand === true;
  } catch {
    // @huggingface/hub posts a form body.
    const form = new URLSearchParams(text);
    paths = form.getAll("paths");
    expand = form.get("expand") === "true";
  }
  const dirs = new Set(dirsOf(rev.files));
  return paths.flatMap((p) => {
    const f = rev.files.find((x) => x.path === p);
    if (f) return [entryJson(f, rev, expand, commitTitle)];
    return dirs.has(p) ? [{ type: "directory", oid: gitBlobSha1(p), size: 0, path: p }] : [];
  });
}

/** A resolve answer: the file (or the asked Range of it), through the body/send hooks. */
export function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  rev: Revision,
  f: FileEntry,
  hooks: BodyHooks | undefined,
): number {
  let body: Buffer = readFileSync(f.abs);
  const etag = `"${f.lfs?.oid ?? f.oid}"`;
  const headers: Record<string, string> = {
    "Content-Type": "application/octet-stream",
    "Accept-Ranges": "bytes",
    ETag: etag,
    "X-Repo-Commit": rev.sha,
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
      return 416;
    }
    body = body.subarray(start, end + 1);
    headers["Content-Range"] = `bytes ${start}-${end}/${f.size}`;
    status = 206;
  }
  headers["Content-Length"] = String(body.length);
  if (hooks?.body) body = hooks.body(body);
  res.writeHead(status, headers);
  if (req.method === "HEAD") {
    res.end();
    return status;
  }
  if (hooks?.send?.(res, body) !== true) res.end(body);
  return status;
}
