/**
 * Parquet row streaming with hyparquet, one row group at a time: memory is bounded by a row group,
 * not by the file. `utf8: false` keeps un-annotated BYTE_ARRAY columns (image bytes) as Uint8Array;
 * STRING-annotated columns still decode to strings. int64 values become numbers when they are safe
 * integers (bigint otherwise). hyparquet is imported lazily so CLI start-up stays fast.
 */
import type { AsyncBuffer, FileMetaData } from "hyparquet";
import { DataError } from "../core/errors.js";
import type { RawRow } from "../core/types.js";

/** Options of streamParquetRows. */
export interface StreamParquetOptions {
  /** Top-level columns to read; all when omitted. */
  columns?: string[];
  /** Called before each row group is read (index, first row, row count): lets tests count reads. */
  onRowGroup?: (info: { index: number; rowStart: number; rows: number }) => void;
}

/** int64 → number when safe, recursively through lists and structs (binary left alone). */
export function normalizeValue(v: unknown): unknown {
  if (typeof v === "bigint") {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
  }
  if (v === null || typeof v !== "object" || v instanceof Uint8Array || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map(normalizeValue);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normalizeValue(x);
  return out;
}

async function openFile(path: string): Promise<AsyncBuffer> {
  const { asyncBufferFromFile } = await import("hyparquet");
  try {
    return await asyncBufferFromFile(path);
  } catch (err) {
    throw new DataError(`Cannot open parquet file ${path}: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }
}

async function readMetadata(file: AsyncBuffer, label: string): Promise<FileMetaData> {
  const { parquetMetadataAsync } = await import("hyparquet");
  try {
    return await parquetMetadataAsync(file);
  } catch (err) {
    throw new DataError(
      `${label} is not a readable parquet file: ${(err as Error).message}`,
      "Delete the cached file and fetch it again.",
      { cause: err },
    );
  }
}

/** Streams rows of a parquet AsyncBuffer, one row group at a time (exported for tests). */
export async function* streamParquetBuffer(
  file: AsyncBuffer,
  label: string,
  opts: StreamParquetOptions = {},
): AsyncGenerator<RawRow> {
  const { parquetReadObjects } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  const metadata = await readMetadata(file, label);
  if (opts.columns) {
    const have = new Set(metadata.schema.slice(1).map((e) => e.name));
    const missing = opts.columns.filter((c) => !have.has(c));
    if (missing.length > 0) {
      throw new DataError(`${label}: missing column(s) ${missing.join(", ")}.`);
    }
  }
  let rowStart = 0;
  for (const [index, group] of metadata.row_groups.entries()) {
    const rows = Number(group.num_rows);
    opts.onRowGroup?.({ index, rowStart, rows });
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({
        file,
        metadata,
        columns: opts.columns,
        rowStart,
        rowEnd: rowStart + rows,
        utf8: false,
        compressors,
      });
    } catch (err) {
      throw new DataError(
        `${label}: cannot decode row group ${index}: ${(err as Error).message}`,
        undefined,
        {
          cause: err,
        },
      );
    }
    for (const row of objects) yield normalizeValue(row) as RawRow;
    rowStart += rows;
  }
}

/** Streams the rows of a local parquet file, one row group in memory at a time. */
export async function* streamParquetRows(
  path: string,
  opts: StreamParquetOptions = {},
): AsyncGenerator<RawRow> {
  const file = await openFile(path);
  yield* streamParquetBuffer(file, path, opts);
}

/** Row count from the footer, without reading any data page. */
export async function countParquetRows(path: string): Promise<number> {
  const file = await openFile(path);
  const metadata = await readMetadata(file, path);
  return Number(metadata.num_rows);
}

/** Row-group sizes from the footer (for lazy joins that read one group on demand). */
export async function parquetRowGroups(path: string): Promise<number[]> {
  const file = await openFile(path);
  const metadata = await readMetadata(file, path);
  return metadata.row_groups.map((g) => Number(g.num_rows));
}

/** An open parquet file: the footer read once, row-group bounds, and reads of row ranges. */
export interface ParquetHandle {
  /** The file. */
  path: string;
  /** `[start, end)` rows of each row group, in file order. */
  groups: [number, number][];
  /** Reads rows [rowStart, rowEnd) (the row groups they span are decoded). */
  read(rowStart: number, rowEnd: number, columns?: string[]): Promise<RawRow[]>;
}

/** Opens a parquet file for range reads: one footer read however many ranges follow. */
export async function openParquet(path: string): Promise<ParquetHandle> {
  const { parquetReadObjects } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  const file = await openFile(path);
  const metadata = await readMetadata(file, path);
  const groups: [number, number][] = [];
  let start = 0;
  for (const g of metadata.row_groups) {
    const n = Number(g.num_rows);
    groups.push([start, start + n]);
    start += n;
  }
  const read = async (rowStart: number, rowEnd: number, columns?: string[]): Promise<RawRow[]> => {
    try {
      const rows = await parquetReadObjects({
        file,
        metadata,
        columns,
        rowStart,
        rowEnd,
        utf8: false,
        compressors,
      });
      return rows.map((r) => normalizeValue(r) as RawRow);
    } catch (err) {
      throw new DataError(
        `${path}: cannot decode rows ${rowStart}..${rowEnd}: ${(err as Error).message}`,
        undefined,
        { cause: err },
      );
    }
  };
  return { path, groups, read };
}

/** Reads rows [rowStart, rowEnd) of a file (one-off reads; openParquet for many). */
export async function readParquetRange(
  path: string,
  rowStart: number,
  rowEnd: number,
  columns?: string[],
): Promise<RawRow[]> {
  return (await openParquet(path)).read(rowStart, rowEnd, columns);
}
