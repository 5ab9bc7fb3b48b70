/**
 * Prompt building and tokenisation: the chat template from tokenizer_config.json (or Qwen2 ChatML
 * with the default system prompt), the user turn `<image>\n{prompt}` (several images:
 * `<image> <image>\n{prompt}`), split on the literal `<image>`, each chunk tokenised with special
 * tokens recognised but none added, and the image id inserted by us (each later replaced by that
 * image's feature rows).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import { DataError, ModelError } from "../../core/errors.js";
import { QWEN2_CHAT_TEMPLATE } from "./constants.js";

/** Literal marker of an image in the rendered prompt. */
export const IMAGE_MARKER = "<image>";

/** A loaded tokenizer plus its chat template. */
export interface PromptTokenizer {
  /** Renders the chat and returns token ids with `imageId` where each image goes. */
  encodePrompt(prompt: string, images: number): { ids: number[]; text: string };
  /**
   * Decodes generated ids, special tokens skipped (like Python `tokenizer.decode(ids,
   * skip_special_tokens=True)`): no ids, or only special ones, give "", and bytes of an unfinished
   * UTF-8 character become U+FFFD.
   */
  decode(ids: readonly number[]): string;
}

function readBytes(dir: string, name: string): Buffer {
  const path = join(dir, name);
  try {
    return readFileSync(path);
  } catch (err) {
    throw unreadable(path, err);
  }
}

function parseJson(dir: string, name: string, bytes: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  } catch (err) {
    throw unreadable(join(dir, name), err);
  }
}

function unreadable(path: string, err: unknown): ModelError {
  const why = err instanceof Error ? err.message : String(err);
  return new ModelError(`Could not read ${path}: ${why}`, "The model folder is incomplete or corrupt.", {
    cause: err,
  });
}

/**
 * Tokenizers already built in this process, by the digest of their files; weakly held, so a tokenizer lives
 * no longer than the engines using it. Building Qwen's 151k-entry BPE takes most of a second; a process that
 * holds several engines over the same tokenizer (dtypes or checkpoints of one model side by side, the test
 * suite) builds it once.
 */
const built = new Map<string, WeakRef<PromptTokenizer>>();
const collected = new FinalizationRegistry<string>((key) => {
  if (built.get(key)?.deref() === undefined) built.delete(key);
});

function pickTemplate(config: Record<string, unknown>): string {
  const t = config.chat_template;
  if (typeof t === "string" && t.trim() !== "") return t;
  // Newer configs hold a list of named templates.
  if (Array.isArray(t)) {
    const named = t.find(
      (x): x is { name: string; template: string } =>
        typeof x === "object" && x !== null && (x as { name?: unknown }).name === "default",
    );
    if (named) return named.template;
  }
  return QWEN2_CHAT_TEMPLATE;
}

/** The user-turn content for `images` images. */
export function userContent(prompt: string, images: number): string {
  if (images === 0) return prompt;
  return `${Array.from({ length: images }, () => IMAGE_MARKER).join(" ")}\n${prompt}`;
}

/** Loads tokenizer.json + tokenizer_config.json from a model folder. */
export function loadPromptTokenizer(dir: string, imageId: number): PromptTokenizer {
  const tokBytes = readBytes(dir, "tokenizer.json");
  const configBytes = readBytes(dir, "tokenizer_config.json");
  const key = createHash("sha256")
    .update(`${imageId}\0${tokBytes.length}\0`)
    .update(tokBytes)
    .update(configBytes)
    .digest("hex");
  const alive = built.get(key)?.deref();
  if (alive) return alive;
  const made = buildPromptTokenizer(
    dir,
    imageId,
    parseJson(dir, "tokenizer.json", tokBytes),
    parseJson(dir, "tokenizer_config.json", configBytes),
  );
  built.set(key, new WeakRef(made));
  collected.register(made, key);
  return made;
}

function buildPromptTokenizer(
  dir: string,
  imageId: number,
  tokJson: Record<string, unknown>,
  tokConfig: Record<string, unknown>,
): PromptTokenizer {
  let tokenizer: Tokenizer;
  let template: Template;
  try {
    tokenizer = new Tokenizer(tokJson, tokConfig);
  } catch (err) {
    throw new ModelError(
      `Could not build the tokenizer from ${join(dir, "tokenizer.json")}: ${String(err)}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  try {
    template = new Template(pickTemplate(tokConfig));
  } catch (err) {
    throw new ModelError(
      `The chat_template in ${join(dir, "tokenizer_config.json")} does not parse: ${String(err)}`,
    );
  }
  const tokenText = (v: unknown): string =>
    typeof v === "string"
      ? v
      : typeof v === "object" && v !== null
        ? String((v as { content?: unknown }).content ?? "")
        : "";
  const bos = tokenText(tokConfig.bos_token);
  const eos = tokenText(tokConfig.eos_token);
  return {
    encodePrompt(prompt, images) {
      const text = template.render({
        messages: [{ role: "user", content: userContent(prompt, images) }],
        add_generation_prompt: true,
        bos_token: bos,
        eos_token: eos,
      });
      const chunks = text.split(IMAGE_MARKER);
      if (chunks.length - 1 !== images) {
        throw new DataError(
          `The rendered prompt has ${chunks.length - 1} '${IMAGE_MARKER}' markers for ${images} image(s).`,
          `The task prompt must not contain the literal text '${IMAGE_MARKER}'.`,
        );
      }
      const ids: number[] = [];
      chunks.forEach((chunk, i) => {
        if (i > 0) ids.push(imageId);
        if (chunk !== "") ids.push(...tokenizer.encode(chunk, { add_special_tokens: false }).ids);
      });
      return { ids, text };
    },
    decode(ids) {
      // The tokenizer refuses an empty list; an empty answer (first token a stop token) is an answer.
      if (ids.length === 0) return "";
      return tokenizer.decode([...ids], { skip_special_tokens: true });
    },
  };
}
