/** Constants of the FastVLM export shared by the engine, the prompt builder and the tiny-model generator. */

/** Special token ids of the FastVLM tokenizer. */
export const SPECIAL_IDS = { endoftext: 151643, imStart: 151644, imEnd: 151645, image: 151646 } as const;

/** The standard Qwen2 ChatML template (used when tokenizer_config.json has none). */
export const QWEN2_CHAT_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}" +
  "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}" +
  "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/** `--logits` values (graph-patch.ts does `last`): `all` runs the shipped graph as is; `last` computes the last position only. */
export const LOGITS_MODES = ["all", "last"] as const;

/** One of LOGITS_MODES. */
export type LogitsMode = (typeof LOGITS_MODES)[number];

/** The default: greedy decoding reads only the last row, so the other rows are not computed. */
export const DEFAULT_LOGITS: LogitsMode = "last";

/** --logits help text (run, predict, bench). */
export const LOGITS_HELP =
  "logits at prefill: last (last position only, default: same tokens, faster, less memory) or all (the decoder graph exactly as shipped)";

/** Default `--reuse-cache-mb`: room for ~30 images' features and prefix KV at FastVLM-0.5B's size in fp32. */
export const DEFAULT_REUSE_CACHE_MB = 256;
