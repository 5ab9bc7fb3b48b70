/**
 * The OpenAI-compatible backend: `--model openai:<base-url>#<model-name>`.
 * The model registry imports this module lazily and calls createOpenAIBackend.
 */

export { cutAtStop } from "../stop.js";
export { createOpenAIBackend, type OpenAIBackendOptions, type RetryEvent } from "./backend.js";
export { imageDataUrl, sniffImageMime } from "./mime.js";
export { requestBody } from "./request.js";
export { DEFAULT_BACKOFF, parseRetryAfter, retryDelayMs } from "./retry.js";
export { parseOpenAISpec } from "./spec.js";
export { sseData } from "./sse.js";
