/**
 * The viewer's HTTP server (node:http, GET only). Routes map to ViewApi calls; runs and samples are named
 * by key and id, which are looked up in memory, so no request path ever reaches the file system. Requests
 * whose Host is not the server's own are refused (a web page elsewhere cannot rebind a name to it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { NotFound, type ViewApi } from "./api.js";
import { viewerPage } from "./assets.js";
import { parseSampleQuery } from "./query.js";

/** Options of startViewServer. */
export interface ViewServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; 0 takes a free one. */
  port?: number;
}

/** A running viewer. */
export interface ViewServer {
  /** `http://host:port/`. */
  url: string;
  /** Stops accepting and closes open connections. */
  close(): Promise<void>;
}

/** True for loopback addresses and names. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Resource-Policy": "same-origin",
};

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array,
  extra = {},
): void {
  res.writeHead(status, { ...HEADERS, "Content-Type": type, "Cache-Control": "no-store", ...extra });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

async function route(api: ViewApi, url: URL, res: ServerResponse): Promise<void> {
  const parts = url.pathname.split("/").filter((p) => p !== "");
  const q = parseSampleQuery((n) => url.searchParams.get(n));
  const vs = url.searchParams.get("vs");
  if (parts.length === 0) {
    const { html, csp } = viewerPage({ kind: "server" });
    return send(res, 200, "text/html; charset=utf-8", html, { "Content-Security-Policy": csp });
  }
  // Browsers ask for an icon on their own; there is none.
  if (url.pathname === "/favicon.ico") return send(res, 204, "text/plain", "");
  if (parts[0] !== "api") throw new NotFound(url.pathname);
  const [, what, key, sub] = parts;
  if (what === "runs" && key === undefined) return json(res, 200, api.runs());
  if (what === "runs" && key !== undefined && sub === "samples") {
    return json(res, 200, await api.samples(key, q, vs));
  }
  if (what === "runs" && key !== undefined && sub === "sample") {
    return json(res, 200, await api.sample(key, url.searchParams.get("id") ?? "", q, vs));
  }
  if (what === "runs" && key !== undefined && sub === "image") {
    const k = Number(url.searchParams.get("k") ?? "0");
    if (!Number.isInteger(k) || k < 0) throw new NotFound("bad image index");
    const img = await api.image(
      key,
      url.searchParams.get("id") ?? "",
      k,
      url.searchParams.get("size") !== "full",
    );
    return send(res, 200, img.type, img.body, { "Cache-Control": "private, max-age=3600" });
  }
  if (what === "compare" && key === undefined) {
    return json(
      res,
      200,
      await api.compare(url.searchParams.get("a") ?? "", url.searchParams.get("b") ?? ""),
    );
  }
  throw new NotFound(url.pathname);
}

/** Starts the viewer on host:port and resolves once it listens. */
export async function startViewServer(api: ViewApi, opts: ViewServerOptions = {}): Promise<ViewServer> {
  const host = opts.host ?? "127.0.0.1";
  let allowed = new Set<string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(res, 405, "text/plain", "GET only\n", { Allow: "GET, HEAD" });
    }
    const hostHeader = (req.headers.host ?? "").toLowerCase();
    if (isLoopback(host) && !allowed.has(hostHeader)) return send(res, 421, "text/plain", "wrong Host\n");
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://viewer.invalid");
    } catch {
      return send(res, 400, "text/plain", "bad request\n");
    }
    route(api, url, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof NotFound) return json(res, 404, { error: err.message });
      json(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  allowed = new Set([`${shown}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
  return {
    url: `http://${shown}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
