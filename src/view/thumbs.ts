/**
 * Image bytes for the browser: thumbnails (WebP, longest side 256 px) made with sharp and kept in a small
 * in-memory cache; full images sent as stored when the browser can show the format, else re-encoded as PNG.
 */

/** An encoded image ready to send. */
export interface WebImage {
  /** Bytes. */
  body: Uint8Array;
  /** Content type. */
  type: string;
}

/** Longest side of a thumbnail in pixels. */
export const THUMB_SIZE = 256;

/** The format of encoded bytes the browser can show as is, by magic number. */
export function sniffType(b: Uint8Array): string | null {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return "image/gif";
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57) return "image/webp";
  return null;
}

async function sharpOf(): Promise<typeof import("sharp")["default"]> {
  return (await import("sharp")).default;
}

/** A small WebP of the image (or JPEG when `jpeg`), EXIF orientation applied. */
export async function makeThumb(bytes: Uint8Array, size = THUMB_SIZE, jpeg = false): Promise<WebImage> {
  const sharp = await sharpOf();
  const img = sharp(bytes).rotate().resize(size, size, { fit: "inside", withoutEnlargement: true });
  const body = jpeg ? await img.jpeg({ quality: 70 }).toBuffer() : await img.webp({ quality: 60 }).toBuffer();
  return { body, type: jpeg ? "image/jpeg" : "image/webp" };
}

/** The full image in a format the browser shows. */
export async function fullImage(bytes: Uint8Array): Promise<WebImage> {
  const type = sniffType(bytes);
  if (type !== null) return { body: bytes, type };
  const sharp = await sharpOf();
  return { body: await sharp(bytes).rotate().png().toBuffer(), type: "image/png" };
}
