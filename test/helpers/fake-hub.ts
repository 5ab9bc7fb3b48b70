/**
 * A fake Hugging Face Hub: a node:http server on 127.0.0.1 that serves a folder through the endpoints
 * @huggingface/hub and our download core call (reference/dependencies.md Q4), with switchable faults.
 *
 * Layout: `<root>/datasets/<org>/<name>/<files>` and `<root>/models/<org>/<name>/<files>` are branch `main`;
 * `<root>/datasets/<org>/<name>@<branch>/` serves another branch. The commit sha of a revision is a
 * deterministic hash of its folder's content, so changing a file moves `main` to a new sha.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";

/** Which endpoint a request hit. */
export type Endpoint = "revision" | "tree" | "paths-info" | "resolve" | "other";

/** What a fault does to a matching request. */
export type FaultAction =
  | { kind: "status"; status: number; retryAfter?: number }
  | { kind: "reset"; afterBytes?: number }
  | { kind: "truncate"; sendBytes?: number }
  | { kind: "corrupt" }
  | { kind: "delay"; ms: number };

/** A fault rule: the action, which requests it hits, and how many times. */
export type Fault = FaultAction & {
  /** Endpoint it applies to (default `resolve`); `any` for all. */
  endpoint?: Endpoint | "any";
  /** Repo file path (resolve) or URL pathname (others): exact string, or a RegExp. */
  path?: string | RegExp;
  /** Number of requests to hit, then the rule is spent (default: every request). */
  times?: number;
};

/** One request the fake saw. */
export interface RequestLog {
  /** HTTP method. */
  method: string;
  /** Path and query. */
  url: string;
  /** Endpoint kind. */
  endpoint: Endpoint;
  /** Repo file path for resolve/paths-info requests. */
  file?: string;
  /** Status sent. */
  status: number;
  /** The Authorization header as received (tests check the token is sent). */
  authorization: string | undefined;
  /** The Range header, when any. */
  range: string | undefined;
  /** The fault applied, when any. */
  fault?: FaultAction["kind"];
}

/** Extra routing for other engineers' endpoints (commit/upload); return true when the request was handled. */
export type Route = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  hub: FakeHub,
) => boolean | Promise<boolean>;

/** Options of startFakeHub. */
export interface FakeHubOptions {
  /** The folder served. */
  root: string;
  /** Initial faults. */
  faults?: Fault[];
  /** Files larger than this (bytes) are LFS; `.parquet`/`.onnx`/`.onnx_data*` always are. Default 10 KB. */
  lfsThreshold?: number;
  /** Entries per tree page (pagination via Link header). Default 1000. */
  pageSize?: number;
  /** Routes tried before the built-in ones. */
  extraRoutes?: Route[];
  /** Repos (`datasets/org/name`, `models/org/name`) that need `Authorization: Bearer <token>`. */
  gated?: { token: string; repos: string[] };
}

/** A running fake Hub. */
export interface FakeHub {
  /** Base URL, e.g. http://127.0.0.1:12345 (use as HF_ENDPOINT). */
  url: string;
  /** Every request so far, in order. */
  requests: RequestLog[];
  /** Replaces the fault rules. */
  setFaults(faults: Fault[]): void;
  /** Adds a route tried before the built-in ones. */
  addRoute(route: Route): void;
  /** The served folder. */
  root: string;
  /** Commit sha of a repo revision (`main` by default), as the fake computes it. */
  shaOf(kind: "dataset" | "model", id: string, branch?: string): string;
  /** Stops the server. */
  close(): Promise<void>;
}

interface FileEntry {
  path: string;
  size: number;
  oid: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  abs: string;
}

interface Revision {
  sha: string;
  branch: string;
  dir: string;
  files: FileEntry[];
}

