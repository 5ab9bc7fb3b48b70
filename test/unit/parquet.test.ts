/** Parquet streaming: types (string vs binary, int64), codecs (snappy, zstd), row-group-at-a-time reads. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AsyncBuffer, parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "../../src/core/errors.js";
import { countParquetRows, streamParquetBuffer, streamParquetRows } from "../../src/data/parquet.js";
import { fixtureDataset, fixtureRoot, fixtureSplitFiles } from "../helpers/fixtures.js";

let dir: string;
let root: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "parquet-test-"));
  root = await fixtureRoot();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeTypes(path: string): void {
  const buf = parquetWriteBuffer({
    schema: [
      { name: "schema", num_children: 5 },
      { name: "s", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      { name: "b", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
      { name: "small", type: "INT64", repetition_type: "OPTIONAL" },
      { name: "huge", type: "INT64", repetition_type: "OPTIONAL" },
      { name: "tags", repetition_type: "OPTIONAL", num_children: 1, converted_type: "LIST" },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", type: "INT64", repetition_type: "OPTIONAL" },
    ],
    columnData: [
      { name: "s", data: ["héllo", "", null] },
      { name: "b", data: [new Uint8Array([0xff, 0xd8, 0x00]), new Uint8Array([]), null] },
      { name: "small", data: [1n, -5n, null] },
      { name: "huge", data: [2n ** 60n, 0n, null] },
      { name: "tags", data: [[1n, 2n], [], null] },
    ],
    rowGroupSize: 2,
  });
  writeFileSync(path, new Uint8Array(buf));
}

describe("streamParquetRows", () => {
  it("keeps STRING columns as strings and un-annotated binary as bytes; int64 → number when safe", async () => {
    const path = join(dir, "types.parquet");
    writeTypes(path);
    const rows = [];
    for await (const r of streamParquetRows(path)) rows.push(r);
    expect(rows).toHaveLength(3);
    expect(rows[0]!.s).toBe("héllo");
    expect(rows[0]!.b).toBeInstanceOf(Uint8Array);
    expect([...(rows[0]!.b as Uint8Array)]).toEqual([0xff, 0xd8, 0x00]);
    expect(rows[1]!.s).toBe("");
    expect(rows[0]!.small).toBe(1);
    expect(rows[1]!.small).toBe(-5);
    expect(rows[0]!.huge).toBe(2n ** 60n);
    expect(rows[0]!.tags).toEqual([1, 2]);
    expect(rows[2]!.s).toBeNull();
    expect(await countParquetRows(path)).toBe(3);
  });

  it("reads snappy and zstd fixture files, image bytes intact", async () => {
    const { dir: pope } = fixtureDataset(root, "pope");
    const files = fixtureSplitFiles(pope, "default", "test");
    expect(files).toHaveLength(3);
    // File 1 is ZSTD, files 0 and 2 SNAPPY (see make-fixtures).
    const codecs = files.map((f) => {
      const meta = parquetMetadata(new Uint8Array(readFileSync(f)).buffer);
      return meta.row_groups[0]!.columns[0]!.meta_data!.codec;
    });
    expect(codecs).toEqual(["SNAPPY", "ZSTD", "SNAPPY"]);
    let total = 0;
    for (const f of files) {
      for await (const r of streamParquetRows(f)) {
        const image = r.image as { bytes: Uint8Array };
        expect(image.bytes).toBeInstanceOf(Uint8Array);
        // PNG or JPEG magic: bytes were not mangled by UTF-8 decoding.
        const magic = [...image.bytes.slice(0, 2)];
        expect([
          [0x89, 0x50],
          [0xff, 0xd8],
        ]).toContainEqual(magic);
        total++;
      }
      expect(await countParquetRows(f)).toBeGreaterThan(0);
    }
    expect(total).toBe(16);
  });

  it("reads one row group at a time, not the whole file", async () => {
    const { dir: docvqa } = fixtureDataset(root, "docvqa");
    const [path] = fixtureSplitFiles(docvqa, "DocVQA", "validation");
    const bytes = new Uint8Array(readFileSync(path!));
    const meta = parquetMetadata(bytes.buffer);
    // Byte range of each row group's column chunks.
    const ranges = meta.row_groups.map((g) => {
      const starts = g.columns.map((c) =>
        Number(c.meta_data!.dictionary_page_offset ?? c.meta_data!.data_page_offset),
      );
      const ends = g.columns.map(
        (c) => Number(c.meta_data!.data_page_offset) + Number(c.meta_data!.total_compressed_size),
      );
      return [Math.min(...starts), Math.max(...ends)] as const;
    });
    expect(ranges.length).toBeGreaterThan(3);
    const reads: [number, number][] = [];
    const file: AsyncBuffer = {
      byteLength: bytes.byteLength,
      slice(start: number, end?: number) {
        reads.push([start, end ?? bytes.byteLength]);
        return bytes.slice(start, end).buffer;
      },
    };
    const groups: number[] = [];
    const rows = streamParquetBuffer(file, path!, { onRowGroup: (g) => groups.push(g.index) });
    const first = await rows.next();
    expect(first.done).toBe(false);
    expect(groups).toEqual([0]);
    // Every read except the footer (which ends at EOF) stays inside row group 0.
    const dataReads = reads.filter(([, end]) => end !== bytes.byteLength);
    expect(dataReads.length).toBeGreaterThan(0);
    for (const [start, end] of dataReads) {
      expect(start).toBeGreaterThanOrEqual(ranges[0]![0]);
      expect(end).toBeLessThanOrEqual(ranges[0]![1]);
    }
    let n = 1;
    for await (const _ of rows) n++;
    expect(n).toBe(16);
    expect(groups).toEqual(ranges.map((_, k) => k));
  });

  it("names missing columns and unreadable files", async () => {
    const path = join(dir, "types2.parquet");
    writeTypes(path);
    const rows = streamParquetRows(path, { columns: ["s", "nope"] });
    await expect(rows.next()).rejects.toThrow(/missing column\(s\) nope/);
    const junk = join(dir, "junk.parquet");
    writeFileSync(junk, "not parquet at all");
    await expect(streamParquetRows(junk).next()).rejects.toBeInstanceOf(DataError);
  });
});
