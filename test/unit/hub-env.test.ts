import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { accessToken, hubEnv, redact } from "../../src/hub/env.js";
import { unsafePathReason } from "../../src/hub/paths.js";

describe("hubEnv", () => {
  it("defaults like Python huggingface_hub", () => {
    const env = hubEnv({});
    expect(env.endpoint).toBe("https://huggingface.co");
    expect(env.cacheDir).toBe(join(homedir(), ".cache", "huggingface", "hub"));
    expect(env.offline).toBe(false);
    expect(env.token).toBeUndefined();
  });

  it("resolves the cache dir in Python's order", () => {
    expect(hubEnv({ XDG_CACHE_HOME: "/x" }).cacheDir).toBe("/x/huggingface/hub");
    expect(hubEnv({ XDG_CACHE_HOME: "/x", HF_HOME: "/h" }).cacheDir).toBe("/h/hub");
    expect(hubEnv({ HF_HOME: "/h", HUGGINGFACE_HUB_CACHE: "/old" }).cacheDir).toBe("/old");
    expect(hubEnv({ HF_HOME: "/h", HUGGINGFACE_HUB_CACHE: "/old", HF_HUB_CACHE: "/new" }).cacheDir).toBe(
      "/new",
    );
  });

  it("strips trailing slashes from HF_ENDPOINT and reads both token variables", () => {
    expect(hubEnv({ HF_ENDPOINT: "https://hf-mirror.com//" }).endpoint).toBe("https://hf-mirror.com");
    expect(hubEnv({ HUGGING_FACE_HUB_TOKEN: "hf_old" }).token).toBe("hf_old");
    expect(hubEnv({ HUGGING_FACE_HUB_TOKEN: "hf_old", HF_TOKEN: "hf_new" }).token).toBe("hf_new");
  });

  it.each([
    ["1", true],
    ["true", true],
    ["YES", true],
    ["on", true],
    ["0", false],
    ["false", false],
    ["", false],
  ])("HF_HUB_OFFLINE=%s → %s", (value, offline) => {
    expect(hubEnv({ HF_HUB_OFFLINE: value }).offline).toBe(offline);
  });
});

describe("token handling", () => {
  it("redacts the token, bearer credentials and hf_ tokens from any text", () => {
    const env = { token: "hf_SecretToken123456" };
    const text = redact(
      "failed with Authorization: Bearer hf_SecretToken123456 and hf_OtherToken98765432 x",
      env,
    );
    expect(text).not.toContain("SecretToken");
    expect(text).not.toContain("OtherToken");
    expect(redact("Bearer abc.def", {})).toBe("Bearer ***");
    const odd = { token: "not-hf-token-zz" };
    expect(redact("token not-hf-token-zz leaked", odd)).not.toContain("not-hf-token-zz");
  });

  it("rejects a token without hf_ with a UsageError that does not echo it", () => {
    const env = hubEnv({ HF_TOKEN: "abcSECRET" });
    expect(() => accessToken(env)).toThrow(UsageError);
    try {
      accessToken(env);
    } catch (err) {
      expect((err as UsageError).message + (err as UsageError).hint).not.toContain("abcSECRET");
    }
    expect(accessToken(hubEnv({ HF_TOKEN: "hf_ok" }))).toBe("hf_ok");
  });
});

describe("unsafePathReason", () => {
  it.each(["../x", "a/../b", "/etc/passwd", "a\\b", "C:/x", "a//b", "./a", ""])("refuses %j", (p) => {
    expect(unsafePathReason(p)).not.toBeNull();
  });
  it.each(["README.md", "data/test-00000-of-00001.parquet", "onnx/model.onnx_data", "a..b/c"])(
    "accepts %j",
    (p) => {
      expect(unsafePathReason(p)).toBeNull();
    },
  );
});
