/**
 * HubOptions.fetch is the one door to the network: every request a Hub call makes — revision info, the
 * X-Repo-Commit fallback, tree pages, paths-info, the blob GETs and their retries — goes
 * through the injected fetch, checked against the fake Hub's own log of what reached it.
 */
import { describe, expect, it } from "vitest";
import { downloadFiles, listRepoFiles, readRepoText, resolveRevision } from "../../src/hub/index.js";
import type { HubOptions } from "../../src/hub/types.js";
import type { FakeHubOptions } from "../helpers/fake-hub.js";
import { bytes, type HubSetup, useHubDatasets } from "../helpers/hub-dataset.js";

const { setup: serve } = useHubDatasets("hub-fetch-");
const REPO = { kind: "dataset" as const, id: "org/ds" };

function setup(extra: Partial<FakeHubOptions> = {}): Promise<HubSetup> {
  return serve(
    {
      "README.md": Buffer.from("# A tiny dataset\n"),
      "data/a.parquet": bytes(30_000, 1),
      "data/b.parquet": bytes(12_000, 2),
      "notes.txt": bytes(900, 3),
    },
    { pageSize: 2, ...extra },
  );
}

/** A fetch that records each call's method and path, then asks the real one. */
function recordingFetch(): { fetch: typeof fetch; seen: string[] } {
  const seen: string[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    seen.push(`${method} ${url.pathname}${url.search}`);
    return fetch(input, init);
  };
  return { fetch: recording, seen };
}

/** What reached the fake Hub, in the same shape. */
const served = (s: HubSetup): string[] => s.hub.requests.map((r) => `${r.method} ${r.url}`);

async function everyCall(s: HubSetup, opts: HubOptions): Promise<void> {
  const sha = await resolveRevision(REPO, "main", opts);
  const files = await listRepoFiles(REPO, sha, opts);
  expect(files.map((f) => f.path)).toEqual(["README.md", "data/a.parquet", "data/b.parquet", "notes.txt"]);
  await downloadFiles(REPO, sha, ["data/a.parquet", "notes.txt"], opts);
  expect(await readRepoText(REPO, sha, "README.md", opts)).toBe("# A tiny dataset\n");
  expect(await readRepoText(REPO, sha, "missing.md", opts)).toBeNull();
  expect(s.hub.requests.length).toBeGreaterThan(0);
}

describe("an injected fetch", () => {
  it("sees every request: revision, listing pages, paths-info and the blob downloads", async () => {
    const s = await setup();
    const rec = recordingFetch();
    await everyCall(s, { env: s.env, retryBaseMs: 1, fetch: rec.fetch });
    const endpoints = new Set(s.hub.requests.map((r) => r.endpoint));
    for (const e of ["revision", "tree", "paths-info", "resolve"] as const) expect(endpoints).toContain(e);
    expect(rec.seen).toEqual(served(s));
  });

  it("sees the X-Repo-Commit fallback, the listing standing in for paths-info, and the retries of a cut or refused download", async () => {
    const s = await setup({
      variant: { noRevisionSha: true, noPathsInfo: true },
      faults: [
        { kind: "reset", path: "data/a.parquet", times: 1 },
        { kind: "status", status: 503, path: "notes.txt", times: 1 },
      ],
    });
    const rec = recordingFetch();
    await everyCall(s, { env: s.env, retryBaseMs: 1, fetch: rec.fetch });
    const resolves = s.hub.requests.filter((r) => r.endpoint === "resolve");
    expect(resolves.some((r) => r.method === "HEAD")).toBe(true);
    // The cut connection sends less than the whole file, so the blob is fetched again (resumed when bytes landed).
    expect(resolves.filter((r) => r.file === "data/a.parquet" && r.method === "GET").length).toBeGreaterThan(
      1,
    );
    expect(s.hub.requests.some((r) => r.fault === "status")).toBe(true);
    expect(rec.seen).toEqual(served(s));
  });

  it("is the only way out: a fetch that refuses makes the call fail with a Hub error and nothing reaches the Hub", async () => {
    const s = await setup();
    const refuse: typeof fetch = () => Promise.reject(new TypeError("fetch refused by the test"));
    await expect(resolveRevision(REPO, "main", { env: s.env, retries: 0, fetch: refuse })).rejects.toThrow(
      /fetch refused by the test/,
    );
    const sha = s.hub.shaOf("dataset", "org/ds");
    await expect(
      downloadFiles(REPO, sha, ["notes.txt"], { env: s.env, retries: 0, fetch: refuse }),
    ).rejects.toThrow(/network error/);
    expect(s.hub.requests).toEqual([]);
  });
});
