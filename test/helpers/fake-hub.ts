/**
 * A fake Hugging Face Hub for tests: the shipped read-only Hub server (src/testbed/hub-server.ts, also behind `demo`)
 * plus switchable faults, a log of every request, and extra routes (commit/upload, see fake-hub-commit.ts).
 *
 * Layout: `<root>/datasets/<org>/<name>/<files>` and `<root>/models/<org>/<name>/<files>` are branch `main`;
 * `<root>/datasets/<org>/<name>@<branch>/` serves another branch. The commit sha of a revision is a
 * deterministic hash of its folder's content, so changing a file moves `main` to a new sha.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type HubEndpoint, type HubRequestHooks, startHubServer } from "../../src/testbed/hub-server.js";

/** Which endpoint a request hit. */
export type Endpoint = HubEndpoint;

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

/**
 * Ways another Hub-compatible server may answer differently from ours (all off by default), so tests can
 * check the client copes with servers we have not seen.
 */
export interface HubVariant {
  /** What small (non-LFS) files list as `oid`: the git blob sha1 (default), nothing, a plain sha1 or sha256 of the content, or junk. */
  oid?: "git" | "none" | "sha1" | "sha256" | "bad";
  /** LFS entries list no `lfs.oid` (and no usable `oid`): nothing to verify the content against. */
  noLfsOid?: boolean;
  /** Revision info has no `sha` (resolve answers still carry X-Repo-Commit). */
  noRevisionSha?: boolean;
  /** Directory entries of tree listings have no `size`. */
  noDirSize?: boolean;
  /** paths-info answers 404 (an older or smaller server without the endpoint). */
  noPathsInfo?: boolean;
  /** Resolve answers 302 to the same path plus `?redirected=1` on `to` (default: this server). */
  redirect?: { to?: string };
  /** Range headers are ignored: files come whole with 200 and no Content-Range. */
  ignoreRange?: boolean;
}

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
  /** Answer like a different Hub-compatible server (see HubVariant). */
  variant?: HubVariant;
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

/** Starts the fake Hub on 127.0.0.1 and a free port: the shipped Hub server plus faults and a request log. */
export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  let faults: Fault[] = [...(options.faults ?? [])];
  const requests: RequestLog[] = [];

  function takeFault(endpoint: Endpoint, target: string): Fault | undefined {
    const f = faults.find((x) => (x.times === undefined || x.times > 0) && matches(x, endpoint, target));
    if (f?.times !== undefined) f.times -= 1;
    return f;
  }

  const variant = options.variant ?? {};
  const reshape = (endpoint: Endpoint, body: unknown, content: (p: string) => Buffer | undefined): unknown =>
    reshapeFor(variant, endpoint, body, content);

  /** Hooks for one request: log it, answer as the variant server would, apply the first matching fault. */
  function onRequest(req: IncomingMessage): HubRequestHooks {
    const log = logRequest(req, requests);
    const redirected = (req.url ?? "").includes("redirected=1");
    if (variant.ignoreRange) delete req.headers.range;
    let fault: Fault | undefined;
    return {
      json: (endpoint, body, content) => reshape(endpoint, body, content),
      async classified({ endpoint, target, file }, res) {
        log.endpoint = endpoint;
        if (file !== undefined) log.file = file;
        if (variantAnswer(variant, endpoint, req, res, redirected)) return true;
        fault = takeFault(endpoint, target);
        if (fault === undefined) return false;
        log.fault = fault.kind;
        return applyFault(fault, res);
      },
      body: (body) => (fault?.kind === "corrupt" ? corrupt(body) : body),
      send: (res, body) =>
        fault?.kind === "reset" || fault?.kind === "truncate" ? cutOff(fault, res, body) : false,
      done(status, endpoint) {
        log.endpoint = endpoint;
        log.status = status;
      },
    };
  }

  const server = await startHubServer({
    root: options.root,
    lfsThreshold: options.lfsThreshold,
    pageSize: options.pageSize,
    gated: options.gated,
    commitTitle: "fake commit",
    onRequest,
  });
  const fake: FakeHub = {
    url: server.url,
    requests,
    root: options.root,
    setFaults(f) {
      faults = [...f];
    },
    addRoute(route) {
      server.addRoute((req, res, url) => route(req, res, url, fake));
    },
    shaOf: (kind, id, branch) => server.shaOf(kind, id, branch),
    close: () => server.close(),
  };
  for (const route of options.extraRoutes ?? []) fake.addRoute(route);
  return fake;
}

