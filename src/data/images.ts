/**
 * Image decode and model preprocessing with sharp.
 *
 * Decoding applies EXIF orientation, converts grey/CMYK/other colour spaces to sRGB and DROPS an alpha
 * channel without compositing. That matches both references: LLaVA's `Image.convert("RGB")` (PIL
 * discards alpha, so a transparent pixel keeps its stored colour) and transformers.js's `RawImage.rgb()`.
 *
 * `pad` (the default, how FastVLM was trained): LLaVA `expand2square` pads to a centred square with the
 * background `floor(mean*255)` (black for FastVLM's mean 0), the image pasted at `(w-h)//2`; then a
 * bicubic resize to size×size. `crop` (transformers.js): resize so the shortest edge is `size`
 * (its rounding: floor of the 2-decimal value) with sharp's bicubic affine, then centre-crop at
 * floor((w-size)/2), floor((h-size)/2). Output is CHW float32, `(v*rescale - mean)/std`.
 */
import type { Sharp } from "sharp";
import { DataError } from "../core/errors.js";

/** A decoded image: packed RGB rows (HWC, uint8). */
export interface RgbImage {
  /** width*height*3 bytes, row-major RGB. */
  data: Uint8Array;
  /** Width in pixels (after EXIF orientation). */
  width: number;
  /** Height in pixels (after EXIF orientation). */
  height: number;
}

/** How a non-square image becomes size×size. */
export type ImageMode = "pad" | "crop";

/** Preprocessing settings; the numbers come from preprocessor_config.json. */
export interface PreprocessOptions {
  /** pad (LLaVA expand2square, default) or crop (transformers.js). */
  mode: ImageMode;
  /** Output side length; default 1024. */
  size?: number;
  /** Per-channel mean, default [0,0,0]. */
  mean?: readonly number[];
  /** Per-channel std, default [1,1,1]. */
  std?: readonly number[];
  /** Multiplier applied to 0..255 values, default 1/255. */
  rescale?: number;
}

type SharpFactory = typeof import("sharp")["default"];
let sharpModule: SharpFactory | null = null;

async function loadSharp(): Promise<SharpFactory> {
  if (!sharpModule) sharpModule = (await import("sharp")).default;
  return sharpModule;
}

/** Loads sharp ahead of time, so the first timed preprocess does not pay for the module load. */
export async function preloadImageCodec(): Promise<void> {
  await loadSharp();
}

function corrupt(err: unknown): DataError {
  const why = err instanceof Error ? err.message : String(err);
  return new DataError(
    `Could not decode image: ${why}`,
    "The image bytes are corrupt or in an unsupported format.",
    {
      cause: err,
    },
  );
}

/** Decodes encoded bytes to packed sRGB: EXIF rotation applied, alpha dropped, grey/CMYK converted. */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(bytes, { failOn: "error" })
      .rotate()
      .removeAlpha()
      .toColourspace("srgb")
      // 16-bit inputs (PNG, TIFF) would otherwise come out as 16-bit samples.
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (err) {
    throw corrupt(err);
  }
}

/** Width and height as displayed (EXIF orientations 5–8 swap them), without decoding pixels. */
export async function imageSize(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(bytes).metadata();
    if (meta.width === undefined || meta.height === undefined) throw new Error("no dimensions in header");
    const swap = (meta.orientation ?? 1) >= 5;
    return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  } catch (err) {
    throw corrupt(err);
  }
}

function rawSharp(sharp: SharpFactory, img: RgbImage): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

