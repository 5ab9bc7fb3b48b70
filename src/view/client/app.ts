/**
 * The viewer page (vanilla DOM, no framework): runs list, a run's sample table, one sample, and a comparison
 * of two runs. Every text from a run or a dataset goes into the page through textContent, never as HTML.
 * The URL's hash holds the whole state, so every view and filter is a link. Data comes from the server's
 * /api or, in a static export, from the JSON embedded in the page (filtered here with the same query code).
 */
import { parseSampleQuery, type ViewRow } from "../query.js";
import type { ExportData, RunSummary } from "../types.js";
import { type Backend, serverBackend, staticBackend } from "./backend.js";
import { clipShown, fmtMs, fmtPts, fmtScore, h, link, summaryList, table, td, withParams } from "./dom.js";
import { renderSample } from "./sample-view.js";

const boot = JSON.parse(document.getElementById("view-data")!.textContent ?? "{}") as
  | { mode: "server" }
  | ExportData;
const api: Backend = boot.mode === "server" ? serverBackend() : staticBackend(boot);
const app = document.getElementById("app")!;
const statusLine = document.getElementById("status")!;
let runsCache: RunSummary[] | null = null;
let renderSeq = 0;

function state(): URLSearchParams {
  return new URLSearchParams(location.hash.replace(/^#/, ""));
}
function go(p: URLSearchParams, replace = false): void {
  const hash = `#${p.toString()}`;
  if (replace) history.replaceState(null, "", hash);
  else location.hash = hash;
  if (replace) void render();
}
async function runs(): Promise<RunSummary[]> {
  runsCache ??= await api.runs();
  return runsCache;
}

async function renderRuns(): Promise<void> {
  const list = await runs();
  app.replaceChildren(h("h2", {}, "Runs"));
  if (boot.mode !== "server" && boot.note) app.append(h("p", { class: "note" }, boot.note));
  const t = table(
    [
      "Task",
      "Model",
      "Device",
      "Status",
      "Metric",
      "95% CI",
      "TTFT p50",
      "TTFT p90",
      "Samples",
      "Failed",
      "Parse failures",
    ],
    new Set([4, 5, 6, 7, 8, 9, 10]),
  );
  for (const r of list) {
    const row = h("tr", { "data-key": r.key });
    row.append(
      h("td", {}, link(`${r.task} v${r.taskVersion}`, new URLSearchParams({ run: r.key }))),
      td(r.model),
      td(r.device),
      td(r.shard ? `${r.status} (shard ${r.shard})` : r.status),
      td(`${r.metric} ${fmtPts(r.value)}`, "num"),
      td(r.ci ? `${fmtPts(r.ci[0])}–${fmtPts(r.ci[1])}` : "–", "num"),
      td(fmtMs(r.ttft?.p50), "num"),
      td(fmtMs(r.ttft?.p90), "num"),
      td(`${r.counts.scored}/${r.counts.total}`, "num"),
      td(String(r.counts.failed), "num"),
      td(String(r.counts.parseFailures), "num"),
    );
    row.addEventListener("click", (ev) => {
      if ((ev.target as HTMLElement).tagName !== "A") go(new URLSearchParams({ run: r.key }));
    });
    t.body.append(row);
  }
  app.append(t.table, compareForm(list));
}

function compareForm(list: RunSummary[]): HTMLElement {
  const pick = (label: string, id: string, sel: number): HTMLElement => {
    const s = h("select", { id });
    list.forEach((r, i) => {
      const o = h("option", { value: r.key }, `${r.task} · ${r.model} · ${r.key}`) as HTMLOptionElement;
      o.selected = i === sel;
      s.append(o);
    });
    return h("label", {}, `${label} `, s);
  };
  const button = h("button", { type: "button" }, "Compare");
  const form = h(
    "section",
    {},
    h("h2", {}, "Compare two runs"),
    h("div", { class: "controls" }, pick("Baseline", "cmp-a", 0), pick("Candidate", "cmp-b", 1), button),
  );
  button.addEventListener("click", () => {
    const a = (document.getElementById("cmp-a") as HTMLSelectElement).value;
    const b = (document.getElementById("cmp-b") as HTMLSelectElement).value;
    go(new URLSearchParams({ run: b, vs: a }));
  });
  return form;
}

interface CompareEntry {
  metric: string;
  delta: number | null;
  higherIsBetter?: boolean;
  ci: [number | null, number | null];
  shared: number;
  flips: { rightToWrong: number; wrongToRight: number };
  latency: { status: string; deltaP50Ms?: number; deltaP90Ms?: number; reason?: string };
}

/** Why a run shows no TTFT: only an on-device clock has one. */
function noTtft(run: RunSummary): string {
  if (run.clock === "remote") return "none: a remote server's clock (its TTFT includes the network)";
  if (run.clock === "none") return "none: no model ran (a baseline or imported predictions)";
  return "no latency pass";
}

async function renderHeader(run: RunSummary, p: URLSearchParams): Promise<void> {
  const vs = p.get("vs");
  app.append(h("p", {}, link("← all runs", new URLSearchParams())));
  app.append(h("h2", {}, `${run.task} · ${run.model}${vs ? ` vs baseline ${vs}` : ""}`));
  const base: [string, string][] = [
    ["Run", `${run.key} (${run.path})`],
    [
      "Metric",
      `${run.metric} ${fmtPts(run.value)}${run.ci ? ` [${fmtPts(run.ci[0])}, ${fmtPts(run.ci[1])}]` : ""}`,
    ],
    ["TTFT", run.ttft ? `p50 ${fmtMs(run.ttft.p50)}, p90 ${fmtMs(run.ttft.p90)}` : noTtft(run)],
    ["Device", run.device],
  ];
  if (vs) {
    const c = await api.compare(vs, run.key);
    const e = c.entry as CompareEntry;
    const sign = (v: number | null) => (v === null ? "–" : `${v >= 0 ? "+" : ""}${(v * 100).toFixed(2)}`);
    base.push(
      [
        `Δ ${e.metric}${e.higherIsBetter === false ? " (lower is better)" : ""}`,
        `${sign(e.delta)} pts, 95% CI [${sign(e.ci[0])}, ${sign(e.ci[1])}] over ${e.shared} shared ids`,
      ],
      ["Flips", `right→wrong ${e.flips.rightToWrong}, wrong→right ${e.flips.wrongToRight}`],
      [
        "TTFT Δ",
        c.sameDevice && e.latency.status === "compared"
          ? `p50 ${fmtMs(e.latency.deltaP50Ms)}, p90 ${fmtMs(e.latency.deltaP90Ms)}`
          : `not compared: ${e.latency.reason ?? "different device"}`,
      ],
    );
  }
  app.append(summaryList(base));
  // Other runs of the same task, one click from a comparison (this run as the candidate).
  const exported = (b: string) => boot.mode === "server" || `${b} ${run.key}` in boot.compares;
  const others = (await runs()).filter(
    (r) => r.task === run.task && r.key !== run.key && r.key !== vs && exported(r.key),
  );
  if (others.length > 0) {
    const line = h("p", {}, vs ? "Compare against another baseline: " : "Compare against a baseline: ");
    for (const o of others) {
      line.append(link(`${o.model} (${o.key})`, new URLSearchParams({ run: run.key, vs: o.key })), " ");
    }
    if (vs) line.append(link("no comparison", new URLSearchParams({ run: run.key })));
    app.append(line);
  }
}

function select(label: string, name: string, options: [string, string][], p: URLSearchParams): HTMLElement {
  const s = h("select", { name, id: `f-${name}` }) as HTMLSelectElement;
  for (const [value, text] of options) s.append(h("option", { value }, text));
  s.value = p.get(name) ?? options[0]![0];
  s.addEventListener("change", () => go(withParams(state(), { [name]: s.value, offset: null })));
  return h("label", {}, `${label} `, s);
}

function input(label: string, name: string, type: string, p: URLSearchParams): HTMLElement {
  const i = h("input", { name, type, id: `f-${name}`, value: p.get(name) ?? "" }) as HTMLInputElement;
  if (type === "number") i.step = "0.05";
  let timer = 0;
  i.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => go(withParams(state(), { [name]: i.value, offset: null }), true), 250);
  });
  return h("label", {}, `${label} `, i);
}

