/**
 * The real-0.5B-dims bench model with its decoder weights stored INLINE as float16 (each fp32 external
 * initializer becomes a FLOAT16 initializer + Cast to float; graph I/O stays fp32; ~988 MB .onnx). The
 * onnx-community decoders users download are inline (q4 317 MB, fp16 992 MB) while the generator's fp32
 * real-dims decoder needs external data (2 GB protobuf limit), and load cost depends on the layout.
 * Generated once into .cache/models from the real-dims model; the other graphs are hard links.
 */
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { onnx as OnnxNs } from "onnx-proto";
import { float32ToHalf } from "../src/models/fastvlm/fp16.js";
import { ensureModel, log } from "./common.js";

const require = createRequire(import.meta.url);
const { onnx } = require("onnx-proto") as { onnx: typeof OnnxNs };

const FLOAT = 1;
const FLOAT16 = 10;

/** Folder of the inline-decoder real-dims model, generated on first use. */
export async function ensureInlineRealModel(): Promise<string> {
  const src = await ensureModel("real");
  const dst = `${src}-inline-fp16w`;
  if (existsSync(join(dst, ".complete"))) return dst;
  log(`writing the inline-fp16-weights decoder into ${dst} (once)…`);
  const t0 = performance.now();
  const tmp = `${dst}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, "onnx"), { recursive: true });
  for (const f of readdirSync(src))
    if (f !== "onnx" && !f.startsWith(".")) symlinkSync(join(src, f), join(tmp, f));
  for (const f of readdirSync(join(src, "onnx")))
    if (!f.startsWith("decoder_model_merged")) linkSync(join(src, "onnx", f), join(tmp, "onnx", f));

  const model = onnx.ModelProto.decode(readFileSync(join(src, "onnx", "decoder_model_merged.onnx")));
  const graph = model.graph!;
  const fds = new Map<string, number>();
  const casts: OnnxNs.INodeProto[] = [];
  for (const t of graph.initializer ?? []) {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    if (t.dataType !== FLOAT) throw new Error(`unexpected external data type ${t.dataType} for ${t.name}`);
    const kv = Object.fromEntries((t.externalData ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
    const loc = kv.location ?? "";
    let fd = fds.get(loc);
    if (fd === undefined) {
      fd = openSync(join(src, "onnx", loc), "r");
      fds.set(loc, fd);
    }
    const buf = Buffer.allocUnsafe(Number(kv.length));
    readSync(fd, buf, 0, buf.length, Number(kv.offset ?? 0));
    const half = float32ToHalf(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
    const name = t.name ?? "";
    t.name = `${name}__f16`;
    t.dataType = FLOAT16;
    t.rawData = new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
    t.externalData = [];
    t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    casts.push({
      opType: "Cast",
      name: `cast_${name}`,
      input: [t.name],
      output: [name],
      attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
    });
  }
  for (const fd of fds.values()) closeSync(fd);
  graph.node = [...casts, ...(graph.node ?? [])];
  writeFileSync(join(tmp, "onnx", "decoder_model_merged.onnx"), onnx.ModelProto.encode(model).finish());
  writeFileSync(join(tmp, ".complete"), "inline fp16 weights\n");
  rmSync(dst, { recursive: true, force: true });
  renameSync(tmp, dst);
  log(`  done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return dst;
}
