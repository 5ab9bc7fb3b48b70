/** DOM and formatting helpers of the viewer page: every text goes in as a text node. */

export type Attrs = Record<string, string>;

export function h(tag: string, attrs: Attrs = {}, ...kids: (Node | string | null)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const kid of kids)
    if (kid !== null) e.append(typeof kid === "string" ? document.createTextNode(kid) : kid);
  return e;
}

export function fmtScore(v: number | null | undefined): string {
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : "–";
}
export function fmtMs(v: number | null | undefined): string {
  return typeof v === "number" ? `${v.toFixed(v < 10 ? 1 : 0)} ms` : "–";
}
export function fmtPts(v: number | null | undefined): string {
  return typeof v === "number" ? (v * 100).toFixed(1) : "–";
}
export function fmtJson(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v, null, 2);
}
export function clipShown(s: string | null, max = 200): string {
  if (s === null) return "–";
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function link(text: string, p: URLSearchParams): HTMLElement {
  return h("a", { href: `#${p.toString()}` }, text);
}
export function withParams(base: URLSearchParams, changes: Record<string, string | null>): URLSearchParams {
  const p = new URLSearchParams(base);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === "") p.delete(k);
    else p.set(k, v);
  }
  return p;
}

export function table(head: string[], numeric: Set<number>): { table: HTMLElement; body: HTMLElement } {
  const body = h("tbody");
  const tr = h("tr");
  head.forEach((t, i) => {
    tr.append(h("th", numeric.has(i) ? { scope: "col", class: "num" } : { scope: "col" }, t));
  });
  return { table: h("table", {}, h("thead", {}, tr), body), body };
}

export function td(text: string, cls = ""): HTMLElement {
  return h("td", cls ? { class: cls } : {}, text);
}

export function summaryList(pairs: [string, string][]): HTMLElement {
  const dl = h("dl", { class: "summary" });
  for (const [k, v] of pairs) dl.append(h("dt", {}, k), h("dd", {}, v));
  return dl;
}
