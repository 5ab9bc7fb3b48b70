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
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { json, notFound, pathsInfo, revisionInfo, serveFile, treePage } from "./hub-answers.js";
import { RepoFolder } from "./hub-repos.js";

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

/** The URL's repo, revision and file, or null for an endpoint we do not serve. */
function parseTarget(url: URL): {
  kind: string;
  id: string;
  revSeg: string;
  filePath: string;
  endpoint: Exclude<HubEndpoint, "other">;
} | null {
  const { kind, rest, endpoint } = classify(url.pathname);
  if (endpoint === "other") return null;
  const id = `${decodeURIComponent(rest[0] ?? "")}/${decodeURIComponent(rest[1] ?? "")}`;
  const revSeg = rest[3] !== undefined ? decodeURIComponent(rest[3]) : "main";
  const filePath = rest.slice(4).map(decodeURIComponent).join("/");
  return { kind, id, revSeg, filePath, endpoint };
}

/** What every request of one server shares. */
interface ServerScope {
  repos: RepoFolder;
  settings: { pageSize: number; commitTitle: string };
  routes: HubRoute[];
  gated: HubServerOptions["gated"];
}

function authorised(scope: ServerScope, req: IncomingMessage, kind: string, id: string): "ok" | 401 | 403 {
  const gated = scope.gated;
  if (gated === undefined || !gated.repos.includes(`${kind}/${id}`)) return "ok";
  const auth = req.headers.authorization;
  if (auth === undefined) return 401;
  return auth === `Bearer ${gated.token}` ? "ok" : 403;
}

/** Answers one request: extra routes, then the Hub endpoints; returns the status sent. */
async function handle(
  scope: ServerScope,
  req: IncomingMessage,
  res: ServerResponse,
  hooks: HubRequestHooks | undefined,
  seen: { endpoint: HubEndpoint },
): Promise<number> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  for (const route of scope.routes) {
    if (await route(req, res, url)) return res.statusCode;
  }
  const t = parseTarget(url);
  seen.endpoint = t?.endpoint ?? "other";
  if (t === null) return notFound(res, "EntryNotFound", "Unknown endpoint");
  const { kind, id, revSeg, filePath, endpoint } = t;
  const target: HubRequestTarget =
    endpoint === "resolve"
      ? { endpoint, target: filePath, file: filePath }
      : { endpoint, target: url.pathname };
  if (hooks?.classified && (await hooks.classified(target, res))) return res.statusCode;
  const auth = authorised(scope, req, kind, id);
  if (auth !== "ok") {
    return json(res, auth, { error: "Access to this repo is restricted." }, { "X-Error-Code": "GatedRepo" });
  }
  const rev = scope.repos.findRevision(kind, id, revSeg);
  if (rev === "no-repo")
    return json(res, 404, { error: "Repository not found" }, { "X-Error-Code": "RepositoryNotFound" });
  if (rev === null) return notFound(res, "RevisionNotFound", `Invalid rev id: ${revSeg}`);
  const content = (p: string): Buffer | undefined => {
    const f = rev.files.find((x) => x.path === p);
    return f ? readFileSync(f.abs) : undefined;
  };
  const shaped = (body: unknown): unknown => (hooks?.json ? hooks.json(endpoint, body, content) : body);
  if (endpoint === "revision") return json(res, 200, shaped(revisionInfo(id, rev)));
  if (endpoint === "tree") {
    const tree = treePage(req, url, rev, filePath, scope.settings);
    if (tree === null) return notFound(res, "EntryNotFound", `${filePath} does not exist`);
    return json(res, 200, shaped(tree.page), tree.headers);
  }
  if (endpoint === "paths-info")
    return json(res, 200, shaped(await pathsInfo(req, rev, scope.settings.commitTitle)));
  const f = rev.files.find((x) => x.path === filePath);
  if (!f) {
    res.setHeader("X-Repo-Commit", rev.sha);
    return notFound(res, "EntryNotFound", `${filePath} does not exist at ${rev.sha}`);
  }
  return serveFile(req, res, rev, f, hooks);
}

/** Starts the Hub server over `options.root`, bound to 127.0.0.1 only, on a free port. */
export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const { root } = options;
  const repos = new RepoFolder(root, options.lfsThreshold ?? 10 * 1024);
  const routes: HubRoute[] = [...(options.routes ?? [])];
  const scope: ServerScope = {
    repos,
    settings: { pageSize: options.pageSize ?? 1000, commitTitle: options.commitTitle ?? "local commit" },
    routes,
    gated: options.gated,
  };
  const server = createServer((req, res) => {
    const hooks = options.onRequest?.(req);
    const seen: { endpoint: HubEndpoint } = { endpoint: "other" };
    handle(scope, req, res, hooks, seen).then(
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
      const r = repos.loadRevision(`${kind}s`, id, branch);
      if (r === null) throw new Error(`Hub server: no ${kind} ${id}@${branch} under ${root}`);
      return r.sha;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
