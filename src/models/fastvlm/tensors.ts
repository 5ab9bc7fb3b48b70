/** Reading and releasing onnxruntime output tensors without needless copies. */
import { ModelError } from "../../core/errors.js";
import { halfToFloat, halfToFloat32 } from "./fp16.js";
import type { OrtTensor } from "./ort.js";

/**
 * The float32 data of a CPU output tensor (float16 widened into a new array). onnxruntime-node gives each
 * output its own ArrayBuffer, which outlives the tensor's dispose(): no copy is needed to keep it.
 */
export function floatData(t: OrtTensor): Float32Array {
  if (t.type === "float32") return t.data as Float32Array;
  if (t.type === "float16") return halfToFloat32(t.data as Uint16Array);
  throw new ModelError(`Expected a float tensor, got ${t.type}.`);
}

/** Argmax over the last position of logits [1,S,V] without copying the tensor. */
export function argmaxLast(t: OrtTensor): number {
  const v = t.dims[t.dims.length - 1]!;
  const s = t.dims[t.dims.length - 2]!;
  const off = (s - 1) * v;
  let best = 0;
  let bestVal = Number.NEGATIVE_INFINITY;
  if (t.type === "float16") {
    const d = t.data as Uint16Array;
    for (let i = 0; i < v; i++) {
      const x = halfToFloat(d[off + i]!);
      if (x > bestVal) {
        bestVal = x;
        best = i;
      }
    }
  } else {
    const d = t.data as Float32Array;
    for (let i = 0; i < v; i++) {
      const x = d[off + i]!;
      if (x > bestVal) {
        bestVal = x;
        best = i;
      }
    }
  }
  return best;
}

/** The last position's row of logits [1,S,V] as a float32 copy. */
export function lastRow(t: OrtTensor): Float32Array {
  const v = t.dims[t.dims.length - 1]!;
  const s = t.dims[t.dims.length - 2]!;
  const off = (s - 1) * v;
  if (t.type === "float16") return halfToFloat32((t.data as Uint16Array).subarray(off, off + v));
  return (t.data as Float32Array).slice(off, off + v);
}

/** Releases native memory of the given tensors (null and undefined skipped). */
export function dispose(...tensors: (OrtTensor | null | undefined)[]): void {
  for (const t of tensors) t?.dispose?.();
}
