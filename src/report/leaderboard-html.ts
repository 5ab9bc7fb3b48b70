/**
 * index.html: one self-contained file. Styles and script are inline, no external fonts, images or requests;
 * the data sits in a `<script type="application/json">` with `<` escaped, and the page builds every element
 * from it with textContent (never innerHTML), so a model named `<script>` stays text.
 */
import type { Leaderboard } from "./leaderboard-types.js";

/** JSON safe to embed in a script element: `<`, `>`, `&` and the JS line separators are escaped. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6570; --line: #d0d7de; --accent: #0969da; --front: #cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9aa4ae; --line: #30363d; --accent: #4493f8; --front: #ff7b72; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 24px auto; max-width: 1200px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin-top: 28px; } h3 { font-size: 15px; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th.sortable { cursor: pointer; user-select: none; white-space: nowrap; }
th.sortable[aria-sort="ascending"]::after { content: " \\25B2"; }
th.sortable[aria-sort="descending"]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.selected td { background: rgba(9, 105, 218, 0.08); }
tr.reference td { font-style: italic; color: #57606a; border-top: 1px dashed #d0d7de; }
a { color: var(--accent); }
svg { max-width: 100%; height: auto; }
.axis line, .axis path { stroke: var(--muted); }
.axis text, .label { fill: var(--muted); font-size: 11px; }
.point { fill: var(--accent); fill-opacity: 0.8; stroke: none; }
.point.front { fill: var(--front); }
.pareto { fill: none; stroke: var(--front); stroke-width: 1.5; stroke-dasharray: 4 3; }
pre { background: rgba(127, 127, 127, 0.1); padding: 8px; overflow: auto; max-height: 260px; }
.controls { margin: 12px 0; }
.cell-n { display: block; font-size: 11px; color: var(--muted); white-space: nowrap; }
.demo-badge { display: inline-block; margin-left: 6px; padding: 0 5px; border: 1px solid var(--front); border-radius: 3px; color: var(--front); font-size: 11px; }
.demo-banner { border: 1px solid var(--front); border-radius: 4px; padding: 8px 12px; margin: 10px 0; }
`;

// Plain JavaScript run in the page. No template literals, no "</" sequences.
const SCRIPT = String.raw`
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("leaderboard-data").textContent);
  var viewer = document.getElementById("lb-table").getAttribute("data-viewer");
  var cols = data.columns;
  var rows = data.rows;
  var multiGroup = data.groups.length > 1;
  var state = { key: "average", dir: -1, metric: "average" };

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function pts(v) { return typeof v === "number" && isFinite(v) ? (v * 100).toFixed(1) : "\u2013"; }
  function ms(v) { return typeof v === "number" && isFinite(v) ? v.toFixed(v < 10 ? 1 : 0) + " ms" : "\u2013"; }
  function metricOf(r, key) { return key === "average" ? r.average : r.scores[key]; }
  function metricLabel(key) {
    if (key === "average") return "Average";
    for (var i = 0; i < cols.length; i++) if (cols[i].key === key) return cols[i].label;
    return key;
  }

  var fields = [{ key: "model", label: "Model", get: function (r) { return r.model.name; } }];
  cols.forEach(function (c) {
    fields.push({ key: c.key, label: c.label, num: true, cell: true, get: function (r) { return r.scores[c.key]; }, fmt: pts, title: c.task + " v" + c.version + " \u00b7 " + c.metric + " \u00b7 " + c.dataset + "@" + (c.revision || "unpinned") });
  });
  fields.push({ key: "average", label: "Average", num: true, get: function (r) { return r.average; }, fmt: pts });
  if (multiGroup) fields.push({ key: "group", label: "Group", get: function (r) { return r.group; } });
  fields.push({ key: "ttft50", label: "TTFT p50", num: true, get: function (r) { return r.ttft ? r.ttft.p50 : null; }, fmt: ms });
  fields.push({ key: "ttft90", label: "TTFT p90", num: true, get: function (r) { return r.ttft ? r.ttft.p90 : null; }, fmt: ms });
  fields.push({ key: "device", label: "Device", get: function (r) { return r.device.label; } });
  fields.push({ key: "date", label: "Date", get: function (r) { return r.date; } });

  function compare(a, b, f, dir) {
    var x = f.get(a), y = f.get(b);
    var xm = x === null || x === undefined, ym = y === null || y === undefined;
    if (xm || ym) return xm && ym ? 0 : xm ? 1 : -1; // missing values last either way
    if (typeof x === "number" && typeof y === "number") return dir * (x - y);
    return dir * String(x).localeCompare(String(y));
  }

  function renderTable() {
    var table = document.getElementById("lb-table");
    table.textContent = "";
    var thead = el("thead"), hr = el("tr");
    fields.forEach(function (f) {
      var th = el("th", f.label, { "class": "sortable", "data-key": f.key, scope: "col" });
      if (f.title) th.title = f.title;
      th.setAttribute("aria-sort", state.key === f.key ? (state.dir > 0 ? "ascending" : "descending") : "none");
      th.addEventListener("click", function () {
        if (state.key === f.key) state.dir = -state.dir;
        else { state.key = f.key; state.dir = f.num && f.key.indexOf("ttft") !== 0 ? -1 : 1; }
        renderTable();
      });
      hr.appendChild(th);
    });
    thead.appendChild(hr);
    table.appendChild(thead);
    var field = fields.filter(function (f) { return f.key === state.key; })[0] || fields[0];
    var sorted = rows.slice().sort(function (a, b) { return compare(a, b, field, state.dir) || a.id.localeCompare(b.id); });
    var tbody = el("tbody");
    sorted.forEach(function (r) {
      var tr = el("tr", null, { "data-row": r.id });
      fields.forEach(function (f) {
        var td = el("td", null, f.num ? { "class": "num" } : null);
        var run = viewer && f.num ? r.runs.filter(function (x) { return x.column === f.key; })[0] : null;
        if (f.key === "model") {
          var a = el("a", r.model.name, { href: "#details-" + r.id });
          td.appendChild(a);
          if (r.synthetic) td.appendChild(el("span", "demo: synthetic data, random weights", { "class": "demo-badge" }));
        } else if (run || (f.cell && r.cells && r.cells[f.key])) {
          var text = f.fmt(f.get(r));
          // The viewer names a run by its run id (see src/view/catalog.ts).
          if (run) td.appendChild(el("a", text, { href: viewer + "#run=" + encodeURIComponent(run.runId.replace(/[^A-Za-z0-9._-]/g, "_")), title: "samples in the viewer" }));
          else td.textContent = text;
          var c = f.cell && r.cells ? r.cells[f.key] : null;
          if (c) {
            var sub = "n=" + c.n + (c.ci ? " \u00b7 " + pts(c.ci[0]) + "\u2013" + pts(c.ci[1]) : "");
            td.appendChild(el("span", sub, { "class": "cell-n", title: c.ci ? "samples scored; 95% interval" : "samples scored" }));
          }
        } else {
          var v = f.get(r);
          td.textContent = f.fmt ? f.fmt(v) : v === null || v === undefined ? "\u2013" : String(v);
        }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    // Published numbers: always below the measured rows, never sorted among them, no average or TTFT.
    (data.references || []).forEach(function (ref) {
      var tr = el("tr", null, { "class": "reference", "data-reference": ref.id, title: ref.repo + (ref.source.commit ? " @ " + ref.source.commit : "") + ". " + ref.caveat });
      fields.forEach(function (f) {
        var td = el("td", null, f.num ? { "class": "num" } : null);
        if (f.key === "model") {
          td.textContent = ref.label + " \u2014 reference";
        } else {
          td.textContent = cols.some(function (c) { return c.key === f.key; }) ? pts(ref.scores[f.key]) : "\u2013";
        }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
  }

  function renderScatter() {
    var box = document.getElementById("scatter");
    box.textContent = "";
    var W = 640, H = 380, L = 56, R = 16, T = 16, B = 44;
    var pts_ = rows.filter(function (r) { var y = metricOf(r, state.metric); return r.ttft && typeof y === "number"; })
      .map(function (r) { return { r: r, x: r.ttft.p50, y: metricOf(r, state.metric) * 100 }; });
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "aria-label": "Accuracy versus TTFT" });
    root.appendChild(svg("title", {}, metricLabel(state.metric) + " vs TTFT p50"));
    if (pts_.length === 0) {
      root.appendChild(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", "class": "label" }, "No row has both a score and a latency pass."));
      box.appendChild(root);
      return;
    }
    var xs = pts_.map(function (p) { return p.x; }), ys = pts_.map(function (p) { return p.y; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var logX = x0 > 0 && x1 / x0 > 8;
    function fx(v) { return logX ? Math.log(v) : v; }
    var a0 = fx(x0), a1 = fx(x1);
    if (a1 - a0 < 1e-9) { a0 -= 1; a1 += 1; }
    var pad = (a1 - a0) * 0.06; a0 -= pad; a1 += pad;
    if (y1 - y0 < 1e-9) { y0 -= 1; y1 += 1; }
    var py = (y1 - y0) * 0.08; y0 -= py; y1 += py;
    // Scores are percentages: never draw an axis below 0 or above 100.
    y0 = Math.max(0, y0); y1 = Math.min(100, y1);
    var xDigits = (logX ? x1 / x0 < 2 : a1 - a0 < 10) ? 1 : 0;
    function sx(v) { return L + (fx(v) - a0) / (a1 - a0) * (W - L - R); }
    function sy(v) { return T + (1 - (v - y0) / (y1 - y0)) * (H - T - B); }
    var axis = svg("g", { "class": "axis" });
    axis.appendChild(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B }));
    axis.appendChild(svg("line", { x1: L, y1: T, x2: L, y2: H - B }));
    for (var i = 0; i <= 4; i++) {
      var yv = y0 + (y1 - y0) * i / 4, xv = logX ? Math.exp(a0 + (a1 - a0) * i / 4) : a0 + (a1 - a0) * i / 4;
      axis.appendChild(svg("text", { x: L - 6, y: sy(yv) + 4, "text-anchor": "end" }, yv.toFixed(1)));
      axis.appendChild(svg("text", { x: sx(xv), y: H - B + 16, "text-anchor": "middle" }, xv.toFixed(xDigits)));
    }
    axis.appendChild(svg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, "TTFT p50 (ms" + (logX ? ", log scale" : "") + ")"));
    axis.appendChild(svg("text", { x: 14, y: (T + H - B) / 2, "text-anchor": "middle", transform: "rotate(-90 14 " + (T + H - B) / 2 + ")" }, metricLabel(state.metric)));
    root.appendChild(axis);
    // Pareto front: faster and at least as accurate dominates.
    var byX = pts_.slice().sort(function (p, q) { return p.x - q.x || q.y - p.y; });
    var front = [], best = -Infinity;
    byX.forEach(function (p) { if (p.y > best) { front.push(p); best = p.y; } });
    var d = "";
    front.forEach(function (p, k) {
      if (k === 0) d += "M" + sx(p.x) + " " + sy(p.y);
      else d += " H" + sx(p.x) + " V" + sy(p.y);
    });
    root.appendChild(svg("path", { d: d, "class": "pareto", "data-points": front.length }));
    pts_.forEach(function (p) {
      var onFront = front.indexOf(p) >= 0;
      var c = svg("circle", { cx: sx(p.x), cy: sy(p.y), r: 5, "class": onFront ? "point front" : "point", "data-row": p.r.id });
      c.appendChild(svg("title", {}, p.r.model.name + " \u2014 " + p.y.toFixed(1) + ", " + p.x.toFixed(0) + " ms (" + p.r.device.label + ")"));
      c.addEventListener("click", function () { location.hash = "#details-" + p.r.id; });
      root.appendChild(c);
      root.appendChild(svg("text", { x: sx(p.x) + 7, y: sy(p.y) - 7, "class": "label" }, p.r.model.name));
    });
    box.appendChild(root);
  }

  function renderSelector() {
    var sel = document.getElementById("metric");
    sel.textContent = "";
    sel.appendChild(el("option", "Average", { value: "average" }));
    cols.forEach(function (c) { sel.appendChild(el("option", c.label, { value: c.key })); });
    sel.value = state.metric;
    sel.addEventListener("change", function () {
      state.metric = sel.value;
      state.key = sel.value;
      state.dir = -1;
      renderTable();
      renderScatter();
    });
  }

  function dl(pairs) {
    var d = el("dl");
    pairs.forEach(function (p) { d.appendChild(el("dt", p[0])); d.appendChild(el("dd", p[1])); });
    return d;
  }

  // Why a run shows no TTFT: only an on-device clock has one (the rows' model.clock, src/core/timing.ts).
  function noTtft(clock) {
    if (clock === "remote") return "none: a remote server's clock (its TTFT includes the network)";
    if (clock === "none") return "none: no model ran (a baseline or imported predictions)";
    return "no latency pass";
  }

  function renderDetails() {
    var box = document.getElementById("details");
    box.textContent = "";
    rows.forEach(function (r) {
      var s = el("section", null, { id: "details-" + r.id, "class": "details" });
      s.appendChild(el("h3", r.model.name));
      s.appendChild(dl([
        ["source", r.model.source + (r.model.revision ? " @ " + r.model.revision : "")],
        ["dtype", JSON.stringify(r.model.dtype)],
        ["device", r.device.label + " (" + r.device.key + ")"],
        ["group", r.group]
      ]));
      r.runs.forEach(function (run) {
        var h = el("h4", run.task + " \u00b7 " + run.runId);
        s.appendChild(h);
        var t = el("table"), tb = el("tbody");
        Object.keys(run.metrics).sort().forEach(function (k) {
          var tr = el("tr");
          tr.appendChild(el("td", k));
          tr.appendChild(el("td", run.metrics[k].toFixed(4), { "class": "num" }));
          tb.appendChild(tr);
        });
        t.appendChild(tb);
        s.appendChild(dl([
          ["run folder", run.path],
          ["samples", JSON.stringify(run.nSamples)],
          ["TTFT", run.ttft ? "p50 " + ms(run.ttft.p50) + ", p90 " + ms(run.ttft.p90) + ", n " + run.ttft.n : noTtft(r.model.clock)],
          ["finished", run.finishedAt || "\u2013"]
        ]));
        s.appendChild(t);
        s.appendChild(el("h5", "config"));
        s.appendChild(el("pre", JSON.stringify(run.config, null, 2)));
        s.appendChild(el("h5", "env"));
        s.appendChild(el("pre", JSON.stringify(run.env, null, 2)));
      });
      s.appendChild(el("a", "back to the table", { href: "#top" }));
      box.appendChild(s);
    });
  }

  function highlight() {
    var id = location.hash.indexOf("#details-") === 0 ? location.hash.slice(9) : "";
    var trs = document.querySelectorAll("#lb-table tbody tr");
    for (var i = 0; i < trs.length; i++) trs[i].classList.toggle("selected", trs[i].getAttribute("data-row") === id);
  }

  var gen = document.getElementById("generated");
  gen.textContent = (data.generatedAt ? "Latest run " + data.generatedAt.slice(0, 10) + ". " : "") + rows.length + " row(s), " + cols.length + " column(s).";
  if (multiGroup) {
    var note = document.getElementById("groups");
    note.textContent = "Averages compare only within a group (same task versions and dataset revisions): " +
      data.groups.map(function (g) { return g.id + " = " + g.columns.map(metricLabel).join(", "); }).join("; ") + ".";
  }
  if (data.references && data.references.length > 0) {
    document.getElementById("references").textContent = "Italic rows marked \u201creference\u201d are published numbers, not runs: never averaged, no TTFT (sources in leaderboard.json). " + data.references[0].caveat;
  }
  renderSelector();
  renderTable();
  renderScatter();
  renderDetails();
  window.addEventListener("hashchange", highlight);
  highlight();
})();
`;

/** The page's copy of the data: reference source URLs stay in leaderboard.json and README.md (the page links nowhere). */
function pageData(lb: Leaderboard): Leaderboard {
  if (!lb.references) return lb;
  return {
    ...lb,
    references: lb.references.map((r) => ({ ...r, source: { url: "", commit: r.source.commit } })),
  };
}

