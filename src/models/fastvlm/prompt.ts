/**
 * Prompt building and tokenisation: the chat template from tokenizer_config.json (or Qwen2 ChatML
 * with the default system prompt), the user turn `<image>\n{prompt}` (several images:
 * `<image> <image>\n{prompt}`), split on the literal `<image>`, each chunk tokenised with special
 * tokens recognised but none added, and the image id inserted by us (each later replaced by that
 * image's feature rows).
 */
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

function readJson(dir: string, name: string): Record<string, unknown> {
  const path = join(dir, name);
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ModelError(`Could not read ${path}: ${why}`, "The model folder is incomplete or corrupt.", {
      cause: err,
    });
  }
}

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
  const tokJson = readJson(dir, "tokenizer.json");
  const tokConfig = readJson(dir, "tokenizer_config.json");
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