/** Logs a request as it arrives (status and endpoint filled in later). */
function logRequest(req: IncomingMessage, requests: RequestLog[]): RequestLog {
  const log: RequestLog = {
    method: req.method ?? "GET",
    url: req.url ?? "/",
    endpoint: "other",
    status: 0,
    authorization: req.headers.authorization,
    range: req.headers.range,
  };
  requests.push(log);
  return log;
}

/** Answers the variant server's way where it differs (no paths-info, a redirect); true when answered. */
function variantAnswer(
  variant: HubVariant,
  endpoint: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  redirected: boolean,
): boolean {
  if (endpoint === "paths-info" && variant.noPathsInfo) {
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: "Not Found" }));
    return true;
  }
  if (endpoint === "resolve" && variant.redirect && !redirected) {
    const base = variant.redirect.to ?? `http://${req.headers.host}`;
    const path = (req.url ?? "/").split("?")[0];
    res.writeHead(302, { Location: `${base}${path}?redirected=1` });
    res.end();
    return true;
  }
  return false;
}

/** Applies a fault before the answer: waits (delay) or answers with its status; true when answered. */
async function applyFault(fault: Fault, res: ServerResponse): Promise<boolean> {
  if (fault.kind === "delay") {
    const { ms } = fault;
    await new Promise((r) => setTimeout(r, ms));
  }
  if (fault.kind !== "status") return false;
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    ...(fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {}),
  };
  res.writeHead(fault.status, headers);
  res.end(JSON.stringify({ error: `fake fault ${fault.status}` }));
  return true;
}

/** The body with every 7th byte flipped. */
function corrupt(body: Buffer): Buffer {
  const out = Buffer.from(body);
  for (let i = 0; i < out.length; i += 7) out[i] = (out[i]! ^ 0xff) & 0xff;
  return out;
}

/** Sends part of the body, then resets or ends the connection; always true (the answer is sent). */
function cutOff(
  f: Extract<FaultAction, { kind: "reset" } | { kind: "truncate" }>,
  res: ServerResponse,
  body: Buffer,
): boolean {
  const n = Math.min(
    body.length - 1,
    f.kind === "reset"
      ? (f.afterBytes ?? Math.floor(body.length / 2))
      : (f.sendBytes ?? Math.floor(body.length / 2)),
  );
  res.flushHeaders();
  // Cut the connection a moment after the bytes went out, so the client has read them (a WHATWG
  // stream drops queued chunks when it errors) and a resume test sees them on disk.
  res.write(body.subarray(0, Math.max(0, n)), () => {
    setTimeout(() => {
      if (f.kind === "reset") res.socket?.resetAndDestroy();
      else res.socket?.end();
    }, 30);
  });
  return true;
}

/** Whether a fault rule applies to a request. */
function matches(f: Fault, endpoint: Endpoint, target: string): boolean {
  const ep = f.endpoint ?? "resolve";
  if (ep !== "any" && ep !== endpoint) return false;
  if (f.path === undefined) return true;
  return typeof f.path === "string" ? f.path === target : f.path.test(target);
}

/** One listing entry as the variant server would write it. */
function reshapeEntry(
  variant: HubVariant,
  e: Record<string, unknown>,
  content: (p: string) => Buffer | undefined,
): unknown {
  if (e.type === "directory") {
    if (!variant.noDirSize) return e;
    const { size: _size, ...rest } = e;
    return rest;
  }
  const out = { ...e };
  if (out.lfs !== undefined) {
    if (variant.noLfsOid) {
      const { oid: _oid, ...lfs } = out.lfs as Record<string, unknown>;
      out.lfs = lfs;
      delete out.oid;
    }
    return out;
  }
  const body = content(String(e.path)) ?? Buffer.alloc(0);
  const mode = variant.oid ?? "git";
  if (mode === "none") delete out.oid;
  else if (mode === "sha1") out.oid = createHash("sha1").update(body).digest("hex");
  else if (mode === "sha256") out.oid = createHash("sha256").update(body).digest("hex");
  else if (mode === "bad") out.oid = "not-a-hash";
  return out;
}

/** A JSON answer as the variant server would write it. */
function reshapeFor(
  variant: HubVariant,
  endpoint: Endpoint,
  body: unknown,
  content: (p: string) => Buffer | undefined,
): unknown {
  if (endpoint === "revision" && variant.noRevisionSha) {
    const { sha: _sha, ...rest } = body as Record<string, unknown>;
    return rest;
  }
  if ((endpoint === "tree" || endpoint === "paths-info") && Array.isArray(body)) {
    return body.map((e) => reshapeEntry(variant, e as Record<string, unknown>, content));
  }
  return body;
}
