/**
 * What the tiny-model generator adds on request to make a random-weight model behave like models we
 * did not build: scripted misbehaviour and 4-bit weights.
 *
 * Misbehaviour is a bigram script bolted onto the lm_head: the decoder compares the current position's
 * input embedding with the embeddings of a few "from" tokens (exact match; image rows never match) and
 * feeds that one-hot indicator, next to the final hidden state, into the lm_head, whose extra rows put
 * a large logit on the scripted next token. The last prompt token is always "\n" (after
 * `<|im_start|>assistant`), so a script starting at "\n" decides the first answer token. It stays one
 * MatMul (or MatMulNBits) producing `logits`, as in real exports.
 *
 * q4 packing follows the com.microsoft MatMulNBits contract: the [K, N] weight is stored per output
 * column n in blocks of 32 along K, B = uint8 [N, ceil(K/32), 16] with two 4-bit codes per byte (the
 * lower nibble first), scales [N * ceil(K/32)] of A's type, no zero points (so 8: symmetric), and the
 * weight is (code − 8) × scale. Scales come from the block's largest-magnitude value mapped to code 0
 * (−8), as onnxruntime's symmetric 4-bit quantizer does.
 */

/** Ways the tiny model can be made to misbehave on purpose. */
export const MISBEHAVIOURS = [
  "stop-first",
  "stop-sometimes",
  "stop-string-first",
  "special-tokens",
  "half-utf8",
  "newline",
  "one-word",
  "never-stop",
] as const;

/** One of MISBEHAVIOURS. */
export type Misbehaviour = (typeof MISBEHAVIOURS)[number];

/** A scripted step: after token `from` the model emits `to` (`gain` is added to its logit). */
export interface Transition {
  /** Current token. */
  from: number;
  /** Next token. */
  to: number;
  /** Logit added to `to`. */
  gain: number;
  /** Only at even positions (so for about half the prompts, by their length); default every position. */
  evenOnly?: boolean;
}

/** Ids the scripts need, looked up in the model's tokenizer. */
export interface ScriptVocab {
  /** "\n", the last prompt token. */
  newline: number;
  /** `<|im_end|>`. */
  imEnd: number;
  /** `<|im_start|>`. */
  imStart: number;
  /** `<image>`. */
  image: number;
  /** Ids of a text, tokenised without special tokens. */
  encode(text: string): number[];
  /** Id of a vocab entry (byte-level spelling, e.g. "ä¸"), or undefined. */
  id(token: string): number | undefined;
}

/** Transitions per script slot; the script head has this many rows (one MatMulNBits block). */
export const SCRIPT_ROWS = 32;

const ALWAYS = 50;

function chain(ids: number[], gain: number): Transition[] {
  const out: Transition[] = [];
  for (let i = 0; i + 1 < ids.length; i++) out.push({ from: ids[i]!, to: ids[i + 1]!, gain });
  return out;
}

function distinct(ids: number[]): number[] {
  return ids.filter((id, i) => ids.indexOf(id) === i);
}

/** The transitions of a misbehaviour. */
export function scriptOf(kind: Misbehaviour, v: ScriptVocab): Transition[] {
  const nl = v.newline;
  switch (kind) {
    case "stop-first":
      return [{ from: nl, to: v.imEnd, gain: ALWAYS }];
    case "stop-sometimes":
      // Prompts of even length (position of the last "\n") get an empty answer, the others text.
      return [{ from: nl, to: v.imEnd, gain: ALWAYS, evenOnly: true }];
    case "stop-string-first":
      // The stop string of textvqa/seedbench, over several tokens.
      return chain([nl, ...v.encode("ASSISTANT:")], ALWAYS);
    case "special-tokens": {
      const [a, b, c] = distinct(v.encode(" one two three"));
      return chain([nl, a!, v.image, b ?? a!, v.imStart, c ?? a!], ALWAYS);
    }
    case "half-utf8": {
      // "中" is E4 B8 AD: the first token holds E4 B8 (half of it), the second AD.
      const head = v.id("ä¸") ?? v.id("ä");
      const tail = v.id("Ń");
      if (head === undefined || tail === undefined) throw new Error("the tokenizer has no byte-level tokens");
      return chain([nl, head, tail], ALWAYS);
    }
    case "newline":
      return [{ from: nl, to: nl, gain: ALWAYS }];
    case "one-word": {
      const w = v.encode(" the")[0]!;
      return [...chain([nl, w], ALWAYS), { from: w, to: w, gain: ALWAYS }];
    }
    case "never-stop": {
      const ids = distinct(v.encode(" yes no maybe")).slice(0, 3);
      return [...chain([nl, ...ids], ALWAYS), { from: ids[ids.length - 1]!, to: ids[0]!, gain: ALWAYS }];
    }
  }
}

/** 4-bit block size (the onnx-community q4 exports use 32). */
export const Q4_BLOCK = 32;

/** A [K, N] weight packed for MatMulNBits, and the weight it stands for. */
export interface Q4Weight {
  /** uint8 [N, kBlocks, Q4_BLOCK / 2]. */
  packed: Uint8Array;
  /** float32 [N * kBlocks]. */
  scales: Float32Array;
  /** Blocks along K. */
  kBlocks: number;
  /** The dequantized [K, N] weight, row-major (what the graph computes with). */
  dequantized: Float32Array;
}

/** Packs a row-major [K, N] weight as 4-bit symmetric blocks of Q4_BLOCK along K. */
export function packQ4(w: Float32Array, k: number, n: number): Q4Weight {
  const kBlocks = Math.ceil(k / Q4_BLOCK);
  const blob = Q4_BLOCK / 2;
  const packed = new Uint8Array(n * kBlocks * blob);
  const scales = new Float32Array(n * kBlocks);
  const dequantized = new Float32Array(k * n);
  for (let col = 0; col < n; col++) {
    for (let blk = 0; blk < kBlocks; blk++) {
      const start = blk * Q4_BLOCK;
      const end = Math.min(k, start + Q4_BLOCK);
      let peak = 0;
      for (let r = start; r < end; r++) {
        const x = w[r * n + col]!;
        if (Math.abs(x) > Math.abs(peak)) peak = x;
      }
      const scale = Math.fround(peak / -8);
      scales[col * kBlocks + blk] = scale;
      const base = (col * kBlocks + blk) * blob;
      for (let r = start; r < end; r++) {
        const x = w[r * n + col]!;
        const code = scale === 0 ? 8 : Math.min(15, Math.max(0, Math.round(x / scale) + 8));
        const at = r - start;
        const byte = base + (at >> 1);
        packed[byte] = (packed[byte] ?? 0) | (at % 2 === 0 ? code : code << 4);
        dequantized[r * n + col] = Math.fround((code - 8) * scale);
      }
      // Padding rows past K keep code 0 in the packed bytes; the operator ignores them.
    }
  }
  return { packed, scales, kBlocks, dequantized };
}
