/**
 * `--model openai:<base-url>#<model-name>`: parsing and the safe, recordable form of the URL.
 */
import { UsageError } from "../../core/errors.js";

/** A parsed `openai:` model spec. */
export interface OpenAISpec {
  /** Where requests go: `<base>/chat/completions`, credentials removed, the base's query kept (Azure-style api-version). */
  chatUrl: string;
  /** The base URL safe to print and record: no userinfo, no query, no fragment, no trailing slash. */
  publicBase: string;
  /** The model name sent in every request. */
  model: string;
  /** `user:password` from the URL, sent as HTTP Basic auth when no API key is set; null when absent. */
  userinfo: { username: string; password: string } | null;
}

const EXAMPLE = "--model openai:http://127.0.0.1:8000/v1#Qwen2-VL-7B-Instruct";

/**
 * Parses what follows `openai:` (a leading `openai:` is accepted too). Reports every problem at once.
 * The model name is everything after the first `#`, so names with `/` (Hub ids) work.
 */
export function parseOpenAISpec(spec: string): OpenAISpec {
  const raw = spec.startsWith("openai:") ? spec.slice("openai:".length) : spec;
  const problems: string[] = [];
  const hash = raw.indexOf("#");
  const urlText = (hash === -1 ? raw : raw.slice(0, hash)).trim();
  const model = hash === -1 ? "" : raw.slice(hash + 1).trim();
  if (hash === -1) problems.push("the model name is missing: put it after '#'");
  else if (model === "") problems.push("the model name after '#' is empty");

  let url: URL | null = null;
  if (urlText === "") {
    problems.push("the base URL is empty");
  } else {
    try {
      url = new URL(urlText);
    } catch {
      problems.push(`'${stripUserinfo(urlText)}' is not a valid URL`);
    }
  }
  if (url !== null && url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`the URL scheme must be http or https, not '${url.protocol.replace(/:$/, "")}'`);
  }
  if (problems.length > 0 || url === null) {
    throw new UsageError(
      `Invalid OpenAI-compatible model spec: ${problems.join("; ")}.`,
      `Write it as openai:<base-url>#<model-name>, e.g. ${EXAMPLE}`,
    );
  }

  const userinfo =
    url.username !== "" || url.password !== ""
      ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
      : null;
  url.username = "";
  url.password = "";
  url.hash = "";
  const path = url.pathname.replace(/\/+$/, "");
  const chat = new URL(url.href);
  chat.pathname = `${path}/chat/completions`;
  const publicUrl = new URL(url.href);
  publicUrl.search = "";
  const publicBase = publicUrl.href.replace(/\/+$/, "");
  return { chatUrl: chat.href, publicBase, model, userinfo };
}

/** Removes `user:pass@` from a URL-looking string that did not parse, so it can go in a message. */
function stripUserinfo(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}