function controls(p: URLSearchParams, strata: string[]): HTMLElement {
  const shows: [string, string][] = [
    ["all", "all"],
    ["wrong", "wrong"],
    ["right", "right"],
    ["parse", "parse failures"],
    ["errors", "errors"],
  ];
  if (p.get("vs")) shows.push(["r2w", "right → wrong"], ["w2r", "wrong → right"], ["changed", "any flip"]);
  const box = h("div", { class: "controls" }, select("Show", "show", shows, p));
  if (strata.length > 0)
    box.append(
      select("Stratum", "stratum", [["", "all"], ...strata.map((s): [string, string] => [s, s])], p),
    );
  box.append(
    input("Score from", "min", "number", p),
    input("to", "max", "number", p),
    input("Search", "q", "search", p),
    select(
      "Sort",
      "sort",
      [
        ["order", "file order"],
        ["id", "id"],
        ["score", "score"],
        ["ttft", "TTFT"],
      ],
      p,
    ),
    select(
      "Order",
      "dir",
      [
        ["asc", "ascending"],
        ["desc", "descending"],
      ],
      p,
    ),
  );
  return box;
}

function sampleRow(key: string, r: ViewRow, p: URLSearchParams, compare: boolean): HTMLElement {
  const tr = h("tr", { tabindex: "-1", "data-id": r.id });
  const src = api.image(key, r.id, 0, true);
  const img = src
    ? h("img", { class: "thumb", src, alt: `sample ${r.id}`, loading: "lazy", decoding: "async" })
    : null;
  const scoreCls = r.failed ? "num wrong" : r.right ? "num right" : "num wrong";
  tr.append(
    h("td", {}, link(r.id, withParams(p, { sample: r.id }))),
    h("td", {}, img),
    td(clipShown(r.question, 120)),
    td(clipShown(r.prediction)),
    td(clipShown(r.parsed, 80)),
    td(clipShown(r.reference, 120)),
    td(r.failed ? "failed" : fmtScore(r.score), scoreCls),
    td(r.rule),
    td(r.stratum ?? "–"),
    td(fmtMs(r.ttft), "num"),
  );
  if (compare) {
    tr.append(
      td(r.other ? clipShown(r.other.prediction) : "–"),
      td(r.other ? fmtScore(r.other.score) : "–", "num"),
      td(
        r.flip === "r2w" ? "right → wrong" : r.flip === "w2r" ? "wrong → right" : "",
        r.flip ? `flip-${r.flip}` : "",
      ),
    );
  }
  tr.addEventListener("click", (ev) => {
    if ((ev.target as HTMLElement).tagName !== "A") go(withParams(state(), { sample: r.id }));
  });
  return tr;
}

