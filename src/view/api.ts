/**
 * What the viewer answers, as plain data: the runs list, a page of a run's samples, one sample in full,
 * a comparison of two runs, and image bytes. The HTTP server (server.ts) and the static export
 * (export.ts) both build on it.
 */

import { ByteLru } from "../data/byte-lru.js";
import { isRight } from "../report/compare.js";
import { compareJson, compareRunSets } from "../report/compare-report.js";
import { loadRun } from "../report/runs.js";
import { loadScorerLookup } from "../report/scorers.js";
import type { Catalog, CatalogRun } from "./catalog.js";
import { type DatasetRows, notCachedMessage } from "./dataset-index.js";
import {
  clipText,
  matchingRows,
  runSampleQuery,
  type SamplePage,
  type SampleQuery,
  type ViewRow,
} from "./query.js";
import { readRecord, type SampleIndex } from "./sample-index.js";
import { fullImage, makeThumb, type WebImage } from "./thumbs.js";
import type { ComparePayload, RunSummary, SampleDetail } from "./types.js";

export type { ComparePayload, SampleDetail };

/** A comparison and the candidate's rows with flips and the baseline's outputs. */
export interface PairData {
  /** The comparison. */
  payload: ComparePayload;
  /** Candidate rows in file order. */
  rows: ViewRow[];
}

/** Thrown for requests naming a run, sample or image that is not served. */
export class NotFound extends Error {}

/** The viewer's data, with the caches it keeps. */
export class ViewApi {
  private readonly datasets = new Map<string, Promise<DatasetRows | string>>();
  private readonly pairs = new Map<string, Promise<PairData>>();
  private readonly thumbs = new ByteLru<WebImage>(64 * 1024 * 1024);

  constructor(readonly catalog: Catalog) {}

  private run(key: string): CatalogRun {
    const run = this.catalog.get(key);
    if (!run) throw new NotFound(`no run ${key}`);
    return run;
  }

  /** The runs list. */
  runs(): { runs: RunSummary[] } {
    return { runs: [...this.catalog.runs.values()].map((r) => r.summary) };
  }

  /** The run's dataset rows (opened once, in the background), or the reason there are none. */
  dataset(run: CatalogRun): Promise<DatasetRows | string> {
    let p = this.datasets.get(run.summary.key);
    if (!p) {
      p = (async () => {
        const { DatasetRows } = await import("./dataset-index.js");
        const rows = await DatasetRows.open(run.dir, run.record).catch(() =>
          notCachedMessage(run.summary.task),
        );
        if (typeof rows !== "string") {
          const index = await this.catalog.index(run);
          index.rows.forEach((row, i) => {
            const prompt = rows.prompt(row.id);
            if (prompt === undefined) return;
            row.question = clipText(prompt, 160);
            index.hay[i] = `${prompt.toLowerCase()}\n${index.hay[i]}`;
          });
        }
        return rows;
      })();
      this.datasets.set(run.summary.key, p);
    }
    return p;
  }

  private async rowsOf(
    key: string,
    vs: string | null,
    search = false,
  ): Promise<{ rows: ViewRow[]; index: SampleIndex }> {
    const run = this.run(key);
    const index = await this.catalog.index(run);
    // The first page does not wait for the dataset's prompts; a search does, so it covers the question.
    const ds = this.dataset(run);
    // A cached index opens in moments: wait that long so the first page has its questions too.
    if (search) await ds;
    else await Promise.race([ds, new Promise((resolve) => setTimeout(resolve, 250).unref())]);
    if (vs === null) return { rows: index.rows, index };
    const pair = await this.pair(vs, key);
    return { rows: pair.rows, index };
  }

  /** A page of a run's samples (in a comparison, `vs` is the baseline's key). */
  async samples(key: string, q: SampleQuery, vs: string | null = null): Promise<SamplePage> {
    const { rows, index } = await this.rowsOf(key, vs, q.q.trim() !== "");
    return runSampleQuery(rows, q, (i) => index.hay[i]!);
  }

