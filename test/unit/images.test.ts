import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { DataError } from "../../src/core/errors.js";
import {
  centreCrop,
  decodeImage,
  expandToSquare,
  imageSize,
  preprocessImage,
  shortestEdgeSize,
} from "../../src/data/images.js";

/** A lossless PNG from packed RGB(A) pixels. */
async function png(
  width: number,
  height: number,
  pixels: number[],
  channels: 3 | 4 = 3,
): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(Buffer.from(pixels), { raw: { width, height, channels } }).png().toBuffer(),
  );
}

/** CHW value of channel c at (x,y) in a size×size output. */
const at = (chw: Float32Array, size: number, c: number, x: number, y: number): number =>
  chw[c * size * size + y * size + x]!;

describe("preprocess: pad (LLaVA expand2square)", () => {
  it("pads a 2×1 image to a square with black, the image at row (2-1)//2 = 0", async () => {
    const bytes = await png(2, 1, [255, 0, 0, 0, 0, 255]);
    const chw = await preprocessImage(bytes, { mode: "pad", size: 2 });
    expect(chw.length).toBe(3 * 4);
    // R plane, G plane, B plane (row-major 2×2).
    expect([...chw.subarray(0, 4)]).toEqual([1, 0, 0, 0]);
    expect([...chw.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect([...chw.subarray(8, 12)]).toEqual([0, 1, 0, 0]);
  });

  it("centres with floor division: 4×1 → row 1, 1×3 → column 1", async () => {
    const wide = await preprocessImage(await png(4, 1, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]), {
      mode: "pad",
      size: 4,
    });
    for (let x = 0; x < 4; x++) {
      expect(at(wide, 4, 0, x, 0)).toBe(0);
      expect(at(wide, 4, 0, x, 1)).toBeCloseTo((10 + 30 * x) / 255, 6);
      expect(at(wide, 4, 2, x, 1)).toBeCloseTo((30 + 30 * x) / 255, 6);
      expect(at(wide, 4, 0, x, 2)).toBe(0);
    }
    const tall = await preprocessImage(await png(1, 3, [255, 255, 255, 128, 128, 128, 0, 0, 255]), {
      mode: "pad",
      size: 3,
    });
    expect(at(tall, 3, 0, 0, 0)).toBe(0);
    expect(at(tall, 3, 0, 1, 0)).toBe(1);
    expect(at(tall, 3, 1, 1, 1)).toBeCloseTo(128 / 255, 6);
    expect(at(tall, 3, 2, 1, 2)).toBe(1);
    expect(at(tall, 3, 2, 2, 2)).toBe(0);
  });

  it("expandToSquare uses the fill colour and (h-w)//2 offsets", () => {
    const img = { data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 1, height: 2 };
    const sq = expandToSquare(img, [7, 8, 9]);
    // 2×2: column 0 is the image (offset (2-1)//2 = 0), column 1 the fill.
    expect([...sq.data]).toEqual([1, 2, 3, 7, 8, 9, 4, 5, 6, 7, 8, 9]);
  });

  it("applies mean, std and rescale from the config", async () => {
    const bytes = await png(1, 1, [255, 0, 51]);
    const chw = await preprocessImage(bytes, {
      mode: "pad",
      size: 1,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.25, 0.5],
    });
    expect(chw[0]).toBeCloseTo(1, 6);
    expect(chw[1]).toBeCloseTo(-2, 6);
    expect(chw[2]).toBeCloseTo((0.2 - 0.5) / 0.5, 6);
  });

  it("resizes a non-square image to size×size with the image centred", async () => {
    // 8×4 white → 8×8 with white rows 2..5, then 4×4: rows 1..2 white, rows 0 and 3 mostly dark.
    const bytes = await png(8, 4, new Array(8 * 4 * 3).fill(255));
    const chw = await preprocessImage(bytes, { mode: "pad", size: 4 });
    expect(chw.length).toBe(48);
    expect(at(chw, 4, 0, 1, 1)).toBeGreaterThan(0.9);
    expect(at(chw, 4, 0, 1, 2)).toBeGreaterThan(0.9);
    expect(at(chw, 4, 0, 1, 0)).toBeLessThan(0.5);
    expect(at(chw, 4, 0, 1, 3)).toBeLessThan(0.5);
  });

  it("leaves a square image of the model size untouched: values are bytes/255", async () => {
    const pixels = Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37) % 256);
    const chw = await preprocessImage(await png(16, 16, pixels), { mode: "pad", size: 16 });
    expect(at(chw, 16, 1, 3, 5)).toBeCloseTo(pixels[(5 * 16 + 3) * 3 + 1]! / 255, 7);
    const crop = await preprocessImage(await png(16, 16, pixels), { mode: "crop", size: 16 });
    expect([...crop]).toEqual([...chw]);
  });
});