async function renderTable(run: RunSummary, p: URLSearchParams): Promise<void> {
  const page = await api.samples(run.key, p);
  const compare = p.get("vs") !== null;
  app.append(controls(p, page.strata));
  app.append(h("p", { id: "count", "aria-live": "polite" }, `${page.total} samples`));
  const head = [
    "Id",
    "Image",
    "Question",
    "Prediction",
    "Parsed",
    "Reference",
    "Score",
    "Rule",
    "Stratum",
    "TTFT",
  ];
  if (compare) head.push("Baseline prediction", "Baseline score", "Flip");
  const t = table(head, new Set([6, 9, 11]));
  t.table.setAttribute("aria-label", "Samples");
  for (const r of page.rows) t.body.append(sampleRow(run.key, r, p, compare));
  app.append(t.table);
  const limit = parseSampleQuery((n) => p.get(n)).limit;
  const pages = Math.max(1, Math.ceil(page.total / limit));
  const current = Math.floor(page.offset / limit);
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  const to = (i: number) => withParams(p, { offset: i === 0 ? null : String(i * limit) });
  if (current > 0) pager.append(link("Previous page", to(current - 1)));
  pager.append(h("span", {}, `page ${current + 1} of ${pages}`));
  if (current + 1 < pages) pager.append(link("Next page", to(current + 1)));
  app.append(pager);
  const first = t.body.querySelector("tr") as HTMLElement | null;
  first?.classList.add("selected");
}

