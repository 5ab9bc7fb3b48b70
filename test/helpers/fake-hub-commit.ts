/**
 * Commit and upload endpoints for the fake Hub (the calls @huggingface/hub `uploadFiles` makes): repo exists, repos/create,
 * preupload, LFS batch, the basic PUT and the ndjson commit. Plug into startFakeHub via `extraRoutes`.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeHub, Route } from "./fake-hub.js";

/** One received commit. */
export interface ReceivedCommit {
  /** `datasets/org/name`, `spaces/org/name` or `org/name` (models). */
  repo: string;
  /** The header line's summary. */
  summary: string;
  /** Files committed inline: path → decoded content. */
  files: Record<string, Buffer>;
  /** LFS files: path → sha256 oid. */
  lfs: Record<string, string>;
}

/** State and knobs of the fake commit API. */
export interface CommitState {
  /** Existing repos (`datasets/org/name`, `spaces/org/name`). */
  repos: Set<string>;
  /** Bodies of repos/create requests. */
  created: Record<string, unknown>[];
  /** Commits received. */
  commits: ReceivedCommit[];
  /** LFS objects stored: oid → bytes. */
  lfsObjects: Map<string, Buffer>;
  /** The token every API call must carry (Bearer). */
  token: string;
  /** Files at least this large are answered `lfs` by preupload. */
  lfsThreshold: number;
  /** Paths (method + pathname) of every request handled here, in order. */
  log: string[];
  /** Answer the next commit with this status (then cleared). */
  failCommitWith: number | null;
}

/** A fresh state. */
export function commitState(token: string, overrides: Partial<CommitState> = {}): CommitState {
  return {
    repos: new Set(),
    created: [],
    commits: [],
    lfsObjects: new Map(),
    token,
    lfsThreshold: 4096,
    log: [],
    failCommitWith: null,
    ...overrides,
  };
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): true {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
  return true;
}

const TYPES: Record<string, string> = { datasets: "datasets", spaces: "spaces", models: "" };

/** Answers 401 unless the request carries the state's token; true when it does. */
function authorized(state: CommitState, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.headers.authorization === `Bearer ${state.token}`) return true;
  json(res, 401, { error: "Invalid credentials in Authorization header" });
  return false;
}

/** Basic LFS upload target (no Authorization is sent here, by design of the client). */
async function lfsPut(
  state: CommitState,
  req: IncomingMessage,
  res: ServerResponse,
  oid: string,
): Promise<true> {
  state.log.push(`PUT /__lfs`);
  const bytes = await body(req);
  const got = createHash("sha256").update(bytes).digest("hex");
  if (got !== oid) return json(res, 400, { error: "sha256 mismatch" });
  state.lfsObjects.set(got, bytes);
  res.writeHead(200);
  res.end();
  return true;
}

async function createRepo(
  state: CommitState,
  req: IncomingMessage,
  res: ServerResponse,
  hub: FakeHub,
): Promise<true> {
  state.log.push("POST /api/repos/create");
  if (!authorized(state, req, res)) return true;
  const b = JSON.parse((await body(req)).toString("utf8")) as Record<string, unknown>;
  state.created.push(b);
  const prefix = b.type === "space" ? "spaces" : b.type === "dataset" ? "datasets" : "models";
  const id = `${prefix}/${String(b.organization)}/${String(b.name)}`;
  if (state.repos.has(id)) return json(res, 409, { error: "You already created this repo" });
  state.repos.add(id);
  return json(res, 200, { url: `${hub.url}/${id}`, id });
}

async function lfsBatch(
  state: CommitState,
  req: IncomingMessage,
  res: ServerResponse,
  hub: FakeHub,
): Promise<true> {
  state.log.push(`POST lfs/batch`);
  if (!authorized(state, req, res)) return true;
  const b = JSON.parse((await body(req)).toString("utf8")) as {
    objects: { oid: string; size: number }[];
  };
  return json(res, 200, {
    transfer: "basic",
    objects: b.objects.map((o) =>
      state.lfsObjects.has(o.oid)
        ? { oid: o.oid, size: o.size }
        : { oid: o.oid, size: o.size, actions: { upload: { href: `${hub.url}/__lfs/${o.oid}` } } },
    ),
  });
}

