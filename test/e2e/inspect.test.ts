/**
 * `fastvlm-eval list` and `inspect` end to end: dist/src/cli.js against the fake Hub serving the
 * fixture datasets (HF_ENDPOINT → loopback, HF_HOME → a temp folder).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamParquetRows } from "../../src/data/parquet.js";
import { TASKS } from "../../tasks/index.js";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";
import { fixtureDataset, fixtureRoot, fixtureSplitFiles } from "../helpers/fixtures.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "dist", "src", "cli.js");

let root: string;
let hub: FakeHub;
let work: string;

interface Result {
  /** Exit status, or the signal that killed the child (so a crash is not mistaken for exit 1). */
  status: number | string;
  stdout: string;
  stderr: string;
}

// Async (not spawnSync): the fake Hub answers from this process's event loop.
function cli(args: string[], url = hub.url): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, HF_ENDPOINT: url, HF_HOME: join(work, "hf") };
  for (const k of ["HF_HUB_CACHE", "HF_TOKEN", "HF_HUB_OFFLINE", "HUGGINGFACE_HUB_CACHE"]) delete env[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env, cwd: work }, (err, stdout, stderr) => {
      // err.code is the exit status, null when a signal killed the child, or a string for a spawn error.
      const status = err ? (err.code ?? err.signal ?? "unknown") : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

function lines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
  root = await fixtureRoot();
  hub = await startFakeHub({ root });
  work = mkdtempSync(join(tmpdir(), "inspect-e2e-"));
});

afterAll(async () => {
  await hub?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("fastvlm-eval list", () => {
  it("lists the registry's tasks and models as JSON", async () => {
    const r = await cli(["list", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { tasks: { name: string; repo: string }[]; models: { name: string }[] };
    expect(j.tasks.map((t) => t.name)).toEqual(Object.keys(TASKS));
    expect(j.tasks[2]).toMatchObject({
      repo: "lmms-lab/DocVQA",
      config: "DocVQA",
      split: "validation",
      rows: 5349,
    });
    expect(j.models.map((m) => m.name)).toContain("fastvlm-0.5b");
  });
});

describe("fastvlm-eval inspect --json", () => {
  it("prints GQA samples with joined images, through the fake Hub", async () => {
    const r = await cli(["inspect", "gqa", "--n", "4", "--json"]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const got = lines(r.stdout);
    expect(got).toHaveLength(4);
    for (const s of got) {
      expect(Object.keys(s).sort()).toEqual(["id", "images", "prompt", "reference"]);
      expect(s.prompt).toMatch(/\nAnswer the question using a single word or phrase\.$/);
      const [im] = s.images as { width: number; height: number }[];
      expect(im!.width).toBeGreaterThan(0);
      expect(im!.height).toBeGreaterThan(0);
      expect(Object.keys(s.reference as object)).toEqual(["answer"]);
    }
    // The fake Hub served the dataset: the lock now pins it.
    expect(hub.requests.some((q) => q.file?.startsWith("testdev_balanced_images/"))).toBe(true);
  });

  it("reports displayed (EXIF-rotated) sizes and MMMU's several images", async () => {
    const { dir } = fixtureDataset(root, "pope");
    const [first] = fixtureSplitFiles(dir, "default", "test");
    let expected: { id: string; width: number; height: number } | undefined;
    for await (const row of streamParquetRows(first!)) {
      const meta = await sharp((row.image as { bytes: Uint8Array }).bytes).metadata();
      if ((meta.orientation ?? 1) >= 5)
        expected = { id: row.id as string, width: meta.height!, height: meta.width! };
    }
    expect(expected).toBeDefined();
    const pope = lines((await cli(["inspect", "pope", "--n", "16", "--json"])).stdout);
    const rotated = pope.find((s) => s.id === expected!.id)!;
    expect(rotated.images).toEqual([{ width: expected!.width, height: expected!.height }]);

    const mmmu = lines((await cli(["inspect", "mmmu", "--n", "3", "--json"])).stdout);
    expect(mmmu.map((s) => (s.images as unknown[]).length)).toEqual([1, 2, 3]);
    expect((mmmu[1]!.reference as { questionType: string }).questionType).toBe("open");
  });

  it("shows an unreadable image as an error and keeps going", async () => {
    const badRoot = await fixtureRoot({ rowsPerTask: 6, seed: 3, corruptImages: { docvqa: [1] } });
    const badHub = await startFakeHub({ root: badRoot });
    try {
      const r = await cli(
        ["inspect", "docvqa", "--n", "3", "--json", "--lock", join(work, "bad-lock.json")],
        badHub.url,
      );
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 0,
        stderr: expect.stringMatching(/^docvqa: /),
      });
      const got = lines(r.stdout);
      expect(got).toHaveLength(3);
      expect(got[1]!.images).toEqual([{ width: null, height: null, error: expect.any(String) }]);
      expect((got[2]!.images as { width: number }[])[0]!.width).toBeGreaterThan(0);
    } finally {
      await badHub.close();
    }
  });

  it("answers an unknown task with did-you-mean and exit 2", async () => {
    const r = await cli(["inspect", "textvq"]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/Unknown task 'textvq'\. Did you mean 'textvqa'\?/);
    expect(r.stdout).toBe("");
  });

  it("rejects a bad --n", async () => {
    const r = await cli(["inspect", "pope", "--n", "0"]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--n must be a whole number/);
  });
});
