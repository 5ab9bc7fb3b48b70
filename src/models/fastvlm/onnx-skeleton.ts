/**
 * The "skeleton" of an inline-weight .onnx: the same model with every large top-level initializer
 * turned into an external-data reference (location, offset, length) to its own raw_data bytes inside the
 * original file. `--logits last` patches the skeleton (a few MB of structure instead of ~1 GB of
 * weights) and ONNX Runtime reads the weights straight from the original file through a hard link, so
 * the patch no longer decodes, re-encodes and rewrites the whole decoder.
 *
 * Walks the protobuf wire format with positional reads, field numbers from onnx.proto3. No library
 * fits: protobufjs's Reader (under onnx-proto) works on a buffer holding the whole file, which is the
 * read this module exists to avoid.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** What readSkeleton produced. */
export interface Skeleton {
  /** The skeleton model, serialized. */
  bytes: Uint8Array;
  /** How many initializers now point into the original file. */
  externalized: number;
  /** Bytes of weight data they cover. */
  referencedBytes: number;
}

/** Options of readSkeleton. */
export interface SkeletonOptions {
  /** Initializers with raw_data smaller than this stay inline (default 1 KiB). */
  minBytes?: number;
}

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

// ModelProto.graph, GraphProto.initializer, TensorProto.{raw_data, external_data, data_location}.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const EXTERNAL = 1;

/** One field of a message: where its tag starts, where its payload starts and where it ends. */
interface Field {
  /** Field number. */
  num: number;
  /** Wire type. */
  wire: number;
  /** File offset of the tag. */
  start: number;
  /** File offset of the payload (after the length, for length-delimited fields). */
  payload: number;
  /** File offset just past the field. */
  end: number;
  /** The value of a varint field (0 otherwise). */
  value: number;
}

/** Positional reads through a small window, so walking a 1 GB file touches only its field headers. */
class Cursor {
  private readonly buf = Buffer.alloc(64 * 1024);
  private at = 0;
  private filled = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  private byte(pos: number): number {
    if (pos < this.at || pos >= this.at + this.filled) {
      if (pos >= this.size) throw new Error(`truncated protobuf: read past the end at byte ${pos}`);
      this.at = pos;
      this.filled = readSync(this.fd, this.buf, 0, this.buf.length, pos);
    }
    return this.buf[pos - this.at]!;
  }

  /** A varint at `pos` (exact up to 2^53, enough for any length or offset) and the offset after it. */
  varint(pos: number): [number, number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(pos + i);
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return [value, pos + i + 1];
      scale *= 128;
    }
    throw new Error(`malformed varint at byte ${pos}`);
  }

  /** Copies [start, end) out of the file. */
  bytes(start: number, end: number): Buffer {
    if (start >= this.at && end <= this.at + this.filled)
      return Buffer.from(this.buf.subarray(start - this.at, end - this.at));
    const out = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < out.length) {
      const n = readSync(this.fd, out, done, out.length - done, start + done);
      if (n === 0) throw new Error(`truncated protobuf: file ends before byte ${end}`);
      done += n;
    }
    return out;
  }

  /** The fields of the message spanning [start, end). */
  fields(start: number, end: number): Field[] {
    const out: Field[] = [];
    let pos = start;
    while (pos < end) {
      const [tag, afterTag] = this.varint(pos);
      const num = Math.floor(tag / 8);
      const wire = tag % 8;
      let payload = afterTag;
      let next: number;
      let value = 0;
      if (wire === VARINT) [value, next] = this.varint(afterTag);
      else if (wire === FIXED64) next = afterTag + 8;
      else if (wire === FIXED32) next = afterTag + 4;
      else if (wire === LEN) {
        const [len, p] = this.varint(afterTag);
        payload = p;
        next = p + len;
      } else throw new Error(`unsupported protobuf wire type ${wire} at byte ${pos}`);
      if (num === 0 || next > end) throw new Error(`malformed protobuf field at byte ${pos}`);
      out.push({ num, wire, start: pos, payload, end: next, value });
      pos = next;
    }
    return out;
  }
}

function varintBytes(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function lengthDelimited(num: number, parts: readonly Buffer[]): Buffer[] {
  const len = parts.reduce((s, p) => s + p.length, 0);
  return [varintBytes(num * 8 + LEN), varintBytes(len), ...parts];
}

function stringField(num: number, s: string): Buffer {
  return Buffer.concat(lengthDelimited(num, [Buffer.from(s, "utf8")]));
}

/** StringStringEntryProto {key = 1, value = 2} as TensorProto.external_data. */
function entry(key: string, value: string): Buffer {
  return Buffer.concat(lengthDelimited(TENSOR_EXTERNAL_DATA, [stringField(1, key), stringField(2, value)]));
}

interface Walk {
  c: Cursor;
  location: string;
  minBytes: number;
  externalized: number;
  referencedBytes: number;
}

/** A TensorProto, with its raw_data replaced by a reference when it is large and inline. */
function tensor(w: Walk, start: number, end: number): Buffer[] {
  const fields = w.c.fields(start, end);
  const raw = fields.filter((f) => f.num === TENSOR_RAW_DATA && f.wire === LEN);
  const external = fields.some((f) => f.num === TENSOR_DATA_LOCATION && f.value === EXTERNAL);
  const data = raw.length === 1 ? raw[0] : undefined;
  if (!data || external || data.end - data.payload < w.minBytes) return [w.c.bytes(start, end)];
  const kept = fields
    .filter((f) => f !== data && f.num !== TENSOR_EXTERNAL_DATA && f.num !== TENSOR_DATA_LOCATION)
    .map((f) => w.c.bytes(f.start, f.end));
  w.externalized += 1;
  w.referencedBytes += data.end - data.payload;
  return [
    ...kept,
    entry("location", w.location),
    entry("offset", String(data.payload)),
    entry("length", String(data.end - data.payload)),
    Buffer.from([TENSOR_DATA_LOCATION * 8 + VARINT, EXTERNAL]),
  ];
}

function graph(w: Walk, start: number, end: number): Buffer[] {
  return w.c
    .fields(start, end)
    .flatMap((f) =>
      f.num === GRAPH_INITIALIZER && f.wire === LEN
        ? lengthDelimited(GRAPH_INITIALIZER, tensor(w, f.payload, f.end))
        : [w.c.bytes(f.start, f.end)],
    );
}

/**
 * Reads the skeleton of the .onnx at `path`; `location` is the name the original file will have next to
 * the skeleton (a relative path, as ORT requires). Only top-level initializers are rewritten; node
 * attributes and subgraphs stay inline. Throws on a file that is not a well-formed protobuf.
 */
export function readSkeleton(path: string, location: string, opts: SkeletonOptions = {}): Skeleton {
  const fd = openSync(path, "r");
  try {
    const w: Walk = {
      c: new Cursor(fd, fstatSync(fd).size),
      location,
      minBytes: opts.minBytes ?? 1024,
      externalized: 0,
      referencedBytes: 0,
    };
    const parts = w.c
      .fields(0, w.c.size)
      .flatMap((f) =>
        f.num === MODEL_GRAPH && f.wire === LEN
          ? lengthDelimited(MODEL_GRAPH, graph(w, f.payload, f.end))
          : [w.c.bytes(f.start, f.end)],
      );
    return {
      bytes: Buffer.concat(parts),
      externalized: w.externalized,
      referencedBytes: w.referencedBytes,
    };
  } finally {
    closeSync(fd);
  }
}
