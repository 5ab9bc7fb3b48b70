/**
 * Ordered sample access over the fixture parquet files (written in the real schemas by scripts/fixtures):
 * samplesInOrder yields exactly the requested samples in the requested order, equal to the stream's, reads
 * only the row groups it needs through a byte-bounded cache, joins GQA's images, and loadSamples sets the
 * tasks' image keys.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DataError } from "../../src/core/errors.js";
import type { Json, TaskSample } from "../../src/core/types.js";
import { openSampleSource, type SampleSourceOptions } from "../../src/data/sample-source.js";
import { loadSamples, type RowGroupRead } from "../../src/data/samples.js";
import { type AnyTask, TASKS } from "../../tasks/index.js";
import { fixtureDatasetFiles, fixtureRoot } from "../helpers/fixtures.js";

let root: string;
beforeAll(async () => {
  root = await fixtureRoot();
});

function files(name: "docvqa" | "gqa" | "chartqa") {
  return fixtureDatasetFiles(root, name, TASKS[name]!.dataset);
}

async function collect(it: AsyncIterable<TaskSample<Json>>): Promise<TaskSample<Json>[]> {
  const out: TaskSample<Json>[] = [];
  for await (const s of it) out.push(s);
  return out;
}

/** A source over a task, its streamed samples, the row group each id lies in, and a count of ordered reads. */
async function scanned(name: "docvqa" | "gqa", opts: SampleSourceOptions = {}) {
  const task: AnyTask = TASKS[name]!;
  const reads: RowGroupRead[] = [];
  let current = "";
  const source = openSampleSource(task, files(name), {
    ...opts,
    onRowGroup: (g) => {
      reads.push(g);
      current = `${g.file}#${g.index}`;
    },
  });
  const groupOf = new Map<string, string>();
  const streamed: TaskSample<Json>[] = [];
  // The stream reports a row group just before yielding its rows, so `current` names each sample's group.
  for await (const s of source.samples()) {
    groupOf.set(s.id, current);
    streamed.push(s);
  }
  reads.length = 0;
  return { source, streamed, groupOf, reads };
}

