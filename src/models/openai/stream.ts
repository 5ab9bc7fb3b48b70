/**
 * Reading chat-completion responses: streamed chunks (`chat.completion.chunk`) and, for servers that
 * ignore `stream: true`, a whole `chat.completion` body. Shapes are checked here, at the boundary.
 */

/** Token counts a server reports in its `usage` object. */
export interface Usage {
  /** usage.prompt_tokens. */
  promptTokens: number | null;
  /** usage.completion_tokens. */
  completionTokens: number | null;
}

/** What one stream chunk (or a whole non-streamed body) carries that we use. */
export interface ChunkContent {
  /** Answer text in this chunk (`delta.content`, or `message.content` when not streamed). */
  content: string;
  /** Reasoning text in this chunk (`reasoning_content` or `reasoning`); counted for TTFT, not kept in the answer. */
  reasoning: string;
  /** Token counts, when this chunk has a usage object. */
  usage: Usage | null;
  /** The server's error message when the chunk is an error object (vLLM sends these mid-stream). */
  error: string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Message content: a string, or (Mistral and others) an array of parts whose text parts are joined. */
function contentText(value: unknown): string {
  if (!Array.isArray(value)) return str(value);
  return value
    .map((part: unknown) =>
      isRecord(part) && (part.type === undefined || part.type === "text") ? str(part.text) : "",
    )
    .join("");
}

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null;
}

/** Thrown for a chunk that is not JSON or not an object: the server does not speak the protocol. */
export class MalformedChunkError extends Error {}

/** Reads one parsed JSON value of a stream `data:` line or a whole response body. */
export function readChunk(json: unknown): ChunkContent {
  if (!isRecord(json)) throw new MalformedChunkError("expected a JSON object");
  const out: ChunkContent = { content: "", reasoning: "", usage: null, error: null };
  if (json.error !== undefined && json.error !== null) {
    out.error = errorMessageOf(json) ?? "unknown error";
    return out;
  }
  const choices = Array.isArray(json.choices) ? json.choices : [];
  const first: unknown = choices[0];
  if (isRecord(first)) {
    // Streamed chunks carry `delta`; a non-streamed completion carries `message`.
    const part = isRecord(first.delta) ? first.delta : isRecord(first.message) ? first.message : {};
    out.content = contentText(part.content);
    out.reasoning = str(part.reasoning_content) || str(part.reasoning);
  }
  if (isRecord(json.usage)) {
    out.usage = {
      promptTokens: count(json.usage.prompt_tokens),
      completionTokens: count(json.usage.completion_tokens),
    };
  }
  return out;
}

/** Parses one `data:` payload; throws MalformedChunkError when it is not JSON. */
export function parseChunk(data: string): ChunkContent {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new MalformedChunkError(`not JSON: ${data.slice(0, 200)}`);
  }
  return readChunk(json);
}

/**
 * The human message in an error body: OpenAI's `{error: {message}}`, plus the `{error: "…"}`,
 * `{message}` and `{detail}` shapes other servers use. Null when none is found.
 */
export function errorMessageOf(json: unknown): string | null {
  if (!isRecord(json)) return null;
  const e = json.error;
  if (typeof e === "string" && e !== "") return e;
  if (isRecord(e) && typeof e.message === "string" && e.message !== "") return e.message;
  if (typeof json.message === "string" && json.message !== "") return json.message;
  if (typeof json.detail === "string" && json.detail !== "") return json.detail;
  if (json.detail !== undefined) return JSON.stringify(json.detail);
  return null;
}
