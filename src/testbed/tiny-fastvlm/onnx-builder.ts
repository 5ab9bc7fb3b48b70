/** A small ONNX graph builder over onnx-proto: nodes, initializers (optionally external data), seeded weights. */
import { closeSync, openSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import type { onnx as OnnxNs } from "onnx-proto";
import { floatToHalf, halfToFloat } from "../../models/fastvlm/fp16.js";
import { mulberry32 } from "../../stats/rng.js";
import { packQ4, Q4_BLOCK } from "./quirks.js";

const require = createRequire(import.meta.url);
const { onnx } = require("onnx-proto") as { onnx: typeof OnnxNs };

// TensorProto.DataType
export const FLOAT = 1;
export const UINT8 = 2;
export const INT64 = 7;
export const BOOL = 9;
export const FLOAT16 = 10;

/** Where a graph's external data goes: the file and the location recorded in the graph. */
export type ExtData = { path: string; location: string } | null;

type Attr = number | number[] | string;

/** Accumulates nodes and initializers; initializers can go to an external data file. */
export class GraphBuilder {
  readonly nodes: OnnxNs.INodeProto[] = [];
  readonly inits: OnnxNs.ITensorProto[] = [];
  private n = 0;
  private extFd: number | null = null;
  private extOffset = 0;

  /** Whether a com.microsoft op was used (the model then imports that domain). */
  usesContrib = false;

  constructor(
    private readonly fp16: boolean,
    private readonly ext: ExtData,
    private readonly q4 = false,
  ) {
    if (ext) this.extFd = openSync(ext.path, "w");
  }

  close(): void {
    if (this.extFd !== null) closeSync(this.extFd);
    this.extFd = null;
  }

  private name(prefix: string): string {
    this.n++;
    return `${prefix}_${this.n}`;
  }

  private tensor(name: string, dims: number[], dataType: number, bytes: Uint8Array): OnnxNs.ITensorProto {
    if (this.extFd !== null && this.ext && bytes.length > 1024) {
      writeSync(this.extFd, bytes);
      const t: OnnxNs.ITensorProto = {
        name,
        dims,
        dataType,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: "location", value: this.ext.location },
          { key: "offset", value: String(this.extOffset) },
          { key: "length", value: String(bytes.length) },
        ],
      };
      this.extOffset += bytes.length;
      return t;
    }
    return { name, dims, dataType, rawData: bytes };
  }

  /** A float weight: stored as float16 + Cast in fp16 graphs. */
  weight(prefix: string, dims: number[], values: Float32Array): string {
    const name = this.name(prefix);
    if (!this.fp16) {
      this.inits.push(
        this.tensor(name, dims, FLOAT, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
      );
      return name;
    }
    const half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = floatToHalf(values[i]!);
    this.inits.push(this.tensor(name, dims, FLOAT16, new Uint8Array(half.buffer)));
    return this.op("Cast", [name], { to: FLOAT });
  }

  /** x [.., k] × a constant [k, n] weight: MatMul, or in q4 graphs MatMulNBits over its 4-bit packing. */
  matmul(x: string, prefix: string, k: number, n: number, values: Float32Array): string {
    if (!this.q4) return this.op("MatMul", [x, this.weight(prefix, [k, n], values)]);
    const q = packQ4(values, k, n);
    const packed = this.name(`${prefix}_q4`);
    this.inits.push(this.tensor(packed, [n, q.kBlocks, Q4_BLOCK / 2], UINT8, q.packed));
    const scales = this.name(`${prefix}_scales`);
    const s = q.scales;
    this.inits.push(this.tensor(scales, [n * q.kBlocks], FLOAT, new Uint8Array(s.buffer, 0, s.byteLength)));
    const out = this.op("MatMulNBits", [x, packed, scales], { K: k, N: n, bits: 4, block_size: Q4_BLOCK });
    this.nodes[this.nodes.length - 1]!.domain = "com.microsoft";
    this.usesContrib = true;
    return out;
  }

  /** A float16 table used as is (embedding in fp16 graphs). */
  halfTable(prefix: string, dims: number[], values: Float32Array): string {
    const name = this.name(prefix);
    const half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = floatToHalf(values[i]!);
    this.inits.push(this.tensor(name, dims, FLOAT16, new Uint8Array(half.buffer)));
    return name;
  }

  /** A small float32 constant (never cast). */
  f32(prefix: string, dims: number[], values: number[]): string {
    const name = this.name(prefix);
    const arr = new Float32Array(values);
    this.inits.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(arr.buffer) });
    return name;
  }

  /** An int64 constant. */
  i64(prefix: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.name(prefix);
    const arr = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dims, dataType: INT64, rawData: new Uint8Array(arr.buffer) });
    return name;
  }

  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    const out = output ?? this.name(type.toLowerCase());
    const attribute: OnnxNs.IAttributeProto[] = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === "string")
        return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      if (Number.isInteger(v) && name !== "epsilon" && name !== "value_float") {
        return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
      }
      return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v };
    });
    this.nodes.push({ opType: type, input: inputs, output: [out], name: out, attribute });
    return out;
  }

  opMulti(type: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}): string[] {
    const outs = Array.from({ length: outputs }, () => this.name(type.toLowerCase()));
    const attribute: OnnxNs.IAttributeProto[] = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v }
        : { name, type: onnx.AttributeProto.AttributeType.INT, i: v as number },
    );
    this.nodes.push({ opType: type, input: inputs, output: outs, name: outs[0] ?? type, attribute });
    return outs;
  }
}

/** A tensor dimension: a size or a symbolic name. */
export type Dim = number | string;

/** A graph input or output declaration. */
export function valueInfo(name: string, elemType: number, shape: Dim[]): OnnxNs.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** The serialised model of a built graph (opset 17, plus com.microsoft when used). */
export function encodeModel(
  b: GraphBuilder,
  name: string,
  inputs: OnnxNs.IValueInfoProto[],
  outputs: OnnxNs.IValueInfoProto[],
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [
      { domain: "", version: 17 },
      ...(b.usesContrib ? [{ domain: "com.microsoft", version: 1 }] : []),
    ],
    producerName: "fastvlm-eval tiny-model",
    graph: { name, node: b.nodes, initializer: b.inits, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Random weights rounded to float16-representable values. */
export class Weights {
  private readonly rand: () => number;
  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }
  uniform(n: number, scale: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(floatToHalf((this.rand() * 2 - 1) * scale));
    return out;
  }
  /** Uniform with std 1/sqrt(fanIn). */
  matrix(rows: number, cols: number): Float32Array {
    return this.uniform(rows * cols, Math.sqrt(3 / rows));
  }
  ones(n: number): Float32Array {
    return new Float32Array(n).fill(1);
  }
}
