/**
 * `view --export DIR`: a folder whose index.html works opened straight from disk. Every run's sample rows
 * and comparisons are embedded in the page (a file:// page may not fetch its sibling files); thumbnails
 * are files under thumbs/ shown by <img>, made only for the samples that matter (wrong, parse failures,
 * errors, flips). A size cap decides what else fits, and the page says what was left out.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PairData, ViewApi } from "./api.js";
import { viewerPage } from "./assets.js";
import type { CatalogRun } from "./catalog.js";
import { readRecord } from "./sample-index.js";
import { makeThumb } from "./thumbs.js";
import type { ExportData } from "./types.js";

/** Options of writeExport. */
export interface ExportOptions {
  /** Output folder. */
  dir: string;
  /** Size cap in bytes (page + thumbnails); default 50 MB. */
  maxBytes?: number;
}

/** What writeExport wrote. */
export interface ExportResult {
  /** Path of index.html. */
  index: string;
  /** Total bytes written. */
  bytes: number;
  /** Thumbnails written. */
  thumbs: number;
  /** The note shown on the page (what the cap left out). */
  note: string;
}

const CLIP = 4000;

function clipRecord(rec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) {
    out[k] = typeof v === "string" && v.length > CLIP ? `${v.slice(0, CLIP)}… (clipped in the export)` : v;
  }
  return out;
}

/** Pairs to precompute: for each task with several runs, the earliest against each later one. */
function pairsOf(runs: readonly CatalogRun[]): [string, string][] {
  const byTask = new Map<string, CatalogRun[]>();
  for (const r of runs) byTask.set(r.summary.task, [...(byTask.get(r.summary.task) ?? []), r]);
  const pairs: [string, string][] = [];
  for (const list of byTask.values()) {
    const sorted = [...list].sort((a, b) => a.summary.startedAt.localeCompare(b.summary.startedAt));
    for (const c of sorted.slice(1)) pairs.push([sorted[0]!.summary.key, c.summary.key]);
  }
  return pairs;
}

/** The byte budget of one export, and what it left out. */
interface Budget {
  /** The cap (page + thumbnails). */
  maxBytes: number;
  /** Bytes taken so far. */
  bytes: number;
  /** Thumbnails written. */
  thumbs: number;
  /** What was left out: sample details and thumbnails over the cap, samples without a cached image. */
  left: { details: number; thumbs: number; images: number };
}

/**
 * The page data with every run's rows and the precomputed comparisons, and per run the ids that matter
 * (wrong, parse failures, errors, and flips of a comparison).
 */
async function rowsAndCompares(
  api: ViewApi,
  runs: readonly CatalogRun[],
): Promise<{ data: ExportData; matter: Map<string, Set<string>> }> {
  const data: ExportData = {
    mode: "static",
    ...api.runs(),
    rows: {},
    details: {},
    thumbs: {},
    compares: {},
    note: "",
  };
  const matter = new Map<string, Set<string>>();
  for (const run of runs) {
    const index = await api.catalog.index(run);
    await api.dataset(run);
    data.rows[run.summary.key] = index.rows;
    matter.set(run.summary.key, new Set(index.rows.filter((r) => !r.right || !r.parseOk).map((r) => r.id)));
  }
  for (const [a, b] of pairsOf(runs)) {
    const pair: PairData = await api.pair(a, b);
    data.compares[`${a} ${b}`] = pair;
    for (const r of pair.rows) {
      if (!r.flip) continue;
      matter.get(a)?.add(r.id);
      matter.get(b)?.add(r.id);
    }
  }
  return { data, matter };
}

