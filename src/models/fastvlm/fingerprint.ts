/** The model fingerprint recorded in ModelInfo (part of the run identity). */
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ImageMode } from "../../data/images.js";
import { type DtypeMap, GRAPHS, type GraphName } from "./dtype.js";

const HEAD_BYTES = 1 << 20;

function fileDigest(hash: ReturnType<typeof createHash>, path: string): void {
  const size = statSync(path).size;
  hash.update(`${path.split("/").pop()}:${size}\n`);
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, size));
    readSync(fd, buf, 0, buf.length, 0);
    hash.update(buf);
    if (size > HEAD_BYTES) {
      readSync(fd, buf, 0, buf.length, Math.max(HEAD_BYTES, size - HEAD_BYTES));
      hash.update(buf);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Fingerprint of a loaded model: sha256 over the revision (Hub sha) when known, config.json,
 * tokenizer_config.json and preprocessor_config.json contents, each graph file's (and its
 * .onnx_data's) name, size and first and last MiB, the dtype per graph and the image mode.
 * It changes when weights, dtype or preprocessing change; it does not hash every weight byte.
 */
export function fingerprint(
  dir: string,
  files: Record<GraphName, string>,
  dtype: DtypeMap,
  imageMode: ImageMode,
  revision: string | null,
  patchedLogits = false,
): string {
  const h = createHash("sha256");
  h.update(`revision:${revision ?? "local"}\nimage:${imageMode}\n`);
  // A patched decoder is a different graph (same tokens, other float rounding is possible): runs of the
  // two modes never resume each other. Unpatched keeps the fingerprint it always had.
  if (patchedLogits) h.update("logits:last-patched\n");
  for (const g of GRAPHS) h.update(`${g}=${dtype[g]}\n`);
  for (const name of ["config.json", "tokenizer_config.json", "preprocessor_config.json"]) {
    const p = join(dir, name);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  for (const g of GRAPHS) {
    const p = join(dir, files[g]);
    fileDigest(h, p);
    if (existsSync(`${p}_data`)) fileDigest(h, `${p}_data`);
  }
  return h.digest("hex").slice(0, 16);
}
