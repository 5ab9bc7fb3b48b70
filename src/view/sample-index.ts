/**
 * A run's samples.jsonl as the viewer needs it: streamed once into compact rows (clipped text, no
 * timings or token counts) plus the byte range of every line, so a page is answered from memory and one
 * sample's full record is read back from its byte range. A torn or unparseable line is skipped and counted.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { SAMPLES_FILE, type SampleRecord } from "../core/records.js";
import { isRight } from "../report/compare.js";
import { clipText, type ViewRow } from "./query.js";

/** Clip lengths of the table's text fields. */
const CLIP = { question: 160, prediction: 200, json: 160 } as const;

/** The in-memory index of one samples.jsonl. */
export interface SampleIndex {
  /** Compact rows in file order (a later line with the same id replaces the earlier one). */
  rows: ViewRow[];
  /** Lower-cased prediction + reference text per row, for search (the question is added when known). */
  hay: string[];
  /** Byte offset of each row's line. */
  offsets: number[];
  /** Byte length of each row's line. */
  lengths: number[];
  /** Row position by sample id. */
  byId: Map<string, number>;
  /** Lines skipped (torn, not JSON, or without an id). */
  skipped: number;
  /** Path of samples.jsonl. */
  file: string;
}

/** JSON text of a value, for table cells. */
export function jsonText(v: unknown): string {
  if (typeof v === "string") return v;
  return JSON.stringify(v ?? null) ?? "null";
}

/** How a run's rows are read: facts from run.json and the scorer, not from the lines. */
export interface RowReading {
  /** The run's clock is on the device (src/core/timing.ts `modelClock`); otherwise rows have no TTFT. */
  deviceClock?: boolean;
  /** The primary metric's direction: right is a score ≥ 0.5, or ≤ 0.5 when lower is better (as compare). */
  higherIsBetter?: boolean;
}

/** The compact row of one record (`refText` is the reference's JSON text when already made). */
export function toViewRow(
  rec: SampleRecord,
  n: number,
  refText = jsonText(rec.reference),
  reading: RowReading = {},
): ViewRow {
  const failed = rec.error !== null || rec.score === null;
  return {
    id: rec.id,
    n,
    score: rec.score,
    right: isRight(rec, reading.higherIsBetter ?? true),
    parseOk: rec.parseOk,
    failed,
    stratum: rec.stratum ?? null,
    ttft: reading.deviceClock === false ? null : (rec.timing?.ttftMs ?? null),
    rule: rec.rule,
    question: null,
    prediction: rec.prediction === null ? null : clipText(rec.prediction, CLIP.prediction),
    parsed: clipText(jsonText(rec.parsed), CLIP.json),
    reference: clipText(refText, CLIP.json),
  };
}

function isRecord(v: unknown): v is SampleRecord {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { id?: unknown }).id === "string" &&
    "score" in v &&
    "prediction" in v
  );
}

/** Streams samples.jsonl of a run folder into an index (an absent file gives an empty index). */
export async function indexSamples(runDir: string, reading: RowReading = {}): Promise<SampleIndex> {
  const file = join(runDir, SAMPLES_FILE);
  const index: SampleIndex = {
    rows: [],
    hay: [],
    offsets: [],
    lengths: [],
    byId: new Map(),
    skipped: 0,
    file,
  };
  const add = (line: string, offset: number, bytes: number): void => {
    if (bytes === 0) return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      index.skipped++;
      return;
    }
    if (!isRecord(rec)) {
      index.skipped++;
      return;
    }
    const refText = jsonText(rec.reference);
    const at = index.byId.get(rec.id);
    const pos = at ?? index.rows.length;
    index.rows[pos] = toViewRow(rec, pos, refText, reading);
    index.hay[pos] = `${rec.prediction ?? ""}\n${refText}`.toLowerCase();
    index.offsets[pos] = offset;
    index.lengths[pos] = bytes;
    if (at === undefined) index.byId.set(rec.id, pos);
  };
  let carry: Buffer = Buffer.alloc(0);
  let carryStart = 0;
  let pos = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      let start = 0;
      let nl = chunk.indexOf(10, start);
      while (nl !== -1) {
        if (carry.length > 0) {
          const line = Buffer.concat([carry, chunk.subarray(start, nl)]);
          add(line.toString("utf8"), carryStart, line.length);
          carry = Buffer.alloc(0);
        } else add(chunk.toString("utf8", start, nl), pos + start, nl - start);
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
      if (start < chunk.length) {
        if (carry.length === 0) carryStart = pos + start;
        carry = Buffer.concat([carry, chunk.subarray(start)]);
      }
      pos += chunk.length;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  // A last line without a newline is a torn write: the writer will cut it, so the viewer skips it too.
  if (carry.length > 0) index.skipped++;
  return index;
}

/** Reads one sample's full record back from its byte range. */
export async function readRecord(index: SampleIndex, pos: number): Promise<Record<string, unknown>> {
  const handle = await open(index.file, "r");
  try {
    const length = index.lengths[pos]!;
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, index.offsets[pos]!);
    return JSON.parse(buf.toString("utf8")) as Record<string, unknown>;
  } finally {
    await handle.close();
  }
}
