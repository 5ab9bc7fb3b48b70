/** The vision encoder and the token embedding graphs. */
import {
  type ExtData,
  encodeModel,
  FLOAT,
  FLOAT16,
  GraphBuilder,
  INT64,
  valueInfo,
  Weights,
} from "./onnx-builder.js";
import { type Dims, PATCH } from "./options.js";

/** vision_encoder: pool, 4×4 conv, tanh, projection → image_features. */
export function visionGraph(
  d: Dims,
  imageSize: number,
  seed: number,
  fp16: boolean,
  ext: ExtData,
  q4 = false,
): Uint8Array {
  const w = new Weights(seed * 7 + 1);
  const b = new GraphBuilder(fp16, ext, q4);
  const elem = fp16 ? FLOAT16 : FLOAT;
  const grid = imageSize / PATCH;
  const pool = PATCH / 4;
  let x = "pixel_values";
  if (fp16) x = b.op("Cast", [x], { to: FLOAT });
  x = b.op("AveragePool", [x], { kernel_shape: [pool, pool], strides: [pool, pool] });
  const conv = b.weight("conv_w", [d.hidden, 3, 4, 4], w.uniform(d.hidden * 48, Math.sqrt(3 / 48) * 4));
  const convB = b.weight("conv_b", [d.hidden], w.uniform(d.hidden, 0.5));
  x = b.op("Conv", [x, conv, convB], { kernel_shape: [4, 4], strides: [4, 4] });
  x = b.op("Reshape", [x, b.i64("shape", [0, d.hidden, -1])]);
  x = b.op("Transpose", [x], { perm: [0, 2, 1] });
  x = b.op("Tanh", [x]);
  x = b.matmul(x, "proj_w", d.hidden, d.hidden, w.matrix(d.hidden, d.hidden));
  const out = fp16
    ? b.op("Cast", [x], { to: FLOAT16 }, "image_features")
    : b.op("Identity", [x], {}, "image_features");
  b.close();
  return encodeModel(
    b,
    "vision_encoder",
    [valueInfo("pixel_values", elem, ["batch_size", 3, imageSize, imageSize])],
    [valueInfo(out, elem, ["batch_size", grid * grid, d.hidden])],
  );
}

/** The embedding table [vocab, hidden] (the decoder's script head needs rows of it). */
export function embedValues(d: Dims, seed: number): Float32Array {
  return new Weights(seed * 7 + 2).uniform(d.vocab * d.hidden, Math.sqrt(3));
}

/** embed_tokens: a Gather over the table. */
export function embedGraph(d: Dims, seed: number, fp16: boolean, ext: ExtData): Uint8Array {
  const b = new GraphBuilder(fp16, ext);
  const values = embedValues(d, seed);
  const table = fp16
    ? b.halfTable("embed", [d.vocab, d.hidden], values)
    : b.weight("embed", [d.vocab, d.hidden], values);
  b.op("Gather", [table, "input_ids"], { axis: 0 }, "inputs_embeds");
  b.close();
  const elem = fp16 ? FLOAT16 : FLOAT;
  return encodeModel(
    b,
    "embed_tokens",
    [valueInfo("input_ids", INT64, ["batch_size", "sequence_length"])],
    [valueInfo("inputs_embeds", elem, ["batch_size", "sequence_length", d.hidden])],
  );
}
