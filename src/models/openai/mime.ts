/**
 * Image type from magic bytes: the backend sends the dataset's bytes as they are, so the data URL's
 * mime type must match what the bytes really are (not what a file name claims).
 */
import { DataError } from "../../core/errors.js";

/** Image types the OpenAI image_url content part accepts on common servers. */
export type ImageMime = "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp";

function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((b, i) => bytes[offset + i] === b);
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** The mime type of PNG, JPEG, GIF, WebP or BMP bytes; null for anything else. */
export function sniffImageMime(bytes: Uint8Array): ImageMime | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "image/gif";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  if (startsWith(bytes, ascii("BM")) && bytes.length >= 26) return "image/bmp";
  return null;
}

/** A `data:` URL of the image's raw bytes; throws a DataError (a failed sample) for unknown formats. */
export function imageDataUrl(bytes: Uint8Array, source: string): string {
  const mime = sniffImageMime(bytes);
  if (mime === null) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new DataError(
      `Image ${source} is not PNG, JPEG, GIF, WebP or BMP (${bytes.length} bytes, starting ${head || "<empty>"}).`,
      "The remote backend sends images as they are stored; check the dataset row.",
    );
  }
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}`;
}
