/**
 * resolveModel: a registry name downloads the card's dtypes (plus external data) from a fake Hub and
 * loads them; local folders and unknown names.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import type { GenerateRequest } from "../../src/core/types.js";
import { hubEnv } from "../../src/hub/index.js";
import { parseDtype } from "../../src/models/fastvlm/dtype.js";
import { MODELS, resolveModel } from "../../src/models/registry.js";
import { makeTinyModel } from "../../src/testbed/tiny-fastvlm/index.js";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";

const REPO = MODELS["fastvlm-0.5b"]!.repo;
let root = "";
let hub: FakeHub;
let req: GenerateRequest;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "engine-registry-"));
  // fp32 + fp16 graphs with external data, and the same weights without it for the q4 names.
  const ext = await makeTinyModel(join(root, "ext"), { seed: 1, fp16: true, externalData: true });
  const plain = await makeTinyModel(join(root, "plain"), { seed: 1 });
  const served = join(root, "served", "models", ...REPO.split("/"));
  mkdirSync(served, { recursive: true });
  cpSync(ext, served, { recursive: true });
  rmSync(join(served, ".complete"));
  copyFileSync(join(plain, "onnx", "vision_encoder.onnx"), join(served, "onnx", "vision_encoder_q4.onnx"));
  copyFileSync(
    join(plain, "onnx", "decoder_model_merged.onnx"),
    join(served, "onnx", "decoder_model_merged_q4.onnx"),
  );
  hub = await startFakeHub({ root: join(root, "served") });
  const img = await sharp({
    create: { width: 30, height: 20, channels: 3, background: { r: 250, g: 10, b: 10 } },
  })
    .png()
    .toBuffer();
  req = {
    images: [{ bytes: new Uint8Array(img), source: "img" }],
    prompt: "Colour?",
    generation: { maxNewTokens: 4, stop: [] },
  };
});

afterAll(async () => {
  await hub?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

function hubOpts(offline = false) {
  const env = hubEnv({
    HF_ENDPOINT: hub.url,
    HF_HUB_CACHE: join(root, "cache"),
    ...(offline ? { HF_HUB_OFFLINE: "1" } : {}),
  });
  return { hub: { env, retryBaseMs: 1 }, lockFile: join(root, "lock.json"), threads: 1 };
}

describe("resolveModel", () => {
  it("downloads only the card's dtypes for a registry name and generates", async () => {
    const m = await resolveModel("fastvlm-0.5b", hubOpts());
    try {
      expect(m.info.dtype).toEqual({
        embed_tokens: "fp16",
        vision_encoder: "q4",
        decoder_model_merged: "q4",
      });
      expect(m.info.source).toBe(REPO);
      expect(m.info.revision).toBe(hub.shaOf("model", REPO));
      expect(m.info.name).toBe("fastvlm-0.5b");
      const got = new Set(hub.requests.filter((r) => r.endpoint === "resolve").map((r) => r.file));
      expect(got.has("onnx/decoder_model_merged_q4.onnx")).toBe(true);
      expect(got.has("onnx/embed_tokens_fp16.onnx")).toBe(true);
      expect(got.has("onnx/embed_tokens_fp16.onnx_data")).toBe(true);
      expect(got.has("onnx/decoder_model_merged.onnx")).toBe(false);
      const g = await m.generate(req);
      expect(g.tokens.length).toBe(4);
      expect(g.visualTokens).toBe(256);
    } finally {
      await m.dispose();
    }
  });

  it("loads external-data graphs from the Hub cache's symlinked snapshot, same tokens as the local folder", async () => {
    const fromHub = await resolveModel("fastvlm-0.5b", { ...hubOpts(), dtype: parseDtype("fp32") });
    const local = await resolveModel(join(root, "plain"), { threads: 1 });
    try {
      expect(fromHub.info.dtype).toEqual({
        embed_tokens: "fp32",
        vision_encoder: "fp32",
        decoder_model_merged: "fp32",
      });
      expect(local.info.revision).toBeNull();
      expect((await fromHub.generate(req)).tokens).toEqual((await local.generate(req)).tokens);
    } finally {
      await fromHub.dispose();
      await local.dispose();
    }
  });

  it("works offline once cached", async () => {
    const before = hub.requests.length;
    const m = await resolveModel("fastvlm-0.5b", hubOpts(true));
    await m.dispose();
    expect(hub.requests.length).toBe(before);
  });

  it("names the available dtypes when the chosen one is not in the repo", async () => {
    const err = await resolveModel("fastvlm-0.5b", { ...hubOpts(), dtype: parseDtype("decoder=bnb4") }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain("onnx/decoder_model_merged_bnb4.onnx");
    expect((err as Error).message).toMatch(/dtypes available for decoder_model_merged: fp32, fp16, q4/);
  });

  it("dispatches baseline: specs to the baseline backends", async () => {
    const b = await resolveModel("baseline:constant=yes");
    try {
      const g = await b.generate(req);
      expect(g.text).toBe("yes");
      expect(b.info.name).toContain("baseline");
    } finally {
      await b.dispose();
    }
    await expect(resolveModel("baseline:nope")).rejects.toBeInstanceOf(UsageError);
  });

  it("rejects unknown names and prefixes with the accepted forms", async () => {
    const err = await resolveModel("fastvlm-1.5b").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain("Did you mean 'fastvlm-0.5b'");
    expect((err as UsageError).hint).toContain("openai:");
    // The documented baseline form (the parser also takes `constant:`).
    expect((err as UsageError).hint).toContain("baseline:constant=<text>");
    await expect(resolveModel("hf:foo/bar")).rejects.toThrow(/Unknown model prefix/);
  });
});
