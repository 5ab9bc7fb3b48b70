/**
 * The viewer page: one HTML document with its style and script inline, so it works from a server and from
 * file:// alike, loads nothing from elsewhere and runs under a strict Content-Security-Policy (the inline
 * script and style are allowed by hash). The script is the tsc output of src/view/query.ts and the
 * src/view/client/ modules joined into one classic script: they are ours and import only one another, so
 * concatenating them in dependency order without their import/export keywords is all the bundling they need.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InternalError } from "../core/errors.js";
import { embedJson } from "../report/leaderboard-html.js";
import { STYLE } from "./style.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The compiled JS file of a module, beside this one (dist) or in dist when running from the sources. */
function compiled(rel: string): string {
  const candidates = [join(HERE, rel), join(HERE, "..", "..", "dist", "src", "view", rel)];
  for (const c of candidates) if (existsSync(c)) return readFileSync(c, "utf8");
  throw new InternalError(`the viewer's script ${rel} is missing; run \`npm run build\``);
}

/** Drops ES module syntax from our two client modules (see the file comment). */
export function toClassicScript(source: string): string {
  const out = source
    .replace(/^import\s[^;]*;\s*$/gm, "")
    .replace(/^export\s+\{\s*\};?\s*$/gm, "")
    .replace(/^export\s+(?=(async\s+)?function|const|let|class)/gm, "");
  if (/^\s*(import|export)\b/m.test(out)) {
    throw new InternalError("the viewer's client script still has module syntax after bundling");
  }
  return out;
}

/** The page's modules in dependency order (each imports only those before it). */
const MODULES = ["query.js", "client/dom.js", "client/backend.js", "client/sample-view.js", "client/app.js"];

/** Joins modules into one scope, refusing two top-level declarations of one name (one would hide the other). */
export function joinModules(sources: readonly string[]): string {
  const seen = new Set<string>();
  for (const src of sources) {
    for (const m of src.matchAll(/^(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/gm)) {
      if (seen.has(m[1]!)) throw new InternalError(`the viewer's modules both declare ${m[1]}`);
      seen.add(m[1]!);
    }
  }
  return `(function () {\n"use strict";\n${sources.join("\n")}\n})();\n`;
}

let script: string | null = null;

/** The page script (cached). */
export function pageScript(): string {
  script ??= joinModules(MODULES.map((m) => toClassicScript(compiled(m))));
  return script;
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** How the page gets its data. */
export type PageMode =
  | {
      /** Served: the page calls /api on its own origin. */
      kind: "server";
    }
  | {
      /** Exported: everything is embedded. */
      kind: "static";
      /** The embedded data (export.ts). */
      data: unknown;
    };

/** The page and the Content-Security-Policy that fits it. */
export function viewerPage(mode: PageMode): { html: string; csp: string } {
  const js = pageScript();
  const boot = mode.kind === "static" ? embedJson(mode.data) : '{"mode":"server"}';
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(js)}`,
    `style-src ${sha256(STYLE)}`,
    mode.kind === "static" ? "img-src 'self' file:" : "img-src 'self'",
    mode.kind === "static" ? "connect-src 'none'" : "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${mode.kind === "static" ? `<meta http-equiv="Content-Security-Policy" content="${csp}">\n` : ""}<title>fastvlm-eval viewer</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1><a href="#">fastvlm-eval viewer</a></h1><p id="status" role="status"></p></header>
<main id="app"></main>
<script type="application/json" id="view-data">${boot}</script>
<script>${js}</script>
</body>
</html>
`;
  return { html, csp };
}
