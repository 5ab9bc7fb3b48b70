/**
 * Hub settings from the environment, read the way Python huggingface_hub reads them.
 * @huggingface/hub reads none of these, so every call passes `hubUrl` and `accessToken` from here.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../core/errors.js";

/** Where the Hub is, who we are, where files go, and whether the network is allowed. */
export interface HubEnv {
  /** Hub base URL without a trailing slash (HF_ENDPOINT, default https://huggingface.co). */
  endpoint: string;
  /** Access token (HF_TOKEN, else HUGGING_FACE_HUB_TOKEN); never logged or written. */
  token: string | undefined;
  /** The Hub cache folder holding `datasets--org--name/` and `models--org--name/`. */
  cacheDir: string;
  /** HF_HUB_OFFLINE: never open a socket; serve from the cache or fail clearly. */
  offline: boolean;
}

const TRUTHY = new Set(["1", "true", "yes", "on"]);

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
}

/** Reads HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE/HF_HOME and HF_HUB_OFFLINE. */
export function hubEnv(env: NodeJS.ProcessEnv = process.env): HubEnv {
  const endpoint = (nonEmpty(env.HF_ENDPOINT) ?? "https://huggingface.co").replace(/\/+$/, "");
  const token = nonEmpty(env.HF_TOKEN) ?? nonEmpty(env.HUGGING_FACE_HUB_TOKEN);
  // Same order as Python's huggingface_hub.constants.
  const hfHome =
    nonEmpty(env.HF_HOME) ?? join(nonEmpty(env.XDG_CACHE_HOME) ?? join(homedir(), ".cache"), "huggingface");
  const cacheDir = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE) ?? join(hfHome, "hub");
  const offline = TRUTHY.has((nonEmpty(env.HF_HUB_OFFLINE) ?? "").toLowerCase());
  return { endpoint, token, cacheDir, offline };
}

/** Replaces the token (and any bearer credential) in a text with a placeholder. */
export function redact(text: string, env?: { token?: string | undefined }): string {
  let result = text;
  const token = env?.token;
  if (token !== undefined && token.length > 0) result = result.split(token).join("hf_***");
  // Any hf_ token-looking word, in case a token from elsewhere ended up in a server message.
  result = result.replace(/\bhf_[A-Za-z0-9]{8,}\b/g, "hf_***");
  return result.replace(/(Bearer\s+)(?!hf_\*\*\*)[^\s"',;]+/gi, "$1***");
}

/**
 * The token as @huggingface/hub wants it. That library throws a TypeError for tokens without the
 * `hf_` prefix; we say so up front, without echoing the token.
 */
export function accessToken(env: HubEnv): string | undefined {
  if (env.token === undefined) return undefined;
  if (!env.token.startsWith("hf_")) {
    throw new UsageError(
      "HF_TOKEN is set but does not look like a Hugging Face access token (it must start with 'hf_').",
      "Create a token at https://huggingface.co/settings/tokens and set HF_TOKEN to it, or unset HF_TOKEN for public repos.",
    );
  }
  return env.token;
}
