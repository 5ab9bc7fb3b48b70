/**
 * The download core against Hub-compatible servers that answer differently from huggingface.co (the fake
 * Hub's `variant` option): other checksum shapes in listings, and endpoint variations. No mocks of the code
 * under test.
 */
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HubError } from "../../src/core/errors.js";
import type { DatasetSpec } from "../../src/core/types.js";
import {
  downloadFiles,
  ensureDataset,
  hubEnv,
  listRepoFiles,
  readRepoText,
  resolveRevision,
} from "../../src/hub/index.js";
import { type FakeHubOptions, startFakeHub } from "../helpers/fake-hub.js";
import { bytes, type HubSetup, sha256, useHubDatasets, writeDatasetRepo } from "../helpers/hub-dataset.js";

const CARD = `---
configs:
- config_name: default
  data_files:
  - split: test
    path: data/test-*
---
# A tiny dataset
`;
const SPEC: DatasetSpec = { repo: "org/ds", config: "default", split: "test" };
const BIG = "data/test-00001-of-00002.parquet";

const { setup: serve, open, dirs } = useHubDatasets("hub-var-");
afterEach(() => {
  vi.restoreAllMocks();
});

function repoFiles(): Record<string, Buffer> {
  return {
    "README.md": Buffer.from(CARD),
    "data/test-00000-of-00002.parquet": bytes(3000, 1),
    [BIG]: bytes(20_000, 2),
  };
}

function setup(extra: Partial<FakeHubOptions> = {}, token?: string): Promise<HubSetup> {
  return serve(repoFiles(), extra, token);
}

const fast = { retryBaseMs: 1 };
const snap = (s: HubSetup) =>
  join(s.cache, "datasets--org--ds", "snapshots", s.hub.shaOf("dataset", "org/ds"));
const count = (s: HubSetup, file: string) =>
  s.hub.requests.filter((r) => r.endpoint === "resolve" && r.file === file).length;

/** Captures stderr lines while running f. */
async function stderrOf<T>(f: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    return { value: await f(), lines };
  } finally {
    vi.restoreAllMocks();
  }
}

describe("checksums other servers give", () => {
  it("a small file with no oid: size-checked, cached under its sha256, one warning naming it", async () => {
    const s = await setup({ variant: { oid: "none" } });
    const { value: got, lines } = await stderrOf(() =>
      ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast }),
    );
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
    expect(readlinkSync(join(snap(s), "README.md"))).toBe(`../../blobs/${sha256(CARD)}`);
    const warnings = lines.filter((l) => l.includes("no usable checksum"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("README.md");
    // LFS files still carry their sha256: no warning for them.
    expect(lines.join("")).not.toContain(BIG);
  });

  it("a junk oid is no checksum either, and a truncated small file is still retried by size", async () => {
    const s = await setup({
      variant: { oid: "bad" },
      faults: [{ kind: "truncate", path: "README.md", times: 1 }],
    });
    const { lines } = await stderrOf(() =>
      ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast }),
    );
    expect(count(s, "README.md")).toBe(2);
    expect(readFileSync(join(snap(s), "README.md"), "utf8")).toBe(CARD);
    expect(lines.filter((l) => l.includes("no usable checksum"))).toHaveLength(1);
  });

  it.each(["sha1", "sha256"] as const)(
    "accepts a small file whose oid is the plain %s of its content, and still retries wrong bytes",
    async (oid) => {
      const s = await setup({ variant: { oid }, faults: [{ kind: "corrupt", path: "README.md", times: 1 }] });
      const { lines } = await stderrOf(() =>
        ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast }),
      );
      expect(count(s, "README.md")).toBe(2);
      expect(readFileSync(join(snap(s), "README.md"), "utf8")).toBe(CARD);
      expect(lines.join("")).not.toContain("no usable checksum");
      // A second run re-checks the cached file against the same oid and makes no file request.
      rmSync(s.lockFile);
      const before = count(s, "README.md");
      await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
      expect(count(s, "README.md")).toBe(before);
    },
  );

  it("LFS entries without an oid: warned, cached by sha256, locked; the lock then verifies strictly", async () => {
    const s = await setup({ variant: { noLfsOid: true } });
    const { value: got, lines } = await stderrOf(() =>
      ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast }),
    );
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
    expect(lines.filter((l) => l.includes("no usable checksum") && l.includes(BIG))).toHaveLength(1);
    expect(readlinkSync(join(snap(s), BIG))).toBe(`../../../blobs/${sha256(s.files[BIG]!)}`);
    const lock = JSON.parse(readFileSync(s.lockFile, "utf8"));
    expect(lock.datasets["org/ds@default:test"].files[1].sha256).toBe(sha256(s.files[BIG]!));

    // Fresh cache, same lock: the server still gives no checksum, but the lock's sha256 catches wrong bytes.
    const env2 = hubEnv({ HF_ENDPOINT: s.hub.url, HF_HUB_CACHE: join(s.root, "cache2") });
    s.hub.setFaults([{ kind: "corrupt", path: BIG }]);
    const err = await ensureDataset(SPEC, { env: env2, lockFile: s.lockFile, retries: 1, ...fast }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).message).toMatch(/sha256 mismatch/);
    expect((err as HubError).message).toContain(BIG);
  });

  it("a normal listing gives no warning", async () => {
    const s = await setup();
    const { lines } = await stderrOf(() =>
      ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast }),
    );
    expect(lines.join("")).not.toContain("no usable checksum");
  });
});

