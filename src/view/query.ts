/**
 * The viewer's sample query: filter, search, sort and page over compact rows. Pure and import-free, because
 * the same compiled file runs on the server (over a run's index) and inside the static export's page
 * (over the embedded rows); see src/view/assets.ts.
 */

/** Which samples a table shows. */
export type Show = "all" | "wrong" | "right" | "parse" | "errors" | "r2w" | "w2r" | "changed";

/** Sort keys of the sample table; `order` is samples.jsonl order. */
export type SortKey = "order" | "id" | "score" | "ttft";

/** One sample as the table shows it: text fields clipped, no image bytes. */
export interface ViewRow {
  /** Sample id. */
  id: string;
  /** Position in samples.jsonl (0-based, after replacing duplicates). */
  n: number;
  /** Score, or null for a failed sample. */
  score: number | null;
  /** Score ≥ 0.5 (compare's notion of right). */
  right: boolean;
  /** False when the scorer's parse fell back. */
  parseOk: boolean;
  /** The sample failed (error text or no score). */
  failed: boolean;
  /** Stratum or null. */
  stratum: string | null;
  /** Time to first token in ms, or null. */
  ttft: number | null;
  /** Parse rule that fired. */
  rule: string;
  /** Question (the prompt) clipped, or null when the dataset is not in the local cache. */
  question: string | null;
  /** Raw prediction clipped, or null. */
  prediction: string | null;
  /** Parsed answer as JSON text, clipped. */
  parsed: string;
  /** Reference as JSON text, clipped. */
  reference: string;
  /** In a comparison: right→wrong, wrong→right, or null. */
  flip?: "r2w" | "w2r" | null;
  /** In a comparison: the baseline's prediction and score for the same id. */
  other?: { prediction: string | null; score: number | null } | null;
}

/** A parsed, validated query. */
export interface SampleQuery {
  /** Filter. */
  show: Show;
  /** Only this stratum, or null for all. */
  stratum: string | null;
  /** Lowest score kept (inclusive), or null. */
  min: number | null;
  /** Highest score kept (inclusive), or null. */
  max: number | null;
  /** Case-insensitive text searched in question, prediction and reference. */
  q: string;
  /** Sort key. */
  sort: SortKey;
  /** Sort direction. */
  desc: boolean;
  /** First row of the page. */
  offset: number;
  /** Rows per page (1..500). */
  limit: number;
}

/** One page of a query's answer. */
export interface SamplePage {
  /** Samples matching the filter. */
  total: number;
  /** The page's rows. */
  rows: ViewRow[];
  /** Offset of the page. */
  offset: number;
  /** Every stratum of the run, sorted. */
  strata: string[];
}

const SHOWS: readonly Show[] = ["all", "wrong", "right", "parse", "errors", "r2w", "w2r", "changed"];
const SORTS: readonly SortKey[] = ["order", "id", "score", "ttft"];

function num(text: string | null | undefined): number | null {
  if (text === null || text === undefined || text.trim() === "") return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/** Reads a query from URL parameters; unknown or malformed values fall back to the defaults. */
export function parseSampleQuery(get: (name: string) => string | null): SampleQuery {
  const show = get("show") ?? "all";
  const sort = get("sort") ?? "order";
  const offset = num(get("offset")) ?? 0;
  const limit = num(get("limit")) ?? 50;
  return {
    show: (SHOWS as readonly string[]).includes(show) ? (show as Show) : "all",
    stratum: get("stratum") || null,
    min: num(get("min")),
    max: num(get("max")),
    q: (get("q") ?? "").slice(0, 200),
    sort: (SORTS as readonly string[]).includes(sort) ? (sort as SortKey) : "order",
    desc: get("dir") === "desc",
    offset: Math.max(0, Math.floor(offset)),
    limit: Math.min(500, Math.max(1, Math.floor(limit))),
  };
}

/** True when a row passes the show/stratum/score-range part of a query. */
export function keepRow(row: ViewRow, q: SampleQuery): boolean {
  switch (q.show) {
    case "wrong":
      if (row.right) return false;
      break;
    case "right":
      if (!row.right) return false;
      break;
    case "parse":
      if (row.parseOk || row.failed) return false;
      break;
    case "errors":
      if (!row.failed) return false;
      break;
    case "r2w":
    case "w2r":
      if (row.flip !== q.show) return false;
      break;
    case "changed":
      if (!row.flip) return false;
      break;
    default:
      break;
  }
  if (q.stratum !== null && row.stratum !== q.stratum) return false;
  if (q.min !== null && (row.score === null || row.score < q.min)) return false;
  if (q.max !== null && (row.score === null || row.score > q.max)) return false;
  return true;
}

function compareRows(key: SortKey): (a: ViewRow, b: ViewRow) => number {
  if (key === "id") return (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (key === "order") return (a, b) => a.n - b.n;
  // Missing values sort last in both directions (handled by the caller's direction flip).
  const pick = key === "score" ? (r: ViewRow) => r.score : (r: ViewRow) => r.ttft;
  return (a, b) => {
    const x = pick(a);
    const y = pick(b);
    if (x === null || y === null) return x === y ? a.n - b.n : x === null ? 1 : -1;
    return x - y || a.n - b.n;
  };
}

/**
 * Runs a query. `haystack(i)` is the lower-cased searchable text of rows[i] (question, prediction and
 * reference, unclipped); rows stay in memory, only the page is copied out.
 */
export function runSampleQuery(
  rows: readonly ViewRow[],
  q: SampleQuery,
  haystack: (i: number) => string,
): SamplePage {
  const strata = new Set<string>();
  for (const row of rows) if (row.stratum !== null) strata.add(row.stratum);
  const hits = matchingRows(rows, q, haystack);
  return {
    total: hits.length,
    rows: hits.slice(q.offset, q.offset + q.limit),
    offset: q.offset,
    strata: [...strata].sort(),
  };
}

/** Every row matching a query (paging ignored), in the query's order. */
export function matchingRows(
  rows: readonly ViewRow[],
  q: SampleQuery,
  haystack: (i: number) => string,
): ViewRow[] {
  const needle = q.q.trim().toLowerCase();
  const hits: ViewRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (!keepRow(row, q)) continue;
    if (needle !== "" && !haystack(i).includes(needle)) continue;
    hits.push(row);
  }
  if (q.sort !== "order" || q.desc) {
    const cmp = compareRows(q.sort);
    const nullsLast = q.sort === "score" || q.sort === "ttft";
    hits.sort((a, b) => {
      if (nullsLast) {
        const x = q.sort === "score" ? a.score : a.ttft;
        const y = q.sort === "score" ? b.score : b.ttft;
        if ((x === null) !== (y === null)) return x === null ? 1 : -1;
      }
      return q.desc ? cmp(b, a) : cmp(a, b);
    });
  }
  return hits;
}

/** Clips text for the table (the full text is in the sample view). */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
