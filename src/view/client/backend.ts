/** Where the viewer page's data comes from: the server's /api, or the JSON embedded in a static export. */
import { matchingRows, parseSampleQuery, runSampleQuery, type SamplePage, type ViewRow } from "../query.js";
import type { ComparePayload, ExportData, RunSummary, SampleDetail } from "../types.js";

/** Where the page's data comes from. */
export interface Backend {
  /** The runs list. */
  runs(): Promise<RunSummary[]>;
  /** A page of a run's samples under the query in `p` (`vs` set: a comparison). */
  samples(key: string, p: URLSearchParams): Promise<SamplePage>;
  /** One sample in full, with its neighbours under the query. */
  sample(key: string, id: string, p: URLSearchParams): Promise<SampleDetail>;
  /** Baseline `a` against candidate `b`. */
  compare(a: string, b: string): Promise<ComparePayload>;
  /** URL of image k of a sample (a thumbnail or the full image), or null when there is none. */
  image(key: string, id: string, k: number, thumb: boolean): string | null;
}

async function getJson<T>(path: string, p?: URLSearchParams): Promise<T> {
  const res = await fetch(p ? `${path}?${p.toString()}` : path);
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** Data from the viewer's own server. */
export function serverBackend(): Backend {
  const enc = encodeURIComponent;
  return {
    runs: async () => (await getJson<{ runs: RunSummary[] }>("/api/runs")).runs,
    samples: (key, p) => getJson(`/api/runs/${enc(key)}/samples`, p),
    sample: (key, id, p) => {
      const q = new URLSearchParams(p);
      q.set("id", id);
      return getJson(`/api/runs/${enc(key)}/sample`, q);
    },
    compare: (a, b) => getJson("/api/compare", new URLSearchParams({ a, b })),
    image: (key, id, k, thumb) =>
      `/api/runs/${enc(key)}/image?${new URLSearchParams({ id, k: String(k), size: thumb ? "thumb" : "full" })}`,
  };
}

/** Data embedded in an exported page, queried here with the server's own query code. */
export function staticBackend(data: ExportData): Backend {
  const hayOf = (rows: ViewRow[]) => (i: number) => {
    const r = rows[i]!;
    return `${r.question ?? ""}\n${r.prediction ?? ""}\n${r.reference}`.toLowerCase();
  };
  const rowsOf = (key: string, p: URLSearchParams): ViewRow[] => {
    const vs = p.get("vs");
    const pair = vs ? data.compares[`${vs} ${key}`] : undefined;
    if (vs && !pair) throw new Error("this comparison is not in the export");
    return pair ? pair.rows : (data.rows[key] ?? []);
  };
  return {
    runs: async () => data.runs,
    samples: async (key, p) => {
      const rows = rowsOf(key, p);
      return runSampleQuery(
        rows,
        parseSampleQuery((n) => p.get(n)),
        hayOf(rows),
      );
    },
    sample: async (key, id, p) => {
      const rows = rowsOf(key, p);
      const hits = matchingRows(
        rows,
        parseSampleQuery((n) => p.get(n)),
        hayOf(rows),
      );
      const at = hits.findIndex((r) => r.id === id);
      const d = data.details[key]?.[id];
      const row = rows.find((r) => r.id === id);
      const vs = p.get("vs");
      return {
        record: d ? d.record : { ...row, note: data.note },
        prompt: d ? d.prompt : (row?.question ?? null),
        images: data.thumbs[key]?.[id] ? 1 : 0,
        imageNote: data.thumbs[key]?.[id] ? null : "no image in this export (see the note on the runs page)",
        prev: at > 0 ? hits[at - 1]!.id : null,
        next: at >= 0 && at + 1 < hits.length ? hits[at + 1]!.id : null,
        position: at,
        total: hits.length,
        ...(vs ? { other: data.details[vs]?.[id]?.record ?? null } : {}),
      };
    },
    compare: async (a, b) => {
      const pair = data.compares[`${a} ${b}`];
      if (!pair) throw new Error("this comparison is not in the export");
      return pair.payload;
    },
    image: (key, id) => data.thumbs[key]?.[id] ?? null,
  };
}