async function toRgb(pipeline: Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** LLaVA expand2square: centred square canvas of `fill`, the image pasted at (w-h)//2. */
export function expandToSquare(img: RgbImage, fill: readonly number[]): RgbImage {
  const { width: w, height: h } = img;
  if (w === h) return img;
  const side = Math.max(w, h);
  const out = new Uint8Array(side * side * 3);
  const f0 = fill[0] ?? 0;
  const f1 = fill[1] ?? 0;
  const f2 = fill[2] ?? 0;
  if (f0 !== 0 || f1 !== 0 || f2 !== 0) {
    for (let i = 0; i < out.length; i += 3) {
      out[i] = f0;
      out[i + 1] = f1;
      out[i + 2] = f2;
    }
  }
  // Python floor division; both differences are non-negative here.
  const left = w < h ? Math.floor((h - w) / 2) : 0;
  const top = w > h ? Math.floor((w - h) / 2) : 0;
  for (let y = 0; y < h; y++) {
    const src = img.data.subarray(y * w * 3, (y + 1) * w * 3);
    out.set(src, ((y + top) * side + left) * 3);
  }
  return { data: out, width: side, height: side };
}

/** transformers.js's shortest-edge target size: floor of the value rounded to 2 decimals. */
export function shortestEdgeSize(
  width: number,
  height: number,
  edge: number,
): { width: number; height: number } {
  const factor = Math.max(edge / width, edge / height);
  return {
    width: Math.floor(Number((width * factor).toFixed(2))),
    height: Math.floor(Number((height * factor).toFixed(2))),
  };
}

/** Centre crop (or centred black pad where the image is smaller) at transformers.js's offsets. */
export function centreCrop(img: RgbImage, cw: number, ch: number): RgbImage {
  if (img.width === cw && img.height === ch) return img;
  const out = new Uint8Array(cw * ch * 3);
  const offX = (img.width - cw) / 2;
  const offY = (img.height - ch) / 2;
  // Source start (crop) or destination start (pad), floored like transformers.js.
  const srcX = offX >= 0 ? Math.floor(offX) : 0;
  const dstX = offX >= 0 ? 0 : Math.floor(-offX);
  const srcY = offY >= 0 ? Math.floor(offY) : 0;
  const dstY = offY >= 0 ? 0 : Math.floor(-offY);
  const cols = Math.min(cw - dstX, img.width - srcX);
  const rows = Math.min(ch - dstY, img.height - srcY);
  for (let y = 0; y < rows; y++) {
    const s = ((srcY + y) * img.width + srcX) * 3;
    out.set(img.data.subarray(s, s + cols * 3), ((dstY + y) * cw + dstX) * 3);
  }
  return { data: out, width: cw, height: ch };
}

/** Resizes + pads/crops a decoded image to size×size RGB (no normalisation). */
export async function resizeForModel(
  img: RgbImage,
  mode: ImageMode,
  size: number,
  fill: readonly number[],
): Promise<RgbImage> {
  const sharp = await loadSharp();
  if (mode === "pad") {
    const square = expandToSquare(img, fill);
    if (square.width === size) return square;
    // PIL's bicubic resize filters with a support scaled to the reduction, like libvips' reduce.
    return toRgb(rawSharp(sharp, square).resize(size, size, { kernel: "cubic", fit: "fill" }));
  }
  const target = shortestEdgeSize(img.width, img.height, size);
  let resized = img;
  if (target.width !== img.width || target.height !== img.height) {
    // transformers.js resizes with an affine bicubic transform (no antialiasing); we do the same.
    resized = await toRgb(
      rawSharp(sharp, img).affine([target.width / img.width, 0, 0, target.height / img.height], {
        interpolator: "bicubic",
      }),
    );
  }
  return centreCrop(resized, size, size);
}

/** Packs an RGB size×size image into CHW float32 with `(v*rescale - mean)/std` (one pass, 256-entry LUT). */
export function toChw(
  img: RgbImage,
  opts: Pick<PreprocessOptions, "mean" | "std" | "rescale">,
  out?: Float32Array,
): Float32Array {
  const plane = img.width * img.height;
  const dst = out ?? new Float32Array(plane * 3);
  const rescale = opts.rescale ?? 1 / 255;
  const lut = new Float32Array(256 * 3);
  for (let c = 0; c < 3; c++) {
    const mean = opts.mean?.[c] ?? 0;
    const std = opts.std?.[c] ?? 1;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v * rescale - mean) / std;
  }
  const src = img.data;
  for (let i = 0, p = 0; p < plane; p++, i += 3) {
    dst[p] = lut[src[i]!]!;
    dst[plane + p] = lut[256 + src[i + 1]!]!;
    dst[2 * plane + p] = lut[512 + src[i + 2]!]!;
  }
  return dst;
}

/** Encoded bytes → CHW float32 [3, size, size], ready for `pixel_values`. */
export async function preprocessImage(bytes: Uint8Array, opts: PreprocessOptions): Promise<Float32Array> {
  const size = opts.size ?? 1024;
  const img = await decodeImage(bytes);
  // LLaVA: background_color = tuple(int(x*255) for x in image_processor.image_mean)
  const fill = [0, 1, 2].map((c) => Math.max(0, Math.min(255, Math.trunc((opts.mean?.[c] ?? 0) * 255))));
  const sized = await resizeForModel(img, opts.mode, size, fill);
  return toChw(sized, opts);
}
