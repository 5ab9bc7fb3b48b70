/**
 * The OpenAI-compatible backend: `--model openai:<base-url>#<model-name>`.
 * The model registry imports this module lazily and calls createOpenAIBackend.
 */
export {
  API_KEY_ENV,
  createOpenAIBackend,
  cutAtStop,
  type OpenAIBackendOptions,
  type RetryEvent,
  requestBody,
} from "./backend.js";
export { type ImageMime, imageDataUrl, sniffImageMime } from "./mime.js";
export { type BackoffSettings, DEFAULT_BACKOFF, parseRetryAfter, retryDelayMs } from "./retry.js";
export { type OpenAISpec, parseOpenAISpec } from "./spec.js";
export { sseData } from "./sse.js";
