/**
 * A read-only Hugging Face Hub on 127.0.0.1 that serves a folder through the endpoints the Hub layer and
 * @huggingface/hub call (listed in docs/architecture.md, "Hub access"): repo/revision info, tree listing with pagination,
 * paths-info, and resolve with Range. Used by the offline `demo` and, through hooks (faults, request log,
 * extra routes), by the test suite's fake Hub, so both speak the same protocol.
 *
 * Layout: `<root>/datasets/<org>/<name>/<files>` and `<root>/models/<org>/<name>/<files>` are branch `main`;
 * `<root>/datasets/<org>/<name>@<branch>/` serves another branch. The commit sha of a revision is a
 * deterministic hash of its folder's content, so the same files give the same sha (runs resume) and changing
 * a file moves the branch to a new sha. The folder is read on every request, so edits show up at once.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";

/** Which endpoint a request hit. */
export type HubEndpoint = "revision" | "tree" | "paths-info" | "resolve" | "other";

/** What a request was classified as, handed to the per-request hooks. */
export interface HubRequestTarget {
  /** The endpoint. */
  endpoint: HubEndpoint;
  /** Repo file path (resolve) or URL pathname (the other endpoints): what faults match on. */
  target: string;
  /** Repo file path, for resolve requests. */
  file?: string;
}

/** Per-request hooks returned by `onRequest`; every member is optional. */
export interface HubRequestHooks {
  /**
   * The request is a Hub endpoint of a well-formed repo URL (not an extra route, not an unknown endpoint),
   * before authorisation and serving. Return true when the hook answered the request itself.
   */
  classified?(target: HubRequestTarget, res: ServerResponse): boolean | Promise<boolean>;
  /**
   * Rewrites a JSON answer (revision info, a tree page, paths-info) before it is sent, to mimic servers
   * that answer differently; `content` reads a file of the revision.
   */
  json?(endpoint: HubEndpoint, body: unknown, content: (path: string) => Buffer | undefined): unknown;
  /** Rewrites the file bytes a resolve request is about to send (after Range). */
  body?(body: Buffer): Buffer;
  /** Writes the resolve body in place of `res.end(body)` (headers already sent); return true when it did. */
  send?(res: ServerResponse, body: Buffer): boolean;
  /** The request was answered with this status (500 when the handler threw) and classified as `endpoint`. */
  done?(status: number, endpoint: HubEndpoint): void;
}

/** Extra routing tried before the built-in endpoints; return true when the request was handled. */
export type HubRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

/** Options of startHubServer. */
export interface HubServerOptions {
  /** The folder served. */
  root: string;
  /** Files larger than this (bytes) are LFS; `.parquet`/`.onnx`/`.onnx_data*` always are. Default 10 KB. */
  lfsThreshold?: number;
  /** Entries per tree page (pagination via Link header). Default 1000. */
  pageSize?: number;
  /** Routes tried before the built-in ones. */
  routes?: HubRoute[];
  /** Repos (`datasets/org/name`, `models/org/name`) that need `Authorization: Bearer <token>`. */
  gated?: { token: string; repos: string[] };
  /** Called first for every request; the hooks it returns follow that request. */
  onRequest?(req: IncomingMessage): HubRequestHooks | undefined;
  /** Title of the commit shown by `expand` listings. Default "local commit". */
  commitTitle?: string;
  /** Port to listen on (127.0.0.1 only); default 0, a free port. */
  port?: number;
}

/** A running Hub server. */
export interface HubServer {
  /** Base URL, e.g. http://127.0.0.1:12345 (use as HF_ENDPOINT). */
  url: string;
  /** The served folder. */
  root: string;
  /** Adds a route tried before the built-in ones (after the earlier routes). */
  addRoute(route: HubRoute): void;
  /** Commit sha of a repo revision (`main` by default) as served now. */
  shaOf(kind: "dataset" | "model", id: string, branch?: string): string;
  /** Stops the server (open connections are closed). */
  close(): Promise<void>;
}

interface FileEntry {
  path: string;
  size: number;
  /** Git blob sha1 of what git would store (the LFS pointer for LFS files). */
  oid: string;
  /** LFS content sha256 and size. */
  lfs?: { oid: string; size: number; pointerSize: number };
  abs: string;
}

