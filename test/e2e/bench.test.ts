/** `fastvlm-eval bench` end to end on the tiny model: JSON shape, stage arithmetic, usage errors. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { tinyModelDir } from "../helpers/tiny-model.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let model = "";
beforeAll(async () => {
  model = await tinyModelDir("fp32");
});

describe("fastvlm-eval bench", () => {
  it("--json reports runs, medians, load time and the device", () => {
    const r = cli([
      "bench",
      "--model",
      model,
      "--repeat",
      "2",
      "--warmup",
      "1",
      "--max-new-tokens",
      "4",
      "--json",
    ]);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      runs: Record<string, number | null>[];
      median: Record<string, number | null>;
      loadMs: number;
      logits: string | null;
      device: Record<string, unknown>;
      warmup: number;
      repeat: number;
    };
    expect(out.runs).toHaveLength(2);
    expect(out.repeat).toBe(2);
    expect(out.warmup).toBe(1);
    expect(out.loadMs).toBeGreaterThan(0);
    expect(out.logits).toBe("last"); // the default: the decoder computes the last position's logits only
    for (const run of [...out.runs, out.median]) {
      for (const k of ["ttftMs", "preprocessMs", "visionMs", "prefillMs", "decodeMs", "totalMs"]) {
        expect(run[k], k).toBeTypeOf("number");
        expect(run[k] as number, k).toBeGreaterThanOrEqual(0);
      }
      expect(run.outputTokens).toBe(4);
      // 1 text image of 256 rows plus the chat-template text.
      expect(run.promptTokens as number).toBeGreaterThan(256);
      expect(run.decodeTokensPerSec as number).toBeGreaterThan(0);
    }
    for (const run of out.runs) {
      const stages = (run.preprocessMs as number) + (run.visionMs as number) + (run.prefillMs as number);
      expect(run.ttftMs as number).toBeGreaterThanOrEqual(stages - 1e-9);
      expect(run.totalMs as number).toBeGreaterThanOrEqual(run.ttftMs as number);
    }
    expect(out.device.cores).toBeTypeOf("number");
    expect(out.device.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(out.device.executionProvider).toBe("cpu");
    expect(out.device.dtype).toMatchObject({ decoder_model_merged: "fp32" });
  });

  it("prints a table with a median row without --json", () => {
    const r = cli(["bench", "--model", model, "--repeat", "1", "--warmup", "0", "--max-new-tokens", "2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^run\s+ttft ms/m);
    expect(r.stdout).toMatch(/^median\s+\d/m);
    expect(r.stdout).toMatch(/fingerprint [0-9a-f]{16}/);
    expect(r.stdout).toMatch(/, logits last$/m);
  });

  it("reports every bad flag at once with exit 2", () => {
    const r = cli(["bench", "--model", model, "--repeat", "0", "--warmup", "x", "--image", "/nope.png"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--repeat must be an integer ≥ 1/);
    expect(r.stderr).toMatch(/--warmup must be an integer ≥ 0/);
    expect(r.stderr).toMatch(/--image \/nope.png: the file does not exist/);
  });

  it("a missing model folder is a model error (exit 4)", () => {
    const r = cli(["bench", "--model", "./no-such-model-dir", "--repeat", "1"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/does not exist/);
  });
});