  /** One sample in full, with its neighbours under the query. */
  async sample(key: string, id: string, q: SampleQuery, vs: string | null = null): Promise<SampleDetail> {
    const { rows, index } = await this.rowsOf(key, vs, true);
    const pos = index.byId.get(id);
    if (pos === undefined) throw new NotFound(`no sample ${id} in run ${key}`);
    const hits = matchingRows(rows, q, (i) => index.hay[i]!);
    const at = hits.findIndex((r) => r.id === id);
    const ds = await this.dataset(this.run(key));
    let other: Record<string, unknown> | null | undefined;
    if (vs !== null) {
      const base = this.run(vs);
      const bIndex = await this.catalog.index(base);
      const bPos = bIndex.byId.get(id);
      other = bPos === undefined ? null : await readRecord(bIndex, bPos);
    }
    const located = typeof ds !== "string" && ds.prompt(id) !== undefined;
    return {
      record: await readRecord(index, pos),
      prompt: typeof ds === "string" ? null : (ds.prompt(id) ?? null),
      images: located ? ((await ds.images(id))?.length ?? null) : null,
      imageNote:
        typeof ds === "string" ? ds : located ? null : "this sample's id is not in the cached dataset",
      prev: at > 0 ? hits[at - 1]!.id : null,
      next: at >= 0 && at + 1 < hits.length ? hits[at + 1]!.id : null,
      position: at,
      total: hits.length,
      ...(other !== undefined ? { other } : {}),
    };
  }

  /** Image k of a sample: a thumbnail or the full image. */
  async image(key: string, id: string, k: number, thumb: boolean): Promise<WebImage> {
    const run = this.run(key);
    const cacheKey = `${key}\0${id}\0${k}`;
    if (thumb) {
      const hit = this.thumbs.get(cacheKey);
      if (hit) return hit;
    }
    const ds = await this.dataset(run);
    if (typeof ds === "string") throw new NotFound(ds);
    const bytes = (await ds.images(id))?.[k];
    if (!bytes) throw new NotFound(`no image ${k} for sample ${id}`);
    if (!thumb) return fullImage(bytes);
    const made = await makeThumb(bytes);
    this.thumbs.set(cacheKey, made, made.body.byteLength);
    return made;
  }

  /** Compares two runs of one task with compare's own code (same seed, scorers and interval). */
  async compare(baseline: string, candidate: string): Promise<ComparePayload> {
    return (await this.pair(baseline, candidate)).payload;
  }

  /** The comparison with the candidate's rows marked by flip (built once per pair). */
  pair(baseline: string, candidate: string): Promise<PairData> {
    const key = `${baseline}\0${candidate}`;
    let p = this.pairs.get(key);
    if (!p) {
      p = this.buildPair(this.run(baseline), this.run(candidate));
      this.pairs.set(key, p);
      p.catch(() => this.pairs.delete(key));
    }
    return p;
  }

  private async buildPair(b: CatalogRun, c: CatalogRun): Promise<PairData> {
    if (b.summary.task !== c.summary.task) {
      throw new NotFound(`runs ${b.summary.key} and ${c.summary.key} are of different tasks`);
    }
    const [lb, lc] = [loadRun(b.dir), loadRun(c.dir)];
    const task = b.summary.task;
    const report = compareRunSets(
      [
        { label: b.summary.model, runs: new Map([[task, lb]]) },
        { label: c.summary.model, runs: new Map([[task, lc]]) },
      ],
      { seed: 0, scorers: await loadScorerLookup() },
    );
    const better = report.entries[0]?.higherIsBetter ?? true;
    const bById = new Map(lb.samples.map((s) => [s.id, s]));
    const cById = new Map(lc.samples.map((s) => [s.id, s]));
    const cIndex = await this.catalog.index(c);
    // The rows below are copies: let the candidate's questions arrive first.
    await this.dataset(c);
    const rows = cIndex.rows.map((row): ViewRow => {
      const other = bById.get(row.id);
      if (!other) return { ...row, flip: null, other: null };
      // Flips with compare's own notion of right (and metric direction), so the filters agree with its counts.
      const br = isRight(other, better);
      const cr = isRight(cById.get(row.id), better);
      return {
        ...row,
        flip: br && !cr ? "r2w" : !br && cr ? "w2r" : null,
        other: {
          prediction: other.prediction === null ? null : clipText(other.prediction, 200),
          score: other.score,
        },
      };
    });
    return {
      payload: {
        baseline: b.summary,
        candidate: c.summary,
        entry: compareJson(report)[0] ?? null,
        sameDevice: b.summary.deviceKey === c.summary.deviceKey,
      },
      rows,
    };
  }
}