interface Revision {
  sha: string;
  branch: string;
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

function dirsOf(files: FileEntry[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [...dirs].sort();
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
  return status;
}

function notFound(res: ServerResponse, code: string, message: string): number {
  return json(res, 404, { error: message }, { "X-Error-Code": code });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Splits a URL path into repo kind, the segments after it, and the endpoint. */
function classify(pathname: string): { kind: string; rest: string[]; endpoint: HubEndpoint } {
  const segs = pathname.split("/").slice(1);
  if (segs[0] === "api" && (segs[1] === "datasets" || segs[1] === "models")) {
    const rest = segs.slice(2);
    const op = rest[2];
    const endpoint: HubEndpoint =
      op === undefined || op === "revision"
        ? "revision"
        : op === "tree"
          ? "tree"
          : op === "paths-info"
            ? "paths-info"
            : "other";
    return { kind: segs[1], rest, endpoint: rest.length < 2 ? "other" : endpoint };
  }
  const kind = segs[0] === "datasets" ? "datasets" : "models";
  const rest = segs[0] === "datasets" ? segs.slice(1) : segs;
  return { kind, rest, endpoint: rest.length >= 2 && rest[2] === "resolve" ? "resolve" : "other" };
}

/** Starts the Hub server over `options.root`, bound to 127.0.0.1 only, on a free port. */
export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const { root } = options;
  const lfsThreshold = options.lfsThreshold ?? 10 * 1024;
  const pageSize = options.pageSize ?? 1000;
  const commitTitle = options.commitTitle ?? "local commit";
  const routes: HubRoute[] = [...(options.routes ?? [])];

  function loadRevision(kind: string, id: string, branch: string): Revision | null {
    const dir = join(root, kind, ...id.split("/")) + (branch === "main" ? "" : `@${branch}`);
    try {
      if (!statSync(dir).isDirectory()) return null;
    } catch {
      return null;
    }
    const files: FileEntry[] = walk(dir).map((path) => {
      const abs = join(dir, ...path.split("/"));
      const content = readFileSync(abs);
      if (content.length > lfsThreshold || isLfsName(path)) {
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
    });
    const h = createHash("sha1").update(`${kind}/${id}@${branch}\n`);
    for (const f of files) h.update(`${f.path}\0${f.lfs?.oid ?? f.oid}\n`);
    return { sha: h.digest("hex"), branch, files };
  }

  function branches(kind: string, id: string): string[] {
    const parent = join(root, kind, ...id.split("/").slice(0, -1));
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
  function findRevision(kind: string, id: string, rev: string): Revision | null | "no-repo" {
    const all = branches(kind, id);
    if (!all.includes("main")) return "no-repo";
    const branch = rev === "HEAD" ? "main" : rev;
    if (all.includes(branch)) return loadRevision(kind, id, branch);
    for (const b of all) {
      const r = loadRevision(kind, id, b);
      if (r?.sha === rev) return r;
    }
    return null;
  }

  function entryJson(f: FileEntry, rev: Revision, expand: boolean): Record<string, unknown> {
    return {
      type: "file",
      oid: f.oid,
      size: f.size,
      path: f.path,
      ...(f.lfs ? { lfs: f.lfs } : {}),
      ...(expand
        ? { lastCommit: { id: rev.sha, title: commitTitle, date: "2026-01-01T00:00:00.000Z" } }
        : {}),
    };
  }

  function authorised(req: IncomingMessage, kind: string, id: string): "ok" | 401 | 403 {
    const gated = options.gated;
    if (gated === undefined || !gated.repos.includes(`${kind}/${id}`)) return "ok";
    const auth = req.headers.authorization;
    if (auth === undefined) return 401;
    return auth === `Bearer ${gated.token}` ? "ok" : 403;
  }

  function serveFile(
    req: IncomingMessage,
    res: ServerResponse,
    rev: Revision,
    f: FileEntry,
    hooks: HubRequestHooks | undefined,
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

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    hooks: HubRequestHooks | undefined,
    seen: { endpoint: HubEndpoint },
  ): Promise<number> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    for (const route of routes) {
      if (await route(req, res, url)) return res.statusCode;
    }
    const { kind, rest, endpoint } = classify(url.pathname);
    seen.endpoint = endpoint;
    if (endpoint === "other") return notFound(res, "EntryNotFound", "Unknown endpoint");
    const id = `${decodeURIComponent(rest[0] ?? "")}/${decodeURIComponent(rest[1] ?? "")}`;
    const revSeg = rest[3] !== undefined ? decodeURIComponent(rest[3]) : "main";
    const filePath = rest.slice(4).map(decodeURIComponent).join("/");
    const target: HubRequestTarget =
      endpoint === "resolve"
        ? { endpoint, target: filePath, file: filePath }
        : { endpoint, target: url.pathname };
    if (hooks?.classified && (await hooks.classified(target, res))) return res.statusCode;

    const auth = authorised(req, kind, id);
    if (auth !== "ok") {
      return json(
        res,
        auth,
        { error: "Access to this repo is restricted." },
        { "X-Error-Code": "GatedRepo" },
      );
    }
    const rev = findRevision(kind, id, revSeg);
    if (rev === "no-repo")
      return json(res, 404, { error: "Repository not found" }, { "X-Error-Code": "RepositoryNotFound" });
    if (rev === null) return notFound(res, "RevisionNotFound", `Invalid rev id: ${revSeg}`);

    const content = (p: string): Buffer | undefined => {
      const f = rev.files.find((x) => x.path === p);
      return f ? readFileSync(f.abs) : undefined;
    };
    const shaped = (body: unknown): unknown => (hooks?.json ? hooks.json(endpoint, body, content) : body);
    if (endpoint === "revision") {
      return json(
        res,
        200,
        shaped({
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
        }),
      );
    }
    if (endpoint === "tree") {
      const prefix = filePath === "" ? "" : `${filePath}/`;
      const recursive = url.searchParams.get("recursive") === "true";
      const expand = url.searchParams.get("expand") === "true";
      const inScope = (p: string): boolean =>
        p.startsWith(prefix) && (recursive || !p.slice(prefix.length).includes("/"));
      const entries = [
        ...dirsOf(rev.files)
          .filter(inScope)
          .map((d) => ({ type: "directory", oid: gitBlobSha1(d), size: 0, path: d })),
        ...rev.files.filter((f) => inScope(f.path)).map((f) => entryJson(f, rev, expand)),
      ].sort((a, b) => (String(a.path) < String(b.path) ? -1 : 1));
      if (filePath !== "" && entries.length === 0)
        return notFound(res, "EntryNotFound", `${filePath} does not exist`);
      const cursor = Number(url.searchParams.get("cursor") ?? "0");
      const page = entries.slice(cursor, cursor + pageSize);
      const headers: Record<string, string> = {};
      if (cursor + pageSize < entries.length) {
        const next = new URL(url.toString());
        next.searchParams.set("cursor", String(cursor + pageSize));
        const host = req.headers.host ?? "127.0.0.1";
        headers.Link = `<http://${host}${next.pathname}${next.search}>; rel="next"`;
      }
      return json(res, 200, shaped(page), headers);
    }
    if (endpoint === "paths-info") {
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
      const out = paths.flatMap((p) => {
        const f = rev.files.find((x) => x.path === p);
        if (f) return [entryJson(f, rev, expand)];
        return dirs.has(p) ? [{ type: "directory", oid: gitBlobSha1(p), size: 0, path: p }] : [];
      });
      return json(res, 200, shaped(out));
    }
    const f = rev.files.find((x) => x.path === filePath);
    if (!f) {
      res.setHeader("X-Repo-Commit", rev.sha);
      return notFound(res, "EntryNotFound", `${filePath} does not exist at ${rev.sha}`);
    }
    return serveFile(req, res, rev, f, hooks);
  }

  const server = createServer((req, res) => {
    const hooks = options.onRequest?.(req);
    const seen: { endpoint: HubEndpoint } = { endpoint: "other" };
    handle(req, res, hooks, seen).then(
      (status) => hooks?.done?.(status, seen.endpoint),
      (err: unknown) => {
        hooks?.done?.(500, seen.endpoint);
        if (!res.headersSent) json(res, 500, { error: String(err) });
        else res.destroy();
      },
    );
  });
  // Loopback only: the served folder is never exposed to the network.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    root,
    addRoute(route) {
      routes.push(route);
    },
    shaOf(kind, id, branch = "main") {
      const r = loadRevision(`${kind}s`, id, branch);
      if (r === null) throw new Error(`Hub server: no ${kind} ${id}@${branch} under ${root}`);
      return r.sha;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