const TOKEN = "hf_VariantTokenAbc123456";
const REF = { kind: "dataset", id: "org/ds" } as const;

describe("endpoint variations", () => {
  it("revision info without sha: the commit comes from X-Repo-Commit of a resolve answer", async () => {
    const s = await setup({ variant: { noRevisionSha: true } });
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    const sha = s.hub.shaOf("dataset", "org/ds");
    expect(got.sha).toBe(sha);
    expect(readFileSync(join(s.cache, "datasets--org--ds", "refs", "main"), "utf8")).toBe(sha);
    expect(s.hub.requests.some((r) => r.method === "HEAD" && r.url.includes("/resolve/main/"))).toBe(true);
  });

  it("revision info without sha and no X-Repo-Commit either: a clear HubError", async () => {
    const s = await setup({ variant: { noRevisionSha: true } });
    s.hub.addRoute((req, res) => {
      if (req.method !== "HEAD") return false;
      res.writeHead(200);
      res.end();
      return true;
    });
    const err = await resolveRevision(REF, "main", { env: s.env, ...fast }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).message).toMatch(/without a valid commit sha/);
  });

  it("LFS entries whose oid is the pointer's git sha1 are checked by lfs.oid; directories without size are skipped", async () => {
    const s = await setup({ pageSize: 1, variant: { noDirSize: true } });
    const sha = await resolveRevision(REF, "main", { env: s.env, ...fast });
    const files = await listRepoFiles(REF, sha, { env: s.env, ...fast });
    expect(files.map((f) => f.path)).toEqual(Object.keys(s.files).sort());
    const big = files.find((f) => f.path === BIG)!;
    expect(big).toMatchObject({ size: 20_000, lfsSha256: sha256(s.files[BIG]!) });
    expect(big.gitOid).toBeUndefined();
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
  });

  it("without paths-info, file metadata comes from the tree listing (and missing files are still null)", async () => {
    const s = await setup({ variant: { noPathsInfo: true } });
    const sha = s.hub.shaOf("dataset", "org/ds");
    const local = await downloadFiles(REF, sha, [BIG], { env: s.env, ...fast });
    expect(readFileSync(local[BIG]!)).toEqual(s.files[BIG]);
    expect(await readRepoText(REF, sha, "nope.txt", { env: s.env, ...fast })).toBeNull();
    expect(s.hub.requests.some((r) => r.endpoint === "paths-info")).toBe(true);
    expect(s.hub.requests.some((r) => r.endpoint === "tree")).toBe(true);
    // A lock-driven fetch (no listing at hand) works the same way.
    await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    rmSync(join(s.cache), { recursive: true, force: true });
    const again = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(again.fromLock).toBe(true);
    expect(readFileSync(again.files[1]!)).toEqual(s.files[BIG]);
  });

  it("follows a same-host resolve redirect with the token and the resume Range", async () => {
    const s = await setup(
      {
        variant: { redirect: {} },
        gated: { token: TOKEN, repos: ["datasets/org/ds"] },
        faults: [{ kind: "reset", path: BIG, afterBytes: 7000, times: 1 }],
      },
      TOKEN,
    );
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
    const big = s.hub.requests.filter((r) => r.file === BIG);
    const followed = big.filter((r) => r.url.includes("redirected=1"));
    expect(followed).toHaveLength(2);
    expect(followed.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(followed.map((r) => r.range)).toEqual([undefined, "bytes=7000-"]);
  });

  it("never sends the token to another host a resolve redirects to", async () => {
    const root = mkdtempSync(join(tmpdir(), "hub-cdn-"));
    dirs.push(root);
    writeDatasetRepo(root, repoFiles());
    const cdn = await startFakeHub({ root });
    open.push(cdn);
    const s = await setup({ variant: { redirect: { to: cdn.url } } }, TOKEN);
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
    const cdnFiles = cdn.requests.filter((r) => r.endpoint === "resolve");
    expect(cdnFiles.length).toBeGreaterThan(0);
    expect(cdnFiles.every((r) => r.authorization === undefined)).toBe(true);
    // The Hub itself got the token.
    expect(
      s.hub.requests
        .filter((r) => r.endpoint === "resolve")
        .every((r) => r.authorization === `Bearer ${TOKEN}`),
    ).toBe(true);
  });

  it("a server that ignores Range (200, no Content-Range) makes a resume start over, still verified", async () => {
    const s = await setup({
      variant: { ignoreRange: true },
      faults: [{ kind: "reset", path: BIG, afterBytes: 7000, times: 1 }],
    });
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
    // The second attempt asked for the rest, got the whole file with 200, and started over.
    expect(s.hub.requests.filter((r) => r.file === BIG).map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      ["bytes=7000-", 200],
    ]);
  });
});
