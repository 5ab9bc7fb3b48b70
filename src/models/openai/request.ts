/** The chat-completions request body, the fields some servers refuse, and the stop-string cut. */
import type { GenerateRequest } from "../../core/types.js";
import { imageDataUrl } from "./mime.js";

/**
 * Request fields some servers refuse: when a 400/422 names one, the field is dropped or renamed for the
 * rest of the run and the request sent again. `stream_options` only asks for token counts; OpenAI's
 * reasoning models want `max_completion_tokens` instead of `max_tokens`.
 */
export interface BodyQuirks {
  /** Leave out `stream_options` (token counts then come from chunk counts). */
  noStreamOptions: boolean;
  /** Send the length cap as `max_completion_tokens`. */
  maxCompletionTokens: boolean;
}

/** The quirks a 400/422 error message asks for on top of `current`, or null when it names none we know. */
export function quirkFor(message: string, current: BodyQuirks): BodyQuirks | null {
  if (!current.noStreamOptions && /stream_options|include_usage/i.test(message))
    return { ...current, noStreamOptions: true };
  if (!current.maxCompletionTokens && /max_tokens/i.test(message) && /max_completion_tokens/i.test(message))
    return { ...current, maxCompletionTokens: true };
  return null;
}

/** The JSON body of one chat-completions request. */
export function requestBody(
  model: string,
  request: GenerateRequest,
  quirks: BodyQuirks = { noStreamOptions: false, maxCompletionTokens: false },
): Record<string, unknown> {
  const content: Record<string, unknown>[] = request.images.map((image) => ({
    type: "image_url",
    image_url: { url: imageDataUrl(image.bytes, image.source) },
  }));
  content.push({ type: "text", text: request.prompt });
  const body: Record<string, unknown> = {
    model,
    messages: [{ role: "user", content }],
    [quirks.maxCompletionTokens ? "max_completion_tokens" : "max_tokens"]: request.generation.maxNewTokens,
    temperature: 0,
    stream: true,
  };
  if (!quirks.noStreamOptions) body.stream_options = { include_usage: true };
  if (request.generation.stop.length > 0) body.stop = request.generation.stop;
  return body;
}
