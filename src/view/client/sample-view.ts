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

/** Stages a remote server's client cannot see: they run on the server (src/core/types.ts RemoteTiming). */
const SERVER_STAGES = new Set(["preprocessMs", "visionMs", "prefillMs"]);

/**
 * A stored stage span as this clock could observe it, or null. Files store 0 for a stage the clock did not
 * see (src/core/timing.ts recordedTiming): a device clock sees every stage; a remote one none of the
 * server's stages, and only what it measured of the rest; a model-less one (baselines) only the whole call.
 */
function observed(stage: string, ms: number, clock: RunSummary["clock"]): number | null {
  if (clock === "device") return ms;
  if (stage === "totalMs") return ms;
  if (clock === "none" || SERVER_STAGES.has(stage)) return null;
  return ms === 0 ? null : ms;
}

function stageTimes(timing: Record<string, number> | null | undefined, clock: RunSummary["clock"]): string {
  if (!timing) return "no generation";
  const times = Object.entries(timing)
    .map(([k, v]) => `${k.replace(/Ms$/, "")} ${fmtMs(observed(k, v, clock))}`)
    .join(", ");
  if (clock === "remote") return `${times} (a remote server's clock: network and server queue included)`;
  if (clock === "none") return `${times} (no model ran: only the whole call is timed)`;
  return times;
}

function recordFields(
  rec: Record<string, unknown>,
  prompt: string | null,
  clock: RunSummary["clock"],
): HTMLElement {
  const dl = h("dl", { class: "summary" });
  const times = stageTimes(rec.timing as Record<string, number> | null | undefined, clock);
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
  baseline?: RunSummary,
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
        d.other
          ? recordFields(d.other, d.prompt, baseline?.clock ?? "device")
          : h("p", {}, "not in the baseline"),
      ),
      h("section", {}, h("h3", {}, "Candidate"), recordFields(d.record, d.prompt, run.clock)),
    );
    app.append(sides);
  } else app.append(recordFields(d.record, d.prompt, run.clock));
  app.dataset.prev = d.prev ?? "";
  app.dataset.next = d.next ?? "";
}
