/**
 * The decoder skeleton (onnx-skeleton.ts): large inline initializers become external-data references to
 * their own bytes in the original file; everything else survives byte for byte; the patched skeleton is
 * staged next to a hard link of the original, small; broken files are refused with the byte offset.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeModel, sliceLastLogits } from "../../src/models/fastvlm/graph-patch.js";
import { stagePatchedModel } from "../../src/models/fastvlm/graph-stage.js";
import { readSkeleton } from "../../src/models/fastvlm/onnx-skeleton.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

let work: string;
let decoder: string;
let original: Buffer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fastvlm-skeleton-"));
  decoder = join(await tinyModelDir("fp32"), "onnx", "decoder_model_merged.onnx");
  original = readFileSync(decoder);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const entry = (t: { externalData?: { key?: string | null; value?: string | null }[] | null }, key: string) =>
  t.externalData?.find((e) => e.key === key)?.value;

describe("readSkeleton", () => {
  it("points every large inline initializer at its own bytes in the original file", () => {
    const want = decodeModel(original);
    const skeleton = readSkeleton(decoder, "self.bin", { minBytes: 256 });
    const got = decodeModel(skeleton.bytes);
    const wantInits = want.graph!.initializer!;
    const gotInits = got.graph!.initializer!;
    expect(gotInits.map((t) => t.name)).toEqual(wantInits.map((t) => t.name));
    let external = 0;
    let referenced = 0;
    for (let i = 0; i < wantInits.length; i++) {
      const w = wantInits[i]!;
      const g = gotInits[i]!;
      expect(g.dims?.map(Number)).toEqual(w.dims?.map(Number));
      expect(g.dataType).toBe(w.dataType);
      const raw = w.rawData ?? new Uint8Array();
      if (raw.length >= 256) {
        external += 1;
        referenced += raw.length;
        expect(g.dataLocation).toBe(1);
        expect(g.rawData?.length ?? 0).toBe(0);
        expect(entry(g, "location")).toBe("self.bin");
        const offset = Number(entry(g, "offset"));
        const length = Number(entry(g, "length"));
        expect(length).toBe(raw.length);
        expect(original.subarray(offset, offset + length).equals(Buffer.from(raw))).toBe(true);
      } else {
        expect(g.dataLocation ?? 0).toBe(0);
        expect(Buffer.from(g.rawData ?? []).equals(Buffer.from(raw))).toBe(true);
      }
    }
    expect(external).toBeGreaterThan(5);
    expect(skeleton.externalized).toBe(external);
    expect(skeleton.referencedBytes).toBe(referenced);
    expect(skeleton.bytes.length).toBeLessThan(original.length - referenced + external * 64);
    // Nodes, inputs and outputs are copied as they were.
    expect(got.graph!.node!.length).toBe(want.graph!.node!.length);
    expect(got.graph!.node!.map((n) => n.opType)).toEqual(want.graph!.node!.map((n) => n.opType));
    expect(got.graph!.input!.map((v) => v.name)).toEqual(want.graph!.input!.map((v) => v.name));
    expect(Number(got.irVersion)).toBe(Number(want.irVersion));
  });

  it("is the original byte for byte when no initializer is large enough", () => {
    const skeleton = readSkeleton(decoder, "self.bin", { minBytes: Number.MAX_SAFE_INTEGER });
    expect(skeleton.externalized).toBe(0);
    expect(Buffer.from(skeleton.bytes).equals(original)).toBe(true);
  });

  it("refuses a truncated or garbled file, naming the byte", () => {
    const cut = join(work, "cut.onnx");
    writeFileSync(cut, original.subarray(0, Math.floor(original.length * 0.7)));
    expect(() => readSkeleton(cut, "self.bin")).toThrow(/malformed protobuf field at byte \d+|truncated/);
    const garbled = join(work, "garbled.onnx");
    writeFileSync(garbled, Buffer.from([0x0b, 0x01, 0x02, 0x03])); // wire type 3 (groups)
    expect(() => readSkeleton(garbled, "self.bin")).toThrow(/wire type 3 at byte 0/);
  });

  it("stages the patched skeleton small, next to a hard link of the original", () => {
    const patch = sliceLastLogits(decodeModel(readSkeleton(decoder, "self.bin").bytes));
    if (!patch.ok) throw new Error(patch.reason);
    expect(patch.externalFiles).toEqual(["self.bin"]);
    const root = join(work, "stage");
    mkdirSync(root);
    const staged = stagePatchedModel(decoder, patch, { tempRoot: root, self: "self.bin" });
    expect(staged.kind).toBe("path");
    if (staged.kind !== "path") return;
    const link = join(dirname(staged.path), "self.bin");
    expect(statSync(link).ino).toBe(statSync(decoder).ino);
    expect(statSync(staged.path).size).toBeLessThan(original.length / 4);
    staged.cleanup();
    expect(readdirSync(root)).toEqual([]);
    // A folder left by a process killed mid-load is removed by the next stage once it is an hour old.
    const stale = join(root, ".fastvlm-eval-logits-killed");
    const young = join(root, ".fastvlm-eval-logits-loading");
    mkdirSync(stale);
    mkdirSync(young);
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    const again = stagePatchedModel(decoder, patch, { tempRoot: root, self: "self.bin" });
    again.cleanup();
    expect(readdirSync(root)).toEqual([".fastvlm-eval-logits-loading"]);
    // No links allowed: the original is read into memory as the external data instead.
    const memory = stagePatchedModel(decoder, patch, { tempRoot: root, self: "self.bin", links: false });
    expect(memory.kind).toBe("bytes");
    if (memory.kind === "bytes") {
      expect(memory.externalData.map((d) => d.path)).toEqual(["self.bin"]);
      expect(Buffer.from(memory.externalData[0]!.data).equals(original)).toBe(true);
    }
  });
});
