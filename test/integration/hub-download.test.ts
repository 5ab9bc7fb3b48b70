/**
 * The download core against the fake Hub: cache layout, lock, retries on real faults, offline mode,
 * path safety and token hygiene. No mocks of the code under test.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HubError, OfflineError, UsageError } from "../../src/core/errors.js";
import type { DatasetSpec } from "../../src/core/types.js";
import {
  downloadFiles,
  ensureDataset,
  hubEnv,
  listRepoFiles,
  readRepoText,
  resolveRevision,
} from "../../src/hub/index.js";
import type { FakeHubOptions } from "../helpers/fake-hub.js";
import { bytes, type HubSetup, sha256, useHubDatasets } from "../helpers/hub-dataset.js";

const CARD = `---
configs:
- config_name: default
  data_files:
  - split: test
    path: data/test-*
- config_name: images
  data_files:
  - split: test
    path: images/sub/test-*
---
# A tiny dataset
`;

const SPEC: DatasetSpec = { repo: "org/ds", config: "default", split: "test" };
const TOKEN = "hf_TestTokenAbcdef123456";

const gitSha1 = (b: Buffer | string) => {
  const buf = Buffer.from(b);
  return createHash("sha1").update(`blob ${buf.length}\0`).update(buf).digest("hex");
};

const { setup: serve, open } = useHubDatasets("hub-dl-");

function setup(extra: Partial<FakeHubOptions> = {}, token?: string): Promise<HubSetup> {
  const files: Record<string, Buffer> = {
    "README.md": Buffer.from(CARD),
    "data/test-00000-of-00002.parquet": bytes(3000, 1),
    "data/test-00001-of-00002.parquet": bytes(20_000, 2),
    "data/train-00000-of-00001.parquet": bytes(500, 3),
    "images/sub/test-00000-of-00001.parquet": bytes(4000, 4),
  };
  return serve(files, { pageSize: 2, ...extra }, token);
}

const fast = { retryBaseMs: 1 };
const repoCache = (s: HubSetup) => join(s.cache, "datasets--org--ds");

function leftovers(s: HubSetup): string[] {
  const blobs = join(repoCache(s), "blobs");
  return existsSync(blobs) ? readdirSync(blobs).filter((n) => n.includes(".incomplete")) : [];
}

describe("download into the HF cache", () => {
  it("downloads at the sha into the Python layout with relative links and refs/main", async () => {
    const s = await setup();
    const sha = s.hub.shaOf("dataset", "org/ds");
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(got.sha).toBe(sha);
    expect(got.repo).toBe("org/ds");
    expect(got.files.map((f) => f.split(`snapshots/${sha}/`)[1])).toEqual([
      "data/test-00000-of-00002.parquet",
      "data/test-00001-of-00002.parquet",
    ]);
    expect(readFileSync(got.files[1]!)).toEqual(s.files["data/test-00001-of-00002.parquet"]);
    expect(got.bytes).toBe(23_000);

    const snap = join(repoCache(s), "snapshots", sha);
    const lfsOid = sha256(s.files["data/test-00000-of-00002.parquet"]!);
    expect(readlinkSync(join(snap, "data/test-00000-of-00002.parquet"))).toBe(`../../../blobs/${lfsOid}`);
    // Small non-LFS files are named by their git blob sha1, one level less deep.
    expect(readlinkSync(join(snap, "README.md"))).toBe(`../../blobs/${gitSha1(CARD)}`);
    expect(readFileSync(join(repoCache(s), "refs", "main"), "utf8")).toBe(sha);
    expect(leftovers(s)).toEqual([]);

    // Every file request names the sha, never the branch.
    const resolves = s.hub.requests.filter((r) => r.endpoint === "resolve");
    expect(resolves.length).toBe(3);
    for (const r of resolves) expect(r.url).toContain(`/resolve/${sha}/`);
  });

  it("writes the lock, and the second run makes no request at all", async () => {
    const s = await setup();
    const first = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    const lock = JSON.parse(readFileSync(s.lockFile, "utf8"));
    expect(lock.version).toBe(1);
    const entry = lock.datasets["org/ds@default:test"];
    expect(entry).toMatchObject({
      repo: "org/ds",
      config: "default",
      split: "test",
      sha: first.sha,
      joins: {},
    });
    expect(entry.files).toEqual([
      {
        path: "data/test-00000-of-00002.parquet",
        size: 3000,
        sha256: sha256(s.files["data/test-00000-of-00002.parquet"]!),
      },
      {
        path: "data/test-00001-of-00002.parquet",
        size: 20_000,
        sha256: sha256(s.files["data/test-00001-of-00002.parquet"]!),
      },
    ]);
    const before = s.hub.requests.length;
    const second = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(s.hub.requests.length).toBe(before);
    expect(second).toMatchObject({ sha: first.sha, files: first.files, fromLock: true });
  });

  it("needs no valid token when everything is locked and cached, but rejects a bad one before a request", async () => {
    const s = await setup();
    await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    const before = s.hub.requests.length;
    const bad = { ...s.env, token: "not-a-token" };
    await expect(ensureDataset(SPEC, { env: bad, lockFile: s.lockFile })).resolves.toMatchObject({
      fromLock: true,
    });
    const err = await ensureDataset(SPEC, { env: bad, lockFile: s.lockFile, revision: "main" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/must start with 'hf_'/);
    expect(s.hub.requests.length).toBe(before);
  });

  it("keeps the locked sha when main moves, and --revision re-resolves and updates the lock", async () => {
    const s = await setup();
    const old = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    writeFileSync(join(s.root, "served/datasets/org/ds/data/test-00001-of-00002.parquet"), bytes(20_000, 9));
    const moved = s.hub.shaOf("dataset", "org/ds");
    expect(moved).not.toBe(old.sha);

    const pinned = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(pinned.sha).toBe(old.sha);
    expect(readFileSync(pinned.files[1]!)).toEqual(s.files["data/test-00001-of-00002.parquet"]);

    const updated = await ensureDataset(SPEC, {
      env: s.env,
      lockFile: s.lockFile,
      revision: "main",
      ...fast,
    });
    expect(updated.sha).toBe(moved);
    expect(readFileSync(updated.files[1]!)).toEqual(bytes(20_000, 9));
    const lock = JSON.parse(readFileSync(s.lockFile, "utf8"));
    expect(lock.datasets["org/ds@default:test"].sha).toBe(moved);
    expect(lock.datasets["org/ds@default:test"].files[1].sha256).toBe(sha256(bytes(20_000, 9)));
    // The unchanged file shares its blob between the two snapshots.
    expect(readlinkSync(old.files[0]!)).toBe(readlinkSync(updated.files[0]!));
  });

  it("repairs a damaged cache entry and refuses a lock that disagrees with the Hub", async () => {
    const s = await setup();
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    // A blob cut short (e.g. copied by hand) is detected by size and downloaded again.
    writeFileSync(got.files[1]!, bytes(100, 0));
    const again = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(readFileSync(again.files[1]!)).toEqual(s.files["data/test-00001-of-00002.parquet"]);
    // A small git blob with right size but wrong bytes is re-hashed and replaced.
    const readme = join(repoCache(s), "snapshots", got.sha, "README.md");
    writeFileSync(readme, CARD.replace("tiny", "TINY"));
    rmSync(s.lockFile);
    await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, revision: got.sha, ...fast });
    expect(readFileSync(readme, "utf8")).toBe(CARD);
    // An edited lock digest: the Hub's bytes disagree, which is an error, not a silent re-lock.
    const lock = JSON.parse(readFileSync(s.lockFile, "utf8"));
    lock.datasets["org/ds@default:test"].files[0].sha256 = "0".repeat(64);
    writeFileSync(s.lockFile, JSON.stringify(lock));
    await expect(ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast })).rejects.toThrow(
      /but the lock says 0000/,
    );
  });

  it("resolves joins at the same sha, with nested link depth right", async () => {
    const s = await setup();
    const spec: DatasetSpec = { ...SPEC, joins: [{ config: "images", split: "test" }] };
    const got = await ensureDataset(spec, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(got.joins.images).toHaveLength(1);
    expect(readFileSync(got.joins.images![0]!)).toEqual(s.files["images/sub/test-00000-of-00001.parquet"]);
    expect(readlinkSync(got.joins.images![0]!)).toBe(
      `../../../../blobs/${sha256(s.files["images/sub/test-00000-of-00001.parquet"]!)}`,
    );
    const lock = JSON.parse(readFileSync(s.lockFile, "utf8"));
    expect(lock.datasets["org/ds@default:test"].joins["images:test"]).toHaveLength(1);
  });

  it("falls back to the next repo when the first does not exist", async () => {
    const s = await setup();
    const spec: DatasetSpec = { ...SPEC, repo: "gone/ds", fallbackRepos: ["org/ds"] };
    const got = await ensureDataset(spec, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(got.repo).toBe("org/ds");
    const lock = JSON.parse(readFileSync(s.lockFile, "utf8"));
    expect(Object.keys(lock.datasets)).toEqual(["org/ds@default:test"]);
    // The locked fallback is found again without any request.
    const before = s.hub.requests.length;
    await ensureDataset(spec, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(s.hub.requests.length).toBe(before);
  });

  it("reports an unknown repo, config or split clearly", async () => {
    const s = await setup();
    const missing = ensureDataset(
      { ...SPEC, repo: "nobody/none" },
      { env: s.env, lockFile: s.lockFile, ...fast },
    );
    await expect(missing).rejects.toThrow(HubError);
    await expect(missing).rejects.toThrow(/nobody\/none.*404.*RepositoryNotFound/);
    await expect(
      ensureDataset({ ...SPEC, split: "validation" }, { env: s.env, lockFile: s.lockFile, ...fast }),
    ).rejects.toThrow(/no split 'validation' \(splits: test\)/);
    expect(existsSync(s.lockFile)).toBe(false);
  });

  it("shares one download between concurrent callers wanting the same blob", async () => {
    const s = await setup();
    s.hub.setFaults([{ kind: "delay", ms: 50 }]);
    const [a, b] = await Promise.all([
      ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast }),
      ensureDataset(SPEC, { env: s.env, lockFile: join(s.root, "lock2.json"), ...fast }),
    ]);
    expect(a.files).toEqual(b.files);
    expect(s.hub.requests.filter((r) => r.file === "data/test-00001-of-00002.parquet")).toHaveLength(1);
    expect(readFileSync(a.files[1]!)).toEqual(s.files["data/test-00001-of-00002.parquet"]);
  });

  it("reads small texts through the cache and remembers missing files", async () => {
    const s = await setup();
    const sha = await resolveRevision({ kind: "dataset", id: "org/ds" }, "main", { env: s.env });
    expect(await readRepoText({ kind: "dataset", id: "org/ds" }, sha, "README.md", { env: s.env })).toBe(
      CARD,
    );
    expect(await readRepoText({ kind: "dataset", id: "org/ds" }, sha, "nope.md", { env: s.env })).toBeNull();
    const before = s.hub.requests.length;
    expect(await readRepoText({ kind: "dataset", id: "org/ds" }, sha, "README.md", { env: s.env })).toBe(
      CARD,
    );
    expect(await readRepoText({ kind: "dataset", id: "org/ds" }, sha, "nope.md", { env: s.env })).toBeNull();
    expect(s.hub.requests.length).toBe(before);
  });
});

describe("retries on real faults", () => {
  const BIG = "data/test-00001-of-00002.parquet";
  const count = (s: HubSetup, path: string) => s.hub.requests.filter((r) => r.file === path).length;

  it.each([
    ["HTTP 500 three times", { kind: "status", status: 500 } as const],
    ["HTTP 429 with Retry-After", { kind: "status", status: 429, retryAfter: 0 } as const],
    ["a connection reset mid-body", { kind: "reset", afterBytes: 5000 } as const],
    ["a truncated body", { kind: "truncate", sendBytes: 7000 } as const],
    ["wrong bytes (sha256 mismatch)", { kind: "corrupt" } as const],
  ])("recovers from %s", async (_label, fault) => {
    const s = await setup();
    s.hub.setFaults([{ ...fault, path: BIG, times: 3 }]);
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
    expect(count(s, BIG)).toBe(4);
    expect(s.hub.requests.filter((r) => r.fault !== undefined)).toHaveLength(3);
    expect(leftovers(s)).toEqual([]);
  });

  it("resumes a cut download with a Range request and still verifies the whole file", async () => {
    const s = await setup();
    s.hub.setFaults([{ kind: "truncate", path: BIG, sendBytes: 7000, times: 1 }]);
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
    const ranges = s.hub.requests.filter((r) => r.file === BIG).map((r) => r.range);
    expect(ranges).toEqual([undefined, "bytes=7000-"]);
    expect(leftovers(s)).toEqual([]);
  });

  it("resumes from the partial file a killed process left behind", async () => {
    const s = await setup();
    const blobs = join(repoCache(s), "blobs");
    mkdirSync(blobs, { recursive: true });
    const oid = sha256(s.files[BIG]!);
    // pid 2^22+1 is above Linux's pid_max default, so no such process is alive.
    writeFileSync(join(blobs, `${oid}.4194305.abc123.incomplete`), s.files[BIG]!.subarray(0, 9000));
    writeFileSync(join(blobs, `${oid}.4194306.def456.incomplete`), s.files[BIG]!.subarray(0, 100));
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
    expect(s.hub.requests.filter((r) => r.file === BIG).map((r) => r.range)).toEqual(["bytes=9000-"]);
    expect(leftovers(s)).toEqual([]);
  });

  it("starts over when resumed bytes turn out wrong", async () => {
    const s = await setup();
    s.hub.setFaults([
      { kind: "truncate", path: BIG, sendBytes: 7000, times: 1 },
      { kind: "corrupt", path: BIG, times: 1 },
    ]);
    const got = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(readFileSync(got.files[1]!)).toEqual(s.files[BIG]);
    const ranges = s.hub.requests.filter((r) => r.file === BIG).map((r) => r.range);
    expect(ranges).toEqual([undefined, "bytes=7000-", undefined]);
  });

  it("verifies small (git) files too: corrupted README bytes are retried", async () => {
    const s = await setup();
    s.hub.setFaults([{ kind: "corrupt", path: "README.md", times: 1 }]);
    await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(count(s, "README.md")).toBe(2);
  });

  it.each([
    ["wrong bytes", { kind: "corrupt" } as const, /sha256 mismatch/],
    ["HTTP 503", { kind: "status", status: 503 } as const, /HTTP 503/],
    ["truncation", { kind: "truncate" } as const, /truncated|terminated|other side closed|network error/],
  ])("gives up on endless %s with HubError exit 3 and leaves no file behind", async (_l, fault, pattern) => {
    const s = await setup();
    s.hub.setFaults([{ ...fault, path: BIG }]);
    const err = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, retries: 2, ...fast }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HubError);
    const e = err as HubError;
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain(BIG);
    expect(e.message).toContain("org/ds");
    expect(e.message).toMatch(/after 3 attempts/);
    expect(e.message).toMatch(pattern);
    expect(e.hint).toMatch(/HF_ENDPOINT/);
    expect(count(s, BIG)).toBe(3);
    const sha = s.hub.shaOf("dataset", "org/ds");
    expect(existsSync(join(repoCache(s), "snapshots", sha, BIG))).toBe(false);
    expect(existsSync(join(repoCache(s), "blobs", sha256(s.files[BIG]!)))).toBe(false);
    expect(leftovers(s)).toEqual([]);
    expect(existsSync(s.lockFile)).toBe(false);
  });

  it("retries API calls (revision, tree pages, paths-info) as well", async () => {
    const s = await setup();
    s.hub.setFaults([
      { kind: "status", status: 502, endpoint: "revision", times: 2 },
      { kind: "status", status: 500, endpoint: "tree", times: 2 },
      { kind: "reset", endpoint: "paths-info", times: 1 },
    ]);
    const sha = await resolveRevision({ kind: "dataset", id: "org/ds" }, "main", { env: s.env, ...fast });
    const files = await listRepoFiles({ kind: "dataset", id: "org/ds" }, sha, { env: s.env, ...fast });
    expect(files.map((f) => f.path)).toEqual(Object.keys(s.files).sort());
    const local = await downloadFiles(
      { kind: "dataset", id: "org/ds" },
      sha,
      ["data/train-00000-of-00001.parquet"],
      {
        env: s.env,
        ...fast,
      },
    );
    expect(readFileSync(local["data/train-00000-of-00001.parquet"]!)).toEqual(
      s.files["data/train-00000-of-00001.parquet"],
    );
    expect(s.hub.requests.filter((r) => r.fault !== undefined)).toHaveLength(5);
  });

  it("reports progress up to each file's size", async () => {
    const s = await setup();
    const seen = new Map<string, number>();
    await ensureDataset(SPEC, {
      env: s.env,
      lockFile: s.lockFile,
      onProgress: (p) => seen.set(p.path, Math.max(seen.get(p.path) ?? 0, p.bytes)),
    });
    expect(seen.get(BIG)).toBe(20_000);
  });
});

describe("offline mode", () => {
  it("serves a fetched dataset from the cache with zero requests (lock or refs/main)", async () => {
    const s = await setup();
    const online = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    const before = s.hub.requests.length;
    const offline = { ...s.env, offline: true };
    expect(await ensureDataset(SPEC, { env: offline, lockFile: s.lockFile })).toMatchObject({
      sha: online.sha,
      files: online.files,
    });
    // Without the lock: refs/main, the cached card and the cached snapshot answer.
    rmSync(s.lockFile);
    expect(await ensureDataset(SPEC, { env: offline, lockFile: s.lockFile })).toMatchObject({
      sha: online.sha,
      files: online.files,
    });
    expect(s.hub.requests.length).toBe(before);
    expect(existsSync(s.lockFile)).toBe(false);
  });

  it("never opens a socket: a closed endpoint still works from the cache", async () => {
    const s = await setup();
    await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    await s.hub.close();
    open.splice(open.indexOf(s.hub), 1);
    const env = hubEnv({
      HF_ENDPOINT: s.hub.url,
      HF_HUB_CACHE: s.cache,
      HF_HUB_OFFLINE: "1",
      HF_TOKEN: "not-a-token",
    });
    const got = await ensureDataset(SPEC, { env, lockFile: s.lockFile });
    expect(got.files).toHaveLength(2);
  });

  it("fails with OfflineError naming the missing file and repo, and how to fix it", async () => {
    const s = await setup();
    await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    const sha = s.hub.shaOf("dataset", "org/ds");
    rmSync(join(repoCache(s), "snapshots", sha, "data/test-00001-of-00002.parquet"));
    const before = s.hub.requests.length;
    const err = await ensureDataset(SPEC, { env: { ...s.env, offline: true }, lockFile: s.lockFile }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OfflineError);
    expect((err as OfflineError).exitCode).toBe(3);
    expect((err as OfflineError).message).toContain("data/test-00001-of-00002.parquet");
    expect((err as OfflineError).message).toContain("org/ds");
    expect((err as OfflineError).hint).toContain("fastvlm-eval fetch");
    expect(s.hub.requests.length).toBe(before);
  });

  it("fails clearly when nothing was ever fetched", async () => {
    const s = await setup();
    const err = await ensureDataset(SPEC, { env: { ...s.env, offline: true }, lockFile: s.lockFile }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OfflineError);
    expect((err as Error).message).toMatch(/org\/ds.*not in the cache/);
    expect(s.hub.requests).toHaveLength(0);
  });
});

describe("path safety", () => {
  it("refuses a listing with paths that would escape the snapshot folder", async () => {
    for (const evil of ["../../../evil.parquet", "/etc/evil.parquet", "data\\..\\x.parquet"]) {
      const s = await setup({
        extraRoutes: [
          (_req, res, url) => {
            if (!url.pathname.includes("/tree/")) return false;
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify([{ type: "file", path: evil, size: 3, oid: "a".repeat(40) }]));
            return true;
          },
        ],
      });
      const sha = s.hub.shaOf("dataset", "org/ds");
      await expect(
        listRepoFiles({ kind: "dataset", id: "org/ds" }, sha, { env: s.env, ...fast }),
      ).rejects.toThrow(/Refusing file path/);
      expect(existsSync(join(s.root, "evil.parquet"))).toBe(false);
    }
  });

  it("refuses unsafe requested paths before any request", async () => {
    const s = await setup();
    const sha = s.hub.shaOf("dataset", "org/ds");
    await expect(
      downloadFiles({ kind: "dataset", id: "org/ds" }, sha, ["../x"], { env: s.env }),
    ).rejects.toThrow(/Refusing file path "..\/x"/);
    expect(s.hub.requests).toHaveLength(0);
  });
});

describe("the token", () => {
  it("is sent to the Hub but never lands in errors, warnings or the lock", async () => {
    const s = await setup({ gated: { token: TOKEN, repos: ["datasets/org/ds"] } }, TOKEN);
    await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast });
    expect(s.hub.requests.length).toBeGreaterThan(0);
    for (const r of s.hub.requests) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    expect(readFileSync(s.lockFile, "utf8")).not.toContain(TOKEN);

    // A hostile server that echoes the credential in its error bodies.
    s.hub.addRoute((req, res) => {
      res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: `bad ${req.headers.authorization}` }));
      return true;
    });
    const err = await ensureDataset(SPEC, {
      env: s.env,
      lockFile: join(s.root, "other.json"),
      revision: "main",
      retries: 1,
      ...fast,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    const text = `${(err as HubError).message}\n${(err as HubError).hint}\n${String((err as Error).stack)}`;
    expect(text).toContain("HTTP 500");
    expect(text).not.toContain("TestTokenAbcdef");
  });

  it("a gated repo without a token says to set HF_TOKEN", async () => {
    const s = await setup({ gated: { token: TOKEN, repos: ["datasets/org/ds"] } });
    const err = await ensureDataset(SPEC, { env: s.env, lockFile: s.lockFile, ...fast }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).message).toMatch(/HTTP 401/);
    expect((err as HubError).hint).toMatch(/HF_TOKEN/);
  });
});
