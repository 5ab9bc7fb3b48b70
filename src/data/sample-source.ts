/**
 * A task's samples two ways: a stream in file order (loadSamples) that also notes where each sample's row
 * lies, and ordered access to given ids, which reads each row's row group on demand and keeps decoded row
 * groups in an LRU bounded by bytes. The runner streams once to select, then reads the pending samples in
 * its own order (questions of one image together) without holding the split's images in memory.
 */
import { DataError } from "../core/errors.js";
import type { Json, RawRow, TaskDefinition, TaskSample } from "../core/types.js";
import { approxBytes, ByteLru } from "./byte-lru.js";
import { openParquet, type ParquetHandle } from "./parquet.js";
import {
  type DatasetFiles,
  type LoadSamplesOptions,
  located,
  type RowLocation,
  SampleBuilder,
  scanSamples,
} from "./samples.js";

/** Options of openSampleSource. */
export interface SampleSourceOptions extends LoadSamplesOptions {
  /**
   * Bytes of decoded split row groups the ordered reader keeps (least recently used evicted; default
   * 128 MiB: six 100-row groups of 200 KB document pages).
   */
  rowCacheBytes?: number;
}

/** The samples of one task's split, streamed or by id. */
export interface SampleSource<Ref extends Json = Json> {
  /** A fresh stream over every sample, in file order; a complete pass also indexes where each sample lies. */
  samples(): AsyncGenerator<TaskSample<Ref>>;
  /**
   * The samples with these ids, in this order (an id given twice is yielded twice). Indexes the split first
   * when no complete pass has; an id that is not in the split is a DataError.
   */
  samplesInOrder(ids: readonly string[]): AsyncGenerator<TaskSample<Ref>>;
}

const DEFAULT_ROW_CACHE_BYTES = 128 * 1024 * 1024;

/** The row group holding `row` (groups are sorted, contiguous bounds). */
function groupOf(groups: readonly [number, number][], row: number): number {
  let lo = 0;
  let hi = groups.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (row >= groups[mid]![1]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Opens the task's split for streaming and ordered reads. */
export function openSampleSource<Row, Ref extends Json>(
  task: TaskDefinition<Row, Ref>,
  files: DatasetFiles,
  opts: SampleSourceOptions = {},
): SampleSource<Ref> {
  // Same files, same rows: a location noted by any pass stays valid.
  const where = new Map<string, RowLocation>();
  let indexed = false;
  async function* samples(): AsyncGenerator<TaskSample<Ref>> {
    yield* scanSamples(task, files, opts, (id, loc) => where.set(id, loc));
    indexed = true;
  }
  async function* samplesInOrder(ids: readonly string[]): AsyncGenerator<TaskSample<Ref>> {
    if (!indexed && ids.some((id) => !where.has(id))) for await (const _ of samples());
    const builder = await SampleBuilder.open(task, files, opts);
    const handles = new Map<number, ParquetHandle>();
    const groups = new ByteLru<RawRow[]>(opts.rowCacheBytes ?? DEFAULT_ROW_CACHE_BYTES);
    for (const id of ids) {
      const loc = where.get(id);
      if (loc === undefined) {
        throw new DataError(
          `${task.name}: no sample '${id}' in ${files.repo}@${files.sha} (${task.dataset.config}/${task.dataset.split}).`,
          "The dataset files changed during the run; re-run the command.",
        );
      }
      const path = files.files[loc.file]!;
      let handle = handles.get(loc.file);
      if (handle === undefined) {
        handle = await openParquet(path);
        handles.set(loc.file, handle);
      }
      const g = groupOf(handle.groups, loc.row);
      const [start, end] = handle.groups[g]!;
      const key = `${loc.file}:${g}`;
      let rows = groups.get(key);
      if (rows === undefined) {
        opts.onRowGroup?.({ file: path, index: g, rowStart: start, rows: end - start });
        rows = await handle.read(start, end);
        groups.set(key, rows, approxBytes(rows));
      }
      // A copy: joins add columns to the row, and the cached row serves later questions too.
      const raw: RawRow = { ...rows[loc.row - start]! };
      let sample: TaskSample<Ref> | null;
      try {
        sample = await builder.build(raw, loc.at);
      } catch (err) {
        throw located(path, loc.row, err);
      }
      if (sample === null || sample.id !== id) {
        throw new DataError(
          `${path} row ${loc.row}: expected sample '${id}' there, found ${sample === null ? "a dropped row" : `'${sample.id}'`}.`,
          "The dataset file changed during the run; re-run the command.",
        );
      }
      yield sample;
    }
  }
  return { samples, samplesInOrder };
}
