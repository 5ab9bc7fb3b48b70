/**
 * Set-up of the download-core integration tests: dataset `org/ds` with given files behind a fresh fake Hub,
 * a private HF cache and lock file per test, and the clean-up after each test.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";
import { type HubEnv, hubEnv } from "../../src/hub/index.js";
import { type FakeHub, type FakeHubOptions, startFakeHub } from "./fake-hub.js";

/** Deterministic bytes: `n` of them, varied by `seed`. */
export function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

/** Hex sha256 (the LFS oid and blob name of large files). */
export const sha256 = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

/** Writes `files` (repo path → bytes) as dataset `org/ds` on branch main under a fake Hub's `served` root. */
export function writeDatasetRepo(served: string, files: Record<string, Buffer>): void {
  const repoDir = join(served, "datasets", "org", "ds");
  for (const [p, b] of Object.entries(files)) {
    mkdirSync(dirname(join(repoDir, p)), { recursive: true });
    writeFileSync(join(repoDir, p), b);
  }
}

/** One test's world. */
export interface HubSetup {
  /** Temp folder holding everything below. */
  root: string;
  /** The fake Hub serving `<root>/served`. */
  hub: FakeHub;
  /** Hub settings pointing at it and at `cache`. */
  env: HubEnv;
  /** Lock file path (not created). */
  lockFile: string;
  /** Private HF_HUB_CACHE. */
  cache: string;
  /** The served files of `org/ds`. */
  files: Record<string, Buffer>;
}

/** What a test file gets from useHubDatasets. */
export interface HubDatasets {
  /** Serves `files` as `org/ds` from a new fake Hub (options as given) with a new cache; `token` sets HF_TOKEN. */
  setup(
    files: Record<string, Buffer>,
    hubOptions?: Partial<FakeHubOptions>,
    token?: string,
  ): Promise<HubSetup>;
  /** Hubs closed after each test (a test that closes one itself takes it out). */
  open: FakeHub[];
  /** Folders removed after each test. */
  dirs: string[];
}

/** Call once at a test file's top level (`prefix` names its temp folders); registers the clean-up. */
export function useHubDatasets(prefix: string): HubDatasets {
  const open: FakeHub[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  async function setup(
    files: Record<string, Buffer>,
    hubOptions: Partial<FakeHubOptions> = {},
    token?: string,
  ): Promise<HubSetup> {
    const root = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(root);
    writeDatasetRepo(join(root, "served"), files);
    const hub = await startFakeHub({ root: join(root, "served"), ...hubOptions });
    open.push(hub);
    const cache = join(root, "cache");
    const env = hubEnv({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, ...(token ? { HF_TOKEN: token } : {}) });
    return { root, hub, env, lockFile: join(root, "lock.json"), cache, files };
  }
  return { setup, open, dirs };
}