describe("preprocess: crop (transformers.js)", () => {
  it("computes the shortest-edge size with transformers.js rounding", () => {
    expect(shortestEdgeSize(640, 480, 1024)).toEqual({ width: 1365, height: 1024 });
    expect(shortestEdgeSize(480, 640, 1024)).toEqual({ width: 1024, height: 1365 });
    expect(shortestEdgeSize(1000, 3000, 1024)).toEqual({ width: 1024, height: 3072 });
    expect(shortestEdgeSize(2048, 2048, 1024)).toEqual({ width: 1024, height: 1024 });
  });

  it("centre-crops at floor((w-size)/2)", async () => {
    // 5×2, size 2: shortest edge already 2 → no resize; crop columns floor(3/2)=1..2.
    const pixels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((v) => [v * 20, 0, 0]);
    const chw = await preprocessImage(await png(5, 2, pixels), { mode: "crop", size: 2 });
    expect([...chw.subarray(0, 4)].map((v) => Math.round(v * 255))).toEqual([20, 40, 120, 140]);
  });

  it("pads centred with black when the image is smaller than the crop", () => {
    const img = { data: new Uint8Array([9, 9, 9]), width: 1, height: 1 };
    const out = centreCrop(img, 3, 3);
    expect(out.data[(1 * 3 + 1) * 3]).toBe(9);
    expect(out.data.reduce((a, b) => a + b, 0)).toBe(27);
  });
});

describe("decodeImage / imageSize", () => {
  it("applies EXIF orientation (6 = rotate 90° clockwise)", async () => {
    // 16×8: left half red, right half blue; displayed 8×16 with red on top.
    const pixels: number[] = [];
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 16; x++) pixels.push(...(x < 8 ? [255, 0, 0] : [0, 0, 255]));
    const jpeg = new Uint8Array(
      await sharp(Buffer.from(pixels), { raw: { width: 16, height: 8, channels: 3 } })
        .jpeg({ quality: 100 })
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    expect(await imageSize(jpeg)).toEqual({ width: 8, height: 16 });
    const img = await decodeImage(jpeg);
    expect([img.width, img.height]).toEqual([8, 16]);
    const px = (x: number, y: number) => [...img.data.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3)];
    expect(px(4, 2)[0]).toBeGreaterThan(200);
    expect(px(4, 2)[2]).toBeLessThan(60);
    expect(px(4, 13)[2]).toBeGreaterThan(200);
    expect(px(4, 13)[0]).toBeLessThan(60);
  });

  it("expands grey to three equal channels", async () => {
    const grey = new Uint8Array(
      await sharp(Buffer.from([100, 200]), { raw: { width: 2, height: 1, channels: 1 } })
        .png()
        .toBuffer(),
    );
    const img = await decodeImage(grey);
    expect([...img.data]).toEqual([100, 100, 100, 200, 200, 200]);
  });

  it("converts CMYK to sRGB", async () => {
    const cmyk = new Uint8Array(
      await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 255, g: 0, b: 0 } } })
        .toColourspace("cmyk")
        .jpeg()
        .toBuffer(),
    );
    expect((await sharp(cmyk).metadata()).space).toBe("cmyk");
    const img = await decodeImage(cmyk);
    expect(img.data.length).toBe(4 * 4 * 3);
    expect(img.data[0]).toBeGreaterThan(180);
    expect(img.data[1]).toBeLessThan(60);
    expect(img.data[2]).toBeLessThan(60);
  });

  it("drops alpha without compositing (PIL convert('RGB') semantics)", async () => {
    const rgba = await png(2, 1, [10, 20, 30, 0, 200, 100, 50, 255], 4);
    const img = await decodeImage(rgba);
    expect([...img.data]).toEqual([10, 20, 30, 200, 100, 50]);
  });

  it("reports corrupt bytes as a DataError", async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3, 4]))).rejects.toBeInstanceOf(DataError);
    await expect(imageSize(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).rejects.toBeInstanceOf(DataError);
  });
});