function gitBlobSha1(content: Buffer | string): string {
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

/** Starts the fake Hub on 127.0.0.1 and a free port. */
export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const { root } = options;
  const lfsThreshold = options.lfsThreshold ?? 10 * 1024;
  const pageSize = options.pageSize ?? 1000;
  let faults: Fault[] = [...(options.faults ?? [])];
  const routes: Route[] = [...(options.extraRoutes ?? [])];
  const requests: RequestLog[] = [];

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
    return { sha: h.digest("hex"), branch, dir, files };
  }

  function branches(kind: string, id: string): string[] {
    const parent = join(root, kind, ...id.split("/").slice(0, -1));
    const name = id.split("/").at(-1)!;
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

  function matches(f: Fault, endpoint: Endpoint, target: string): boolean {
    const ep = f.endpoint ?? "resolve";
    if (ep !== "any" && ep !== endpoint) return false;
    if (f.path === undefined) return true;
    return typeof f.path === "string" ? f.path === target : f.path.test(target);
  }

  function takeFault(endpoint: Endpoint, target: string): Fault | undefined {
    const f = faults.find((x) => (x.times === undefined || x.times > 0) && matches(x, endpoint, target));
    if (f?.times !== undefined) f.times -= 1;
    return f;
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

  function entryJson(f: FileEntry, rev: Revision, expand: boolean) {
    return {
      type: "file",
      oid: f.oid,
      size: f.size,
      path: f.path,
      ...(f.lfs ? { lfs: f.lfs } : {}),
      ...(expand
        ? { lastCommit: { id: rev.sha, title: "fake commit", date: "2026-01-01T00:00:00.000Z" } }
        : {}),
    };
  }

  function dirsOf(files: FileEntry[]): string[] {
    const dirs = new Set<string>();
    for (const f of files) {
      const parts = f.path.split("/");
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    }
    return [...dirs].sort();
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async function applyFault(fault: Fault | undefined, res: ServerResponse): Promise<number | null> {
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === "status") {
      const headers: Record<string, string> =
        fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {};
      return json(res, fault.status, { error: `fake fault ${fault.status}` }, headers);
    }
    return null;
  }

  async function serveFile(
    req: IncomingMessage,
    res: ServerResponse,
    rev: Revision,
    f: FileEntry,
    fault: Fault | undefined,
  ): Promise<number> {
    let body = readFileSync(f.abs);
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
    if (fault?.kind === "corrupt") {
      body = Buffer.from(body);
      for (let i = 0; i < body.length; i += 7) body[i] = (body[i]! ^ 0xff) & 0xff;
    }
    res.writeHead(status, headers);
    if (req.method === "HEAD") {
      res.end();
      return status;
    }
    if (fault?.kind === "reset" || fault?.kind === "truncate") {
      const n = Math.min(
        body.length - 1,
        fault.kind === "reset"
          ? (fault.afterBytes ?? Math.floor(body.length / 2))
          : (fault.sendBytes ?? Math.floor(body.length / 2)),
      );
      res.flushHeaders();
      // Cut the connection a moment after the bytes went out, so the client has read them (a WHATWG
      // stream drops queued chunks when it errors) and a resume test sees them on disk.
      res.write(body.subarray(0, Math.max(0, n)), () => {
        setTimeout(() => {
          if (fault.kind === "reset") res.socket?.resetAndDestroy();
          else res.socket?.end();
        }, 30);
      });
      return status;
    }
    res.end(body);
    return status;
  }

  function authorised(req: IncomingMessage, kind: string, id: string): "ok" | 401 | 403 {
    const gated = options.gated;
    if (gated === undefined || !gated.repos.includes(`${kind}/${id}`)) return "ok";
    const auth = req.headers.authorization;
    if (auth === undefined) return 401;
    return auth === `Bearer ${gated.token}` ? "ok" : 403;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, log: RequestLog): Promise<number> {
    const url = new URL(req.url ?? "/", "http://fake");
    for (const route of routes) {
      if (await route(req, res, url, handleObj)) return res.statusCode;
    }
    const segs = url.pathname.split("/").slice(1);
    let kind: string;
    let rest: string[];
    let endpoint: Endpoint;
    if (segs[0] === "api" && (segs[1] === "datasets" || segs[1] === "models")) {
      kind = segs[1];
      rest = segs.slice(2);
      const op = rest[2];
      endpoint =
        op === "revision" || op === undefined
          ? "revision"
          : op === "tree"
            ? "tree"
            : op === "paths-info"
              ? "paths-info"
              : "other";
    } else {
      kind = segs[0] === "datasets" ? "datasets" : "models";
      rest = segs[0] === "datasets" ? segs.slice(1) : segs;
      endpoint = rest[2] === "resolve" ? "resolve" : "other";
    }
    log.endpoint = endpoint;
    if (endpoint === "other" || rest.length < 2) return notFound(res, "EntryNotFound", "Unknown endpoint");
    const id = `${decodeURIComponent(rest[0]!)}/${decodeURIComponent(rest[1]!)}`;
    const revSeg = rest[3] !== undefined ? decodeURIComponent(rest[3]) : "main";
    const filePath = rest.slice(4).map(decodeURIComponent).join("/");
    if (endpoint === "resolve") log.file = filePath;
    const fault = takeFault(endpoint, endpoint === "resolve" ? filePath : url.pathname);
    if (fault) log.fault = fault.kind;
    const early = await applyFault(fault, res);
    if (early !== null) return early;

    const auth = authorised(req, kind, id);
    if (auth !== "ok") {
      return json(
        res,
        auth,
        { error: "Access to this repo is restricted." },
        { "X-Error-Code": "GatedRepo" },
      );
    }
    const rev = findRevision(kind, id, endpoint === "revision" && rest[3] === undefined ? "main" : revSeg);
    if (rev === "no-repo")
      return json(res, 404, { error: "Repository not found" }, { "X-Error-Code": "RepositoryNotFound" });
    if (rev === null) return notFound(res, "RevisionNotFound", `Invalid rev id: ${revSeg}`);

    if (endpoint === "revision") {
      return json(res, 200, {
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
      });
    }
    if (endpoint === "tree") {
      const prefix = filePath === "" ? "" : `${filePath}/`;
      const recursive = url.searchParams.get("recursive") === "true";
      const expand = url.searchParams.get("expand") === "true";
      const inScope = (p: string) =>
        p.startsWith(prefix) && (recursive || !p.slice(prefix.length).includes("/"));
      const entries = [
        ...dirsOf(rev.files)
          .filter(inScope)
          .map((d) => ({ type: "directory", oid: gitBlobSha1(d), size: 0, path: d })),
        ...rev.files.filter((f) => inScope(f.path)).map((f) => entryJson(f, rev, expand)),
      ].sort((a, b) => (a.path < b.path ? -1 : 1));
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
      return json(res, 200, page, headers);
    }
    if (endpoint === "paths-info") {
      const text = await readBody(req);
      let paths: string[] = [];
      let expand = false;
      try {
        const body = JSON.parse(text) as { paths?: unknown; expand?: unknown };
        paths = Array.isArray(body.paths) ? body.paths.map(String) : [];
        expand = body.expand === true;
      } catch {
        const form = new URLSearchParams(text);
        paths = form.getAll("paths");
        expand = form.get("expand") === "true";
      }
      const dirs = new Set(dirsOf(rev.files));
      const out = paths.flatMap((p) => {
        const f = rev.files.find((x) => x.path === p);
        if (f) return [entryJson(f, rev, expand)];
        if (dirs.has(p)) return [{ type: "directory", oid: gitBlobSha1(p), size: 0, path: p }];
        return [];
      });
      return json(res, 200, out);
    }
    // resolve
    const f = rev.files.find((x) => x.path === filePath);
    if (!f) {
      res.setHeader("X-Repo-Commit", rev.sha);
      return notFound(res, "EntryNotFound", `${filePath} does not exist at ${rev.sha}`);
    }
    return serveFile(req, res, rev, f, fault);
  }

  const server: Server = createServer((req, res) => {
    const log: RequestLog = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      endpoint: "other",
      status: 0,
      authorization: req.headers.authorization,
      range: req.headers.range,
    };
    requests.push(log);
    handle(req, res, log).then(
      (status) => {
        log.status = status;
      },
      (err: unknown) => {
        log.status = 500;
        if (!res.headersSent) json(res, 500, { error: String(err) });
        else res.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const handleObj: FakeHub = {
    url: `http://127.0.0.1:${port}`,
    requests,
    root,
    setFaults(f) {
      faults = [...f];
    },
    addRoute(route) {
      routes.push(route);
    },
    shaOf(kind, id, branch = "main") {
      const r = loadRevision(`${kind}s`, id, branch);
      if (r === null) throw new Error(`fake hub: no ${kind} ${id}@${branch} under ${root}`);
      return r.sha;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
  return handleObj;
}
