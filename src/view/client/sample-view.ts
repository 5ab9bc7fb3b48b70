/** The one-sample view: images with zoom, and every field of the record (both runs in a comparison). */
import type { RunSummary, SampleDetail } from "../types.js";
import type { Backend } from "./backend.js";
import { fmtJson, fmtMs, fmtScore, h, link, withParams } from "./dom.js";

function imageBlock(api: Backend, full: boolean, key: string, id: string, d: SampleDetail): HTMLElement {
  const box = h("section", { "aria-label": "Images" });
  if (d.imageNote) box.append(h("p", { class: "note" }, d.imageNote));
  const n = d.images ?? 0;
  for (let k = 0; k < n; k++) {
    const src = api.image(key, id, k, !full);
    if (!src) continue;
    const img = h("img", { src, alt: `sample ${id} image ${k + 1}` }) as HTMLImageElement;
    const frame = h("div", { class: "zoom" }, img);
    const range = h("input", {
      type: "range",
      min: "1",
      max: "4",
      step: "0.5",
      value: "1",
    }) as HTMLInputElement;
    const apply = () => {
      const z = Number(range.value);
      frame.classList.toggle("zoomed", z > 1);
      img.style.width = z > 1 ? `${img.naturalWidth * z}px` : "";
    };
    range.addEventListener("input", apply);
    img.addEventListener("click", () => {
      range.value = range.value === "1" ? "2" : "1";
      apply();
    });
    box.append(h("label", {}, `Zoom image ${k + 1} `, range), frame);
  }
  return box;
}

function field(label: string, value: unknown, pre = true): HTMLElement[] {
  const text = value === undefined ? "–" : fmtJson(value);
  return [h("dt", {}, label), h("dd", {}, pre ? h("pre", {}, text) : text)];
}

const KNOWN_FIELDS = new Set([
  "id",
  "stratum",
  "prediction",
  "parsed",
  "parseOk",
  "rule",
  "score",
  "reference",
  "error",
  "timing",
  "tokens",
  "concurrency",
  "reuse",
  "note",
]);

function recordFields(rec: Record<string, unknown>, prompt: string | null): HTMLElement {
  const dl = h("dl", { class: "summary" });
  const timing = rec.timing as Record<string, number> | null | undefined;
  const times = timing
    ? Object.entries(timing)
        .map(([k, v]) => `${k.replace(/Ms$/, "")} ${fmtMs(v)}`)
        .join(", ")
    : "no generation";
  dl.append(
    ...field("Prompt", prompt ?? "(the dataset is not in the local cache)"),
    ...field("Raw generation", rec.prediction ?? "(no output)"),
    ...field("Parsed answer", rec.parsed),
    ...field("Rule", rec.rule, false),
    ...field("References", rec.reference),
    ...field("Score", fmtScore(rec.score as number | null), false),
    ...field("Stage timings", times, false),
  );
  if (rec.error) dl.append(...field("Error", rec.error));
  if (rec.tokens) dl.append(...field("Tokens", rec.tokens, false));
  if (rec.reuse !== undefined) dl.append(...field("Reused", rec.reuse));
  if (rec.stratum) dl.append(...field("Stratum", rec.stratum, false));
  // Fields added by later versions (what an engine reused, say) still show, as JSON.
  for (const [k, v] of Object.entries(rec)) if (!KNOWN_FIELDS.has(k)) dl.append(...field(k, v));
  return dl;
}

/** Renders one sample into `app`; `full` is false in a static export (thumbnails only). */
export async function renderSample(
  api: Backend,
  full: boolean,
  app: HTMLElement,
  run: RunSummary,
  id: string,
  p: URLSearchParams,
): Promise<void> {
  const d = await api.sample(run.key, id, p);
  const back = withParams(p, { sample: null });
  const nav = h(
    "nav",
    { class: "pager", "aria-label": "Sample navigation" },
    link("← back to the table", back),
  );
  if (d.prev) nav.append(link("Previous sample", withParams(p, { sample: d.prev })));
  if (d.next) nav.append(link("Next sample", withParams(p, { sample: d.next })));
  nav.append(h("span", {}, d.position >= 0 ? `${d.position + 1} of ${d.total}` : "not under this filter"));
  app.append(nav, h("h2", {}, `Sample ${id}`), imageBlock(api, full, run.key, id, d));
  if (d.other !== undefined) {
    const sides = h("div", { class: "sides" });
    sides.append(
      h(
        "section",
        {},
        h("h3", {}, "Baseline"),
        d.other ? recordFields(d.other, d.prompt) : h("p", {}, "not in the baseline"),
      ),
      h("section", {}, h("h3", {}, "Candidate"), recordFields(d.record, d.prompt)),
    );
    app.append(sides);
  } else app.append(recordFields(d.record, d.prompt));
  app.dataset.prev = d.prev ?? "";
  app.dataset.next = d.next ?? "";
}
