import sharp from "sharp";
import { loadFastVLM } from "../src/models/fastvlm/engine.js";
import { prefill, logitsNoCache } from "../src/models/fastvlm/prefill.js";
import { buildInputs } from "../src/models/fastvlm/processor.js";
import { releaseCache } from "../src/models/fastvlm/graphs.js";
import { lastRow } from "../src/models/fastvlm/tensors.js";
import { tinyModelVariant, tinyModelDir } from "../test/helpers/tiny-model.js";

async function img(w: number, h: number, s: number) {
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * s + (i >> 7) * 13) & 255;
  return new Uint8Array(await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer());
}
const variants: [string, Promise<string>, any][] = [
  ["fp32", tinyModelDir("fp32"), {}],
  ["q4", tinyModelVariant("q4", { q4: true, fp16: true }), { dtype: { vision_encoder: "q4", embed_tokens: "q4", decoder_model_merged: "q4" } }],
  ["q4-all", tinyModelVariant("q4", { q4: true, fp16: true }), { logits: "all", dtype: { vision_encoder: "q4", embed_tokens: "q4", decoder_model_merged: "q4" } }],
  ["fp16", tinyModelDir("fp16"), { dtype: { vision_encoder: "fp16", embed_tokens: "fp16", decoder_model_merged: "fp16" } }],
];
for (const [name, dirP, opts] of variants) {
  const e = await loadFastVLM(await dirP, { threads: 1, ...opts });
  const g = e.model.graphs;
  const h = e.model.config.hidden;
  let equal = 0, total = 0, maxd = 0;
  for (const [i, q] of ["What is this?", "Describe the image in detail please.", "Is there a cat?"].entries()) {
    const req = { images: [{ bytes: await img(64 + 30 * i, 80, 3 + i), source: "x" }], prompt: q, generation: { maxNewTokens: 4, stop: [] } };
    const inp = await buildInputs(e.model, req);
    const { ids } = e.model.tokenizer.encodePrompt(q, 1);
    const lastImg = ids.lastIndexOf(e.model.config.imageTokenId);
    const prefixLen = lastImg + 256; // positions up to last image row
    const full = await logitsNoCache(g, inp);
    const empty = g.emptyCache();
    const p = await prefill(g, { embeds: inp.embeds.slice(0, prefixLen * h), length: prefixLen }, empty, false);
    const s = await prefill(g, { embeds: inp.embeds.slice(prefixLen * h), length: inp.length - prefixLen }, p.present, true);
    const split = lastRow(s.logits!);
    total++;
    let same = true;
    for (let k = 0; k < full.length; k++) { if (full[k] !== split[k]) same = false; maxd = Math.max(maxd, Math.abs(full[k]! - split[k]!)); }
    if (same) equal++;
    releaseCache(p.present); releaseCache(s.present);
  }
  console.log(name, e.info.logits, `bitwise equal ${equal}/${total}`, "maxdiff", maxd);
  await e.dispose();
}
