import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODELS } from "../../src/models/registry.js";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";
import { tinyModelDir } from "../helpers/tiny-model.js";
import { type BareCliResult, runBareCli } from "./run-helpers.js";

const REPO = MODELS["fastvlm-0.5b"]!.repo;

interface ModelSummary {
  model: string;
  repo: string;
  sha: string;
  dtype: Record<string, string>;
  dir: string;
  files: string[];
  bytes: number;
}

let hub: FakeHub;
let root: string;
let work: string;
let image: string;

function run(args: string[], env: Record<string, string> = {}): Promise<BareCliResult> {
  return runBareCli(args, { cwd: work, hubUrl: hub.url, env: env });
}

/** Graph files fetched from the Hub since request `from`. */
function graphsFetched(from: number): string[] {
  return hub.requests
    .slice(from)
    .filter((r) => r.endpoint === "resolve" && r.file?.endsWith(".onnx"))
    .map((r) => r.file ?? "")
    .sort();
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "fetch-model-"));
  work = join(root, "work");
  // The tiny model under the registry repo: fp32 + `_fp16` graphs, and the fp32 ones again as the `_q4`
  // names the card's default dtypes ask for (the engine does not check that q4 graphs are quantized).
  const served = join(root, "served", "models", ...REPO.split("/"));
  cpSync(await tinyModelDir("fp16"), served, { recursive: true });
  rmSync(join(served, ".complete"), { force: true });
  for (const g of ["vision_encoder", "decoder_model_merged"])
    copyFileSync(join(served, "onnx", `${g}.onnx`), join(served, "onnx", `${g}_q4.onnx`));
  hub = await startFakeHub({ root: join(root, "served") });
  mkdirSync(work);
  image = join(root, "img.png");
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .png()
    .toFile(image);
});

afterAll(async () => {
  await hub?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("fastvlm-eval fetch --model", () => {
  it("downloads the card dtypes' files and locks them; offline predict then makes no request", async () => {
    const from = hub.requests.length;
    const r = await run(["fetch", "--model", "fastvlm-0.5b", "--json"], {
      HF_HUB_CACHE: join(work, "cache"),
    });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as ModelSummary[];
    expect(summary).toHaveLength(1);
    const m = summary[0]!;
    expect(m.model).toBe("fastvlm-0.5b");
    expect(m.repo).toBe(REPO);
    expect(m.sha).toBe(hub.shaOf("model", REPO));
    expect(m.dtype).toEqual({ embed_tokens: "fp16", vision_encoder: "q4", decoder_model_merged: "q4" });
    expect(m.files).toContain("tokenizer.json");
    expect(m.bytes).toBeGreaterThan(0);
    for (const f of m.files) expect(existsSync(join(m.dir, f))).toBe(true);
    expect(graphsFetched(from)).toEqual([
      "onnx/decoder_model_merged_q4.onnx",
      "onnx/embed_tokens_fp16.onnx",
      "onnx/vision_encoder_q4.onnx",
    ]);
    const lock = JSON.parse(readFileSync(join(work, "datasets", "lock.json"), "utf8"));
    expect(lock.models[REPO].sha).toBe(m.sha);
    expect(lock.models[REPO].files.map((f: { path: string }) => f.path)).toEqual(m.files);

    const before = hub.requests.length;
    const p = await run(
      [
        "predict",
        "--model",
        "fastvlm-0.5b",
        "--image",
        image,
        "--prompt",
        "Colour?",
        "--max-new-tokens",
        "3",
        "--threads",
        "1",
        "--json",
      ],
      { HF_HUB_OFFLINE: "1" },
    );
    expect(p.code, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { outputTokens: number }).outputTokens).toBeGreaterThan(0);
    expect(hub.requests.length).toBe(before);

    // The text summary, offline from the cache: repo, sha, file count, size.
    const again = await run(["fetch", "--model", "fastvlm-0.5b"], { HF_HUB_OFFLINE: "1" });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `^fastvlm-0\\.5b\\t${REPO}\\t\\S+\\tsha ${m.sha}\\t${m.files.length} files\\t[0-9.]+ (KB|MB)$`,
        "m",
      ),
    );
    expect(hub.requests.length).toBe(before);
  });

  it("downloads only the graphs of the --dtype asked for", async () => {
    const from = hub.requests.length;
    const r = await run(["fetch", "--model", "fastvlm-0.5b", "--dtype", "fp16", "--json"], {
      HF_HUB_CACHE: join(work, "cache-fp16"),
    });
    expect(r.code, r.stderr).toBe(0);
    const m = (JSON.parse(r.stdout) as ModelSummary[])[0]!;
    expect(m.dtype).toEqual({ embed_tokens: "fp16", vision_encoder: "fp16", decoder_model_merged: "fp16" });
    expect(graphsFetched(from)).toEqual([
      "onnx/decoder_model_merged_fp16.onnx",
      "onnx/embed_tokens_fp16.onnx",
      "onnx/vision_encoder_fp16.onnx",
    ]);
    expect(m.files.filter((f) => f.endsWith(".onnx"))).toEqual(graphsFetched(from));
  });

  it("rejects unknown and non-Hub models and missing arguments with exit 2 before any request", async () => {
    const before = hub.requests.length;
    const typo = await run(["fetch", "--model", "fastvlm-0.5"]);
    expect(typo.code, typo.stderr).toBe(2);
    expect(typo.stderr).toContain("Did you mean 'fastvlm-0.5b'");
    for (const name of ["baseline:random", "openai:http://127.0.0.1:1/v1#m", root]) {
      const r = await run(["fetch", "--model", name]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("nothing to fetch");
    }
    const none = await run(["fetch"]);
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr).toContain("--model");
    const dtypeAlone = await run(["fetch", "gqa", "--dtype", "fp16"]);
    expect(dtypeAlone.code, dtypeAlone.stderr).toBe(2);
    expect(dtypeAlone.stderr).toContain("--dtype applies to --model");
    const badDtype = await run(["fetch", "--model", "fastvlm-0.5b", "--dtype", "int3"]);
    expect(badDtype.code, badDtype.stderr).toBe(2);
    expect(hub.requests.length).toBe(before);
  });
});