describe("samplesInOrder", () => {
  it("yields exactly the requested samples, in the requested order, equal to the stream's", async () => {
    const { source, streamed } = await scanned("docvqa");
    expect(streamed.length).toBeGreaterThan(8);
    // Every other sample, back to front: across row groups in both directions.
    const wanted = streamed.filter((_, i) => i % 2 === 1).reverse();
    const got = await collect(source.samplesInOrder(wanted.map((s) => s.id)));
    expect(got.map((s) => s.id)).toEqual(wanted.map((s) => s.id));
    expect(got).toEqual(wanted);
    expect(await collect(source.samplesInOrder([]))).toEqual([]);
  });

  it("decodes only the row groups that hold requested ids, each once when the cache has room", async () => {
    const { source, streamed, groupOf, reads } = await scanned("docvqa");
    const groups = [...new Set(streamed.map((s) => groupOf.get(s.id)!))];
    expect(groups.length).toBeGreaterThan(3);
    const [g1, g2] = [groups[1]!, groups[groups.length - 1]!];
    const inGroup = (g: string) => streamed.filter((s) => groupOf.get(s.id) === g).map((s) => s.id);
    // Interleaved: g1, g2, g1, g2 …
    const a = inGroup(g1);
    const b = inGroup(g2);
    const order = a.flatMap((id, i) => (b[i] === undefined ? [id] : [id, b[i]!]));
    const got = await collect(source.samplesInOrder(order));
    expect(got.map((s) => s.id)).toEqual(order);
    expect(reads.map((r) => `${r.file}#${r.index}`).sort()).toEqual([g1, g2].sort());
  });

  it("a cache of one group re-reads a group the order leaves and comes back to", async () => {
    const order = (streamed: TaskSample<Json>[], groupOf: Map<string, string>): string[] => {
      const groups = [...new Set(streamed.map((s) => groupOf.get(s.id)!))];
      const ids = (g: string) => streamed.filter((s) => groupOf.get(s.id) === g).map((s) => s.id);
      const [x, y] = [ids(groups[0]!), ids(groups[1]!)];
      return [x[0]!, x[1]!, y[0]!, x[2]!];
    };
    const tiny = await scanned("docvqa", { rowCacheBytes: 1 });
    const tinyOrder = order(tiny.streamed, tiny.groupOf);
    const tinyGot = await collect(tiny.source.samplesInOrder(tinyOrder));
    expect(tinyGot.map((s) => s.id)).toEqual(tinyOrder);
    // g0 (two samples from one read), g1, g0 again: the bound is real.
    expect(tiny.reads).toHaveLength(3);
    const roomy = await scanned("docvqa");
    await collect(roomy.source.samplesInOrder(order(roomy.streamed, roomy.groupOf)));
    expect(roomy.reads).toHaveLength(2);
  });

  it("indexes the split itself when no pass has, and names an id that is not there", async () => {
    const task: AnyTask = TASKS.docvqa!;
    const streamed = await collect(loadSamples(task, files("docvqa")));
    const fresh = openSampleSource(task, files("docvqa"));
    const want = [streamed[5]!, streamed[0]!];
    expect(await collect(fresh.samplesInOrder(want.map((s) => s.id)))).toEqual(want);
    const err = await collect(fresh.samplesInOrder([streamed[0]!.id, "no-such-question"])).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/no sample 'no-such-question'/);
  });

  it("gqa: ordered reads still join each question's image from the images config", async () => {
    for (const joinCacheBytes of [undefined, 1]) {
      const { source, streamed } = await scanned(
        "gqa",
        joinCacheBytes === undefined ? {} : { joinCacheBytes },
      );
      const wanted = [...streamed].reverse();
      const got = await collect(source.samplesInOrder(wanted.map((s) => s.id)));
      expect(got.map((s) => s.id)).toEqual(wanted.map((s) => s.id));
      for (const [i, s] of got.entries()) {
        expect(Buffer.from(s.images[0]!.bytes).equals(Buffer.from(wanted[i]!.images[0]!.bytes))).toBe(true);
        expect(s.images[0]!.source).toBe("testdev_balanced_images/image");
      }
    }
  });
});

describe("image keys", () => {
  it("loadSamples sets the task's key (GQA imageId, DocVQA docId) and none for a task without one", async () => {
    const gqa = await collect(loadSamples(TASKS.gqa!, files("gqa")));
    expect(gqa.every((s) => s.imageKey === s.doc.imageId)).toBe(true);
    // Several questions share an image in the fixture, as in GQA.
    expect(new Set(gqa.map((s) => s.imageKey)).size).toBeLessThan(gqa.length);
    const docvqa = await collect(loadSamples(TASKS.docvqa!, files("docvqa")));
    expect(docvqa.every((s) => s.imageKey === String(s.doc.docId))).toBe(true);
    const chartqa = await collect(loadSamples(TASKS.chartqa!, files("chartqa")));
    expect(chartqa.every((s) => s.imageKey === undefined)).toBe(true);
  });

  it("DocVQA falls back to the UCSF document and page when a copy has no docId", () => {
    const task: AnyTask = TASKS.docvqa!;
    const raw = {
      questionId: "7",
      question: "What is the date?",
      answers: ["1 May"],
      image: { bytes: new Uint8Array([1]), path: "p.png" },
      ucsf_document_id: "txpn0095",
      ucsf_document_page_no: "3",
    };
    const row = task.parseRow(raw, 0);
    expect(task.imageKey!(row)).toBe("txpn0095/3");
    const bare = task.parseRow({ ...raw, ucsf_document_id: null }, 0);
    expect(task.imageKey!(bare)).toBe("");
  });
});