/** Embeds the details (clipped record, prompt) of the given samples of a run, as far as the budget allows. */
async function addDetails(
  api: ViewApi,
  data: ExportData,
  budget: Budget,
  run: CatalogRun,
  ids: Iterable<string>,
): Promise<void> {
  const index = await api.catalog.index(run);
  const ds = await api.dataset(run);
  const out = data.details[run.summary.key] ?? {};
  data.details[run.summary.key] = out;
  for (const id of ids) {
    if (out[id]) continue;
    const record = clipRecord(await readRecord(index, index.byId.get(id)!));
    const entry = { record, prompt: typeof ds === "string" ? null : (ds.prompt(id) ?? null) };
    const size = Buffer.byteLength(JSON.stringify(entry));
    if (budget.bytes + size > budget.maxBytes) {
      budget.left.details++;
      continue;
    }
    out[id] = entry;
    budget.bytes += size;
  }
}

/** Writes a thumbnail of the first image of each sample that matters in a run, as far as the budget allows. */
async function addThumbs(
  api: ViewApi,
  data: ExportData,
  budget: Budget,
  dir: string,
  run: CatalogRun,
  ids: Iterable<string>,
): Promise<void> {
  const ds = await api.dataset(run);
  const index = await api.catalog.index(run);
  const paths: Record<string, string> = {};
  data.thumbs[run.summary.key] = paths;
  for (const id of ids) {
    const img = typeof ds === "string" ? null : ((await ds.images(id).catch(() => null))?.[0] ?? null);
    if (!img) {
      budget.left.images++;
      continue;
    }
    const thumb = await makeThumb(img, 192);
    if (budget.bytes + thumb.body.byteLength > budget.maxBytes) {
      budget.left.thumbs++;
      continue;
    }
    const rel = `thumbs/${run.summary.key}/${index.byId.get(id)}.webp`;
    mkdirSync(join(dir, "thumbs", run.summary.key), { recursive: true });
    writeFileSync(join(dir, rel), thumb.body);
    paths[id] = rel;
    budget.bytes += thumb.body.byteLength;
    budget.thumbs++;
  }
}

/** The page's note: what has thumbnails, and what the cap or the cache left out. */
function exportNote(budget: Budget, rowsBytes: number): string {
  const { left, maxBytes } = budget;
  const notes: string[] = [
    "Static export: thumbnails only for wrong, parse-failure, error and flipped samples (the first image of each).",
  ];
  if (left.images > 0) notes.push(`${left.images} of those had no image in the local cache when exported.`);
  const mb = (b: number) => `${+(b / 1e6).toPrecision(3)} MB`;
  if (left.thumbs + left.details > 0) {
    notes.push(
      `Left out to stay under ${mb(maxBytes)}: ${left.thumbs} thumbnail(s) and ${left.details} sample detail(s); serve the runs with \`fastvlm-eval view\` to see everything.`,
    );
  }
  if (rowsBytes > maxBytes) notes.push(`The sample rows alone take ${mb(rowsBytes)} (always included).`);
  return notes.join(" ");
}

/**
 * Writes the static viewer. Rows and comparisons always go in; then, while the cap allows, the details of the
 * samples that matter, their thumbnails, and the details of the rest.
 */
export async function writeExport(api: ViewApi, opts: ExportOptions): Promise<ExportResult> {
  const runs = [...api.catalog.runs.values()];
  const { data, matter } = await rowsAndCompares(api, runs);
  const rowsBytes = Buffer.byteLength(JSON.stringify(data));
  const budget: Budget = {
    maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
    bytes: rowsBytes,
    thumbs: 0,
    left: { details: 0, thumbs: 0, images: 0 },
  };
  const mattering = (run: CatalogRun): Iterable<string> => matter.get(run.summary.key) ?? [];
  for (const run of runs) await addDetails(api, data, budget, run, mattering(run));
  mkdirSync(opts.dir, { recursive: true });
  for (const run of runs) await addThumbs(api, data, budget, opts.dir, run, mattering(run));
  for (const run of runs)
    await addDetails(api, data, budget, run, (await api.catalog.index(run)).byId.keys());
  data.note = exportNote(budget, rowsBytes);
  const { html } = viewerPage({ kind: "static", data });
  const index = join(opts.dir, "index.html");
  writeFileSync(index, html);
  return {
    index,
    bytes: budget.bytes + Buffer.byteLength(data.note),
    thumbs: budget.thumbs,
    note: data.note,
  };
}
