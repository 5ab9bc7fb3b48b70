/**
 * The viewer's HTTP API over constructed runs: server-side filter/sort/search/paging against values
 * computed here from the planted scores, the torn-tail and duplicate rules of samples.jsonl, a dataset
 * absent from the cache, and the safety rules (only given runs, no path reaches the disk, loopback Host only).
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ViewApi } from "../../src/view/api.js";
import { Catalog } from "../../src/view/catalog.js";
import { notCachedMessage } from "../../src/view/dataset-index.js";
import { parseSampleQuery, type SamplePage } from "../../src/view/query.js";
import { startViewServer, type ViewServer } from "../../src/view/server.js";
import { binaryScores, latencies, makeRun, tempDir } from "../unit/report-fixtures.js";

const N = 120;
let server: ViewServer;
let root: string;
const scores = binaryScores(N, 0.6, 3).map((s, i) => (i % 7 === 0 ? 0.25 + (i % 3) * 0.25 : s));
const failed = [5, 17, 40];
const ttft = latencies(N, 100, 0.3);

async function get(path: string): Promise<Response> {
  return fetch(new URL(path, server.url));
}
async function page(query: string, key = "r-docvqa-a"): Promise<SamplePage> {
  const res = await get(`/api/runs/${key}/samples?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as SamplePage;
}

beforeAll(async () => {
  root = tempDir("fastvlm-view-api-");
  const predictions = scores.map((_, i) => (i === 9 ? "The Needle answer" : `answer ${i}`));
  await makeRun(join(root, "a", "docvqa"), { scores, model: "a", failed, ttft, predictions });
  const cand = scores.map((s, i) => (i < 30 ? 1 - Math.round(s) : s));
  await makeRun(join(root, "b", "docvqa"), { scores: cand, model: "b", ttft });
  // A torn last line (a crash mid-write) and a rewritten duplicate of s0001.
  const file = join(root, "b", "docvqa", "samples.jsonl");
  appendFileSync(
    file,
    `${JSON.stringify({ id: "s0001", prediction: "again", parsed: null, parseOk: true, rule: "exact", score: 1, reference: {}, error: null, timing: null, concurrency: 1 })}\n{"id":"s9`,
  );
  mkdirSync(join(root, "secret"), { recursive: true });
  writeFileSync(join(root, "secret", "key.txt"), "TOP SECRET");
  const catalog = Catalog.open([join(root, "a"), join(root, "b")]);
  server = await startViewServer(new ViewApi(catalog), { port: 0 });
});

afterAll(async () => {
  await server?.close();
});

describe("view API", () => {
  it("lists the given runs with their metric and counts", async () => {
    const body = (await (await get("/api/runs")).json()) as {
      runs: { key: string; counts: { failed: number } }[];
    };
    expect(body.runs.map((r) => r.key)).toEqual(["r-docvqa-a", "r-docvqa-b"]);
    expect(body.runs[0]!.counts.failed).toBe(failed.length);
  });

  it("filters, searches, sorts and pages on the server", async () => {
    const wrong = scores.filter((s, i) => failed.includes(i) || s < 0.5).length;
    expect((await page("show=all")).total).toBe(N);
    expect((await page("show=wrong")).total).toBe(wrong);
    expect((await page("show=right")).total).toBe(N - wrong);
    expect((await page("show=errors")).total).toBe(failed.length);
    const mid = scores.filter((s, i) => !failed.includes(i) && s >= 0.25 && s <= 0.75).length;
    expect((await page("min=0.25&max=0.75")).total).toBe(mid);
    const hit = await page("q=needle");
    expect(hit.rows.map((r) => r.id)).toEqual(["s0009"]);
    const byScore = await page("sort=score&dir=desc&limit=500");
    const got = byScore.rows.map((r) => r.score);
    const expected = scores
      .map((s, i) => (failed.includes(i) ? null : s))
      .sort((x, y) => (x === null ? 1 : y === null ? -1 : y - x));
    expect(got).toEqual(expected);
    const p2 = await page("limit=50&offset=100");
    expect(p2.rows.map((r) => r.id)).toEqual(
      Array.from({ length: N - 100 }, (_, i) => `s${String(100 + i).padStart(4, "0")}`),
    );
    const fastest = await page("sort=ttft&limit=1");
    expect(fastest.rows[0]!.ttft).toBe(Math.min(...ttft));
  });

  it("skips a torn last line and keeps the later record of a duplicated id", async () => {
    const all = await page("limit=500", "r-docvqa-b");
    expect(all.total).toBe(N);
    expect(all.rows[1]!.id).toBe("s0001");
    expect(all.rows[1]!.prediction).toBe("again");
  });

  it("marks flips with compare's notion of right", async () => {
    const r2w = await page("show=r2w&vs=r-docvqa-a&limit=500", "r-docvqa-b");
    const w2r = await page("show=w2r&vs=r-docvqa-a&limit=500", "r-docvqa-b");
    // s0001 was rewritten to score 1 in b, and failed samples of a count as wrong.
    const right = (s: number | null) => s !== null && s >= 0.5;
    const a = scores.map((s, i) => (failed.includes(i) ? null : s));
    const b = scores.map((s, i) => (i === 1 ? 1 : i < 30 ? 1 - Math.round(s) : s));
    expect(r2w.total).toBe(a.filter((s, i) => right(s) && !right(b[i]!)).length);
    expect(w2r.total).toBe(a.filter((s, i) => !right(s) && right(b[i]!)).length);
    expect(r2w.total + w2r.total).toBeGreaterThan(0);
    const cmp = (await (await get("/api/compare?a=r-docvqa-a&b=r-docvqa-b")).json()) as {
      entry: { flips: { rightToWrong: number; wrongToRight: number } };
    };
    expect(cmp.entry.flips).toEqual({ rightToWrong: r2w.total, wrongToRight: w2r.total });
  });

  it("shows a sample whose dataset is not cached, with the fetch hint instead of an image", async () => {
    const res = await get("/api/runs/r-docvqa-a/sample?id=s0003&show=all");
    const d = (await res.json()) as { record: { id: string }; imageNote: string; prev: string; next: string };
    expect(d.record.id).toBe("s0003");
    expect(d.imageNote).toBe(notCachedMessage("docvqa"));
    expect([d.prev, d.next]).toEqual(["s0002", "s0004"]);
    expect((await get("/api/runs/r-docvqa-a/image?id=s0003&k=0")).status).toBe(404);
  });

  it("serves nothing but its runs: no path reaches the file system", async () => {
    for (const path of [
      "/secret/key.txt",
      "/../secret/key.txt",
      "/api/runs/..%2Fsecret/samples",
      "/api/runs/r-docvqa-a/..%2F..%2Fsecret%2Fkey.txt",
      "/api/runs/r-docvqa-a/samples.jsonl",
      "/api/runs/nope/samples",
      "/index.html",
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain("TOP SECRET");
    }
    expect((await fetch(new URL("/api/runs", server.url), { method: "POST" })).status).toBe(405);
  });

  it("refuses a foreign Host (DNS rebinding) and sends a CSP with the page", async () => {
    // fetch may not set Host; node:http may.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        new URL("/api/runs", server.url),
        { headers: { Host: "attacker.example" } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(421);
    const pageRes = await get("/");
    expect(pageRes.status).toBe(200);
    const csp = pageRes.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await pageRes.text();
    expect(html).not.toMatch(/<(link|iframe)\b|src=|https?:\/\//);
  });
});

describe("view API and the run's clock", () => {
  it("gives runs without an on-device clock no TTFT, in the summary and in the rows", async () => {
    const dir = tempDir("fastvlm-view-clock-");
    const t = latencies(8, 50);
    await makeRun(join(dir, "dev", "docvqa"), { scores: binaryScores(8, 0.5), model: "dev", ttft: t });
    await makeRun(join(dir, "base", "docvqa"), {
      scores: binaryScores(8, 0.5),
      model: "base",
      ttft: t,
      clock: "none",
    });
    const api = new ViewApi(Catalog.open([join(dir, "dev"), join(dir, "base")]));
    const byModel = new Map(api.runs().runs.map((r) => [r.model, r]));
    expect(byModel.get("dev")).toMatchObject({ clock: "device", ttft: { p50: expect.any(Number) } });
    expect(byModel.get("base")).toMatchObject({ clock: "none", ttft: null });
    const rowsOf = async (model: string) =>
      (
        await api.samples(
          byModel.get(model)!.key,
          parseSampleQuery(() => null),
        )
      ).rows;
    expect((await rowsOf("dev")).some((r) => r.ttft !== null)).toBe(true);
    expect((await rowsOf("base")).map((r) => r.ttft)).toEqual(Array.from({ length: 8 }, () => null));
  });
});