async function preupload(state: CommitState, req: IncomingMessage, res: ServerResponse): Promise<true> {
  const b = JSON.parse((await body(req)).toString("utf8")) as { files: { path: string; size: number }[] };
  return json(res, 200, {
    files: b.files.map((f) => ({
      path: f.path,
      uploadMode: f.size >= state.lfsThreshold ? "lfs" : "regular",
    })),
  });
}

/** The ndjson commit: a header line, inline files, LFS files (which must have been uploaded). */
async function commit(
  state: CommitState,
  req: IncomingMessage,
  res: ServerResponse,
  hub: FakeHub,
  id: string,
): Promise<true> {
  if (state.failCommitWith !== null) {
    const status = state.failCommitWith;
    state.failCommitWith = null;
    return json(res, status, { error: `commit refused for ${req.headers.authorization ?? "nobody"}` });
  }
  const lines = (await body(req)).toString("utf8").split("\n").filter(Boolean);
  const received: ReceivedCommit = { repo: id, summary: "", files: {}, lfs: {} };
  for (const line of lines) {
    const { key, value } = JSON.parse(line) as {
      key: string;
      value: { summary?: string; path?: string; content?: string; oid?: string };
    };
    if (key === "header") received.summary = value.summary ?? "";
    else if (key === "file") received.files[value.path!] = Buffer.from(value.content ?? "", "base64");
    else if (key === "lfsFile") {
      if (!state.lfsObjects.has(value.oid!))
        return json(res, 422, { error: `LFS object ${value.oid} missing` });
      received.lfs[value.path!] = value.oid!;
    }
  }
  state.commits.push(received);
  const oid = createHash("sha1").update(lines.join("\n")).digest("hex");
  return json(res, 200, { commitOid: oid, commitUrl: `${hub.url}/${id}/commit/${oid}`, hookOutput: "" });
}

/** `/api/{datasets|spaces|models}/org/name[/{preupload|commit}/rev]`: repo exists, preupload, commit. */
async function repoApi(
  state: CommitState,
  req: IncomingMessage,
  res: ServerResponse,
  hub: FakeHub,
  path: string,
): Promise<boolean> {
  const method = req.method ?? "GET";
  const m = /^\/api\/(datasets|spaces|models)\/([^/]+\/[^/]+)(?:\/(preupload|commit)\/([^/]+))?$/.exec(path);
  if (!m) return false;
  const kind = m[1]!;
  const id = `${TYPES[kind] ? `${TYPES[kind]}/` : "models/"}${m[2]}`;
  const action = m[3];
  state.log.push(`${method} ${action ?? "repo"}`);

  if (!action && method === "GET") {
    // repoExists: 404 means false.
    if (!state.repos.has(id)) return json(res, 404, { error: "Repository not found" });
    return json(res, 200, { id: m[2], likes: 0 });
  }
  if (!authorized(state, req, res)) return true;
  if (!state.repos.has(id)) return json(res, 404, { error: "Repository not found" });
  if (action === "preupload" && method === "POST") return preupload(state, req, res);
  if (action === "commit" && method === "POST") return commit(state, req, res, hub, id);
  return false;
}

/** The routes; pass as `extraRoutes: commitRoutes(state)`. */
export function commitRoutes(state: CommitState): Route[] {
  const route: Route = async (req, res, url, hub: FakeHub) => {
    const path = url.pathname;
    const method = req.method ?? "GET";
    const put = /^\/__lfs\/([0-9a-f]{64})$/.exec(path);
    if (put && method === "PUT") return lfsPut(state, req, res, put[1]!);
    if (path === "/api/repos/create" && method === "POST") return createRepo(state, req, res, hub);
    // LFS batch: /{datasets|spaces}/org/name.git/info/lfs/objects/batch (models: no prefix).
    if (/^\/(?:(datasets|spaces)\/)?([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.test(path))
      return lfsBatch(state, req, res, hub);
    return repoApi(state, req, res, hub, path);
  };
  return [route];
}
