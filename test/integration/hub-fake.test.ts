/**
 * The fake Hub speaks what @huggingface/hub itself calls, so other engineers can point the library
 * (or our layer) at it: revision info, paginated tree, paths-info, Range 0-0 file info, ranged blobs,
 * snapshotDownload into a cache, and the 404 error codes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  datasetInfo,
  downloadFile,
  fileDownloadInfo,
  listFiles,
  modelInfo,
  pathsInfo,
  snapshotDownload,
} from "@huggingface/hub";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";

let hub: FakeHub;
let root: string;
const big = Buffer.alloc(12_000, 7);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hub-fake-"));
  const files: Record<string, Buffer | string> = {
    "datasets/org/ds/README.md": "# card\n",
    "datasets/org/ds/data/a.parquet": "PAR1",
    "datasets/org/ds/data/b.bin": big,
    "datasets/org/ds@v2/README.md": "# card v2\n",
    "models/org/m/config.json": "{}",
  };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  hub = await startFakeHub({ root, pageSize: 1 });
});

afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

const repo = { type: "dataset" as const, name: "org/ds" };

it("answers revision info with the content sha, per branch", async () => {
  const main = await datasetInfo({ name: "org/ds", hubUrl: hub.url, additionalFields: ["sha"] });
  expect(main.sha).toBe(hub.shaOf("dataset", "org/ds"));
  const v2 = await datasetInfo({
    name: "org/ds",
    revision: "v2",
    hubUrl: hub.url,
    additionalFields: ["sha"],
  });
  expect(v2.sha).toBe(hub.shaOf("dataset", "org/ds", "v2"));
  expect(v2.sha).not.toBe(main.sha);
  const m = await modelInfo({ name: "org/m", hubUrl: hub.url, additionalFields: ["sha"] });
  expect(m.sha).toMatch(/^[0-9a-f]{40}$/);
});

it("lists the tree recursively across Link-header pages, with LFS info", async () => {
  const entries = [];
  for await (const e of listFiles({ repo, recursive: true, hubUrl: hub.url })) entries.push(e);
  expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual([
    "file:README.md",
    "directory:data",
    "file:data/a.parquet",
    "file:data/b.bin",
  ]);
  expect(entries[2]!.lfs?.size).toBe(4);
  expect(entries[3]!.lfs?.size).toBe(12_000);
  expect(entries[0]!.lfs).toBeUndefined();
  expect(hub.requests.filter((r) => r.endpoint === "tree").length).toBe(4);
});

it("answers paths-info, Range 0-0 file info and ranged reads; missing files are null", async () => {
  const infos = await pathsInfo({ repo, paths: ["data/b.bin", "nope"], expand: true, hubUrl: hub.url });
  expect(infos).toHaveLength(1);
  expect(infos[0]!.lastCommit?.id).toBe(hub.shaOf("dataset", "org/ds"));
  const info = await fileDownloadInfo({ repo, path: "data/b.bin", hubUrl: hub.url });
  expect(info?.size).toBe(12_000);
  expect(info?.etag).toBe(`"${infos[0]!.lfs!.oid}"`);
  expect(info?.xet).toBeUndefined();
  const blob = await downloadFile({ repo, path: "data/b.bin", hubUrl: hub.url });
  expect(Buffer.from(await blob!.slice(10, 20).arrayBuffer())).toEqual(big.subarray(10, 20));
  expect(await downloadFile({ repo, path: "missing.txt", hubUrl: hub.url })).toBeNull();
});

it("serves snapshotDownload into a Python-layout cache", async () => {
  const cacheDir = join(root, "cache");
  const debug = vi.spyOn(console, "debug").mockImplementation(() => {});
  const dir = await snapshotDownload({ repo, hubUrl: hub.url, cacheDir });
  debug.mockRestore();
  expect(dir).toContain(hub.shaOf("dataset", "org/ds"));
  expect(readFileSync(join(dir, "data/b.bin"))).toEqual(big);
  expect(readFileSync(join(cacheDir, "datasets--org--ds", "refs", "main"), "utf8")).toBe(
    hub.shaOf("dataset", "org/ds"),
  );
});

it("answers 404 with the Hub's error codes", async () => {
  const res = await fetch(`${hub.url}/api/datasets/nobody/none/revision/main`);
  expect(res.status).toBe(404);
  expect(res.headers.get("x-error-code")).toBe("RepositoryNotFound");
  const rev = await fetch(`${hub.url}/api/datasets/org/ds/revision/nope`);
  expect(rev.headers.get("x-error-code")).toBe("RevisionNotFound");
  const file = await fetch(`${hub.url}/datasets/org/ds/resolve/main/nope.txt`);
  expect(file.headers.get("x-error-code")).toBe("EntryNotFound");
  const ok = await fetch(`${hub.url}/datasets/org/ds/resolve/main/README.md`, { method: "HEAD" });
  expect(ok.headers.get("x-repo-commit")).toBe(hub.shaOf("dataset", "org/ds"));
});