/** The whole page. */
/**
 * The page. `viewer` (the URL of `fastvlm-eval view`, or a path to its static export) makes each score cell
 * a link to that run's samples.
 */
export function leaderboardHtml(lb: Leaderboard, viewer: string | null = null): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>fastvlm-eval leaderboard</title>
<style>${STYLE}</style>
</head>
<body>
<h1 id="top">fastvlm-eval leaderboard</h1>
<p class="muted" id="generated"></p>
${
  lb.rows.some((r) => r.synthetic)
    ? `<p class="demo-banner" id="demo-banner"><strong>Demo rows are not results.</strong> Rows marked <em>demo</em> ran on the bundled synthetic data (a few generated samples per task, not the real benchmark) with random weights: they show that the pipeline works, nothing about any model.</p>`
    : ""
}
<p class="muted">Each task's primary metric × 100, with the samples scored (n) and the 95% interval under it. TTFT: serial latency pass (concurrency 1, after warm-up) on the device shown; baselines and remote backends have no on-device clock and show none. Click a header to sort, a model for its runs.</p>
<p class="muted" id="groups"></p>
<p class="muted" id="references"></p>
<div class="controls"><label for="metric">Task </label><select id="metric"></select></div>
<table id="lb-table"${viewer === null ? "" : ` data-viewer="${viewer.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}"`}></table>
<h2>Accuracy vs time to first token</h2>
<p class="muted">The dashed line is the Pareto front: no other model is both faster and more accurate.</p>
<div id="scatter"></div>
<h2>Runs</h2>
<div id="details"></div>
<noscript><p>This page needs JavaScript; the same data is in leaderboard.json and README.md.</p></noscript>
<script type="application/json" id="leaderboard-data">${embedJson(pageData(lb))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