async function render(): Promise<void> {
  const seq = ++renderSeq;
  const p = state();
  // Controls are rebuilt on every render: keep the keyboard where it was.
  const focusId = document.activeElement?.id ?? "";
  statusLine.textContent = "loading…";
  try {
    const list = await runs();
    const key = p.get("run");
    const run = key ? list.find((r) => r.key === key) : undefined;
    app.replaceChildren();
    delete app.dataset.prev;
    delete app.dataset.next;
    if (!run) await renderRuns();
    else {
      await renderHeader(run, p);
      const id = p.get("sample");
      const vs = p.get("vs");
      const baseline = vs === null ? undefined : list.find((r) => r.key === vs);
      if (id !== null) await renderSample(api, boot.mode === "server", app, run, id, p, baseline);
      else await renderTable(run, p);
    }
    if (seq === renderSeq) statusLine.textContent = "";
  } catch (err) {
    if (seq !== renderSeq) return;
    statusLine.textContent = "";
    app.replaceChildren(h("p", { role: "alert" }, `Could not load: ${(err as Error).message}`));
  }
  const again = focusId ? document.getElementById(focusId) : null;
  if (again) {
    again.focus();
    if (again instanceof HTMLInputElement && again.type === "search") {
      again.setSelectionRange(again.value.length, again.value.length);
    }
  }
}

function moveRow(step: number): void {
  const rows = [...app.querySelectorAll("tbody tr")] as HTMLElement[];
  if (rows.length === 0) return;
  const at = rows.findIndex((r) => r.classList.contains("selected"));
  const next = rows[Math.min(rows.length - 1, Math.max(0, at + step))]!;
  for (const r of rows) r.classList.remove("selected");
  next.classList.add("selected");
  next.focus();
}

document.addEventListener("keydown", (ev) => {
  const target = ev.target as HTMLElement;
  if (ev.altKey || ev.ctrlKey || ev.metaKey || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
  const p = state();
  const inSample = p.get("sample") !== null;
  const forward = ev.key === "j" || ev.key === "ArrowDown" || (inSample && ev.key === "ArrowRight");
  const backward = ev.key === "k" || ev.key === "ArrowUp" || (inSample && ev.key === "ArrowLeft");
  if (inSample) {
    const to = forward ? app.dataset.next : backward ? app.dataset.prev : undefined;
    if (to) go(withParams(p, { sample: to }));
    else if (ev.key === "Escape") go(withParams(p, { sample: null }));
    else return;
  } else if (p.get("run")) {
    if (forward) moveRow(1);
    else if (backward) moveRow(-1);
    else if (ev.key === "Enter") {
      const sel = app.querySelector("tbody tr.selected") as HTMLElement | null;
      if (!sel?.dataset.id) return;
      go(withParams(p, { sample: sel.dataset.id }));
    } else if (ev.key === "Escape") go(new URLSearchParams());
    else return;
  } else return;
  ev.preventDefault();
});

window.addEventListener("hashchange", () => void render());
void render();
