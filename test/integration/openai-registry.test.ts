/** `--model openai:<base>#<name>` goes through the model registry to this backend. */
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { resolveModel } from "../../src/models/registry.js";
import { startFakeOpenAI } from "../helpers/fake-openai.js";

describe("resolveModel with openai:", () => {
  it("opens the OpenAI backend with the registry's options", async () => {
    const fake = await startFakeOpenAI();
    try {
      const backend = await resolveModel(`openai:${fake.baseUrl}#vlm-7b`, {
        openai: { env: { EVAL_API_KEY: "sk-registry-test" }, concurrency: 2 },
      });
      expect(backend.info.name).toBe(`openai:${fake.baseUrl}#vlm-7b`);
      expect(backend.info.executionProvider).toBe("remote");
      const g = await backend.generate({
        images: [],
        prompt: "hi",
        generation: { maxNewTokens: 4, stop: [] },
      });
      expect(g.text).toBe("The answer is 42.");
      expect(fake.requests[0]?.headers.authorization).toBe("Bearer sk-registry-test");
      await backend.dispose();
    } finally {
      await fake.close();
    }
  });

  it("reports a malformed spec as a usage error", async () => {
    await expect(resolveModel("openai:not a url", { openai: { env: {} } })).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});
