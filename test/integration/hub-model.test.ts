/** ensureModelFiles against the fake Hub: picked graphs plus their external data, lock, offline. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { HubError, OfflineError } from "../../src/core/errors.js";
import { ensureModelFiles, hubEnv, type RepoFile } from "../../src/hub/index.js";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";

const FILES: Record<string, string> = {
  "config.json": '{"model_type":"llava_qwen2"}',
  "onnx/decoder_model_merged.onnx": "graph-a",
  "onnx/decoder_model_merged.onnx_data": "weights-a".repeat(100),
  "onnx/vision_encoder.onnx": "graph-b",
  "onnx/vision_encoder_q4.onnx": "graph-c",
  "onnx/vision_encoder_q4.onnx_data": "weights-c",
  "onnx/vision_encoder_q4.onnx_data_1": "weights-c1",
};

let hub: FakeHub | undefined;
let root = "";
afterEach(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

async function setup() {
  root = mkdtempSync(join(tmpdir(), "hub-model-"));
  for (const [p, text] of Object.entries(FILES)) {
    const abs = join(root, "served/models/org/m", p);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  hub = await startFakeHub({ root: join(root, "served") });
  const env = hubEnv({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(root, "cache") });
  return { hub, env, lockFile: join(root, "lock.json") };
}

it("downloads the picked graphs with their external data into one snapshot folder and locks them", async () => {
  const { hub, env, lockFile } = await setup();
  let listing: RepoFile[] = [];
  const got = await ensureModelFiles(
    "org/m",
    (files) => {
      listing = files;
      return ["config.json", "onnx/decoder_model_merged.onnx", "onnx/vision_encoder_q4.onnx"];
    },
    { env, lockFile, retryBaseMs: 1 },
  );
  const sha = hub.shaOf("model", "org/m");
  expect(got.sha).toBe(sha);
  expect(got.dir).toBe(join(root, "cache", "models--org--m", "snapshots", sha));
  expect(Object.keys(got.files).sort()).toEqual([
    "config.json",
    "onnx/decoder_model_merged.onnx",
    "onnx/decoder_model_merged.onnx_data",
    "onnx/vision_encoder_q4.onnx",
    "onnx/vision_encoder_q4.onnx_data",
    "onnx/vision_encoder_q4.onnx_data_1",
  ]);
  // External data sits next to its graph, as InferenceSession.create(path) expects.
  expect(readFileSync(join(got.dir, "onnx/decoder_model_merged.onnx_data"), "utf8")).toBe(
    FILES["onnx/decoder_model_merged.onnx_data"],
  );
  expect(listing.find((f) => f.path === "onnx/vision_encoder.onnx")?.lfsSha256).toMatch(/^[0-9a-f]{64}$/);
  // Model URLs have no `models/` prefix.
  for (const r of hub.requests.filter((q) => q.endpoint === "resolve"))
    expect(r.url).toMatch(/^\/org\/m\/resolve\//);
  const lock = JSON.parse(readFileSync(lockFile, "utf8"));
  expect(lock.models["org/m"].sha).toBe(sha);
  expect(lock.models["org/m"].files).toHaveLength(6);

  // A later pick of another graph at the locked sha adds to the entry without re-resolving.
  const resolves = hub.requests.filter((q) => q.endpoint === "revision").length;
  await ensureModelFiles("org/m", () => ["onnx/vision_encoder.onnx"], { env, lockFile });
  expect(hub.requests.filter((q) => q.endpoint === "revision").length).toBe(resolves);
  expect(JSON.parse(readFileSync(lockFile, "utf8")).models["org/m"].files).toHaveLength(7);
});

it("works offline from the cache and names what is missing", async () => {
  const { hub, env, lockFile } = await setup();
  await ensureModelFiles("org/m", () => ["onnx/decoder_model_merged.onnx"], { env, lockFile });
  const before = hub.requests.length;
  const offline = { ...env, offline: true };
  const got = await ensureModelFiles(
    "org/m",
    (files) => files.filter((f) => f.path.startsWith("onnx/decoder")).map((f) => f.path),
    { env: offline, lockFile },
  );
  expect(Object.keys(got.files)).toContain("onnx/decoder_model_merged.onnx_data");
  const err = await ensureModelFiles("org/m", () => ["onnx/vision_encoder.onnx"], {
    env: offline,
    lockFile,
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OfflineError);
  expect((err as Error).message).toContain("onnx/vision_encoder.onnx");
  expect((err as Error).message).toContain("org/m");
  expect(hub.requests.length).toBe(before);
});

it("rejects a pick that is not in the repo", async () => {
  const { env, lockFile } = await setup();
  await expect(ensureModelFiles("org/m", () => ["onnx/nope.onnx"], { env, lockFile })).rejects.toThrow(
    HubError,
  );
  await expect(ensureModelFiles("org/m", () => ["onnx/nope.onnx"], { env, lockFile })).rejects.toThrow(
    /no onnx\/nope.onnx/,
  );
});
