/**
 * `fastvlm-eval view` in headless Chromium, as a new user meets it: runs made by `run` against a fake Hub,
 * the viewer started offline on their folder, the page driven by role and name. Counts are checked against
 * samples.jsonl and `compare --json`; hostile outputs must stay text; no console errors; no request leaves
 * the viewer's origin. The static export is then opened from file:// and must show the same table.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunRecord } from "../../src/core/records.js";
import { findRunDirs } from "../../src/report/runs.js";
import { type FixtureHub, runCli, startFixtureHub } from "../e2e/run-helpers.js";
import {
  CHROMIUM,
  EVIL,
  launch,
  makeRuns,
  records,
  sampleCount,
  startViewer,
  watchedPage,
} from "./view-helpers.js";

describe.skipIf(!existsSync(CHROMIUM))("view in Chromium", () => {
  let fx: FixtureHub;
  let browser: Browser;
  let viewer: { url: string; child: ChildProcess; stderr: () => string };
  let base: string;
  let evilPope: string;
  let randomPope: string;

  beforeAll(async () => {
    fx = await startFixtureHub({}, "view-browser-");
    await makeRuns(fx, ["pope"], `baseline:constant=${EVIL}`, "runs/a");
    await makeRuns(fx, ["pope", "gqa"], "baseline:random", "runs/b");
    const dirs = findRunDirs(join(fx.work, "runs"));
    evilPope = dirs.find((d) => d.includes(join("runs", "a")) && d.includes("pope"))!;
    randomPope = dirs.find((d) => d.includes(join("runs", "b")) && d.includes("pope"))!;
    viewer = await startViewer(["runs"], { ...fx.env, HF_HUB_OFFLINE: "1" }, fx.work);
    base = viewer.url.replace(/^viewer: /, "");
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    viewer?.child.kill("SIGTERM");
    await fx?.close();
  });

  const keyOf = (dir: string) => dir.split("/").pop()!;
  const hashOf = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);

  it("prints its loopback URL first, lists the runs, and filters a run's table server-side", async () => {
    expect(viewer.url).toMatch(/^viewer: http:\/\/127\.0\.0\.1:\d+\/$/);
    const { page, errors, requests, dialogs } = await watchedPage(browser);
    await page.goto(base);
    const runRows = page.locator("tbody tr");
    await expect.poll(() => runRows.count()).toBe(3);

    const recs = records(randomPope);
    await page
      .locator(`tr[data-key="${keyOf(randomPope)}"]`)
      .getByRole("link", { name: "pope v1" })
      .click();
    await expect.poll(() => hashOf(page)).toBe(`#run=${keyOf(randomPope)}`);
    await expect.poll(() => sampleCount(page)).toBe(recs.length);
    expect(await page.locator("table tbody tr").count()).toBe(Math.min(50, recs.length));

    await page.getByRole("combobox", { name: "Show" }).selectOption("wrong");
    const wrong = recs.filter((r) => !(r.score !== null && r.score >= 0.5));
    await expect.poll(() => sampleCount(page)).toBe(wrong.length);
    const shown = await page
      .locator("tbody tr")
      .evaluateAll((trs) => trs.map((t) => t.getAttribute("data-id")));
    expect(shown.sort()).toEqual(wrong.map((r) => r.id).sort());
    expect(await hashOf(page)).toContain("show=wrong");

    // Search covers the question (from the dataset): every POPE prompt says "in the image".
    await page.getByRole("combobox", { name: "Show" }).selectOption("all");
    await page.getByRole("searchbox", { name: "Search" }).fill("in the image");
    await expect.poll(() => hashOf(page)).toContain("q=in");
    await expect.poll(() => sampleCount(page)).toBe(recs.length);
    await page.getByRole("searchbox", { name: "Search" }).fill("no such text anywhere");
    await expect.poll(() => sampleCount(page)).toBe(0);

    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(base))).toEqual([]);
    await page.close();
  });

  it("opens a sample with its decoded image, fields and keyboard navigation", async () => {
    const { page, errors, requests } = await watchedPage(browser);
    const recs = records(randomPope);
    await page.goto(`${base}#run=${keyOf(randomPope)}`);
    await expect.poll(() => sampleCount(page)).toBe(recs.length);
    await page.keyboard.press("j");
    await page.keyboard.press("Enter");
    const second = recs[1]!.id;
    await expect.poll(() => hashOf(page)).toContain(`sample=${second}`);
    const img = page.getByRole("img", { name: new RegExp(`sample ${second}`) });
    await expect
      .poll(() => img.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    const body = (await page.textContent("main")) ?? "";
    expect(body).toContain("in the image");
    expect(body).toContain("Raw generation");
    expect(body).toContain("Stage timings");
    // A baseline ran no model (run.json model.clock "none", written by the runner from the registry): its
    // stored 0 ms stages are shown as unobserved, not as 0.0 ms, and it has no TTFT.
    expect(readRunRecord(randomPope).model.clock).toBe("none");
    expect(body).toMatch(/preprocess –, vision –, prefill –, ttft –, decode –, total \d/);
    expect(body).not.toMatch(/ttft 0\.0 ms/);
    expect(body).toContain("none: no model ran");
    await page.keyboard.press("k");
    await expect.poll(() => hashOf(page)).toContain(`sample=${recs[0]!.id}`);
    await page.keyboard.press("Escape");
    await expect.poll(() => hashOf(page)).not.toContain("sample=");
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(base))).toEqual([]);
    await page.close();
  });

  it("keeps hostile model outputs and names as inert text", async () => {
    const { page, errors, dialogs } = await watchedPage(browser);
    await page.goto(`${base}#run=${keyOf(evilPope)}`);
    await expect.poll(() => sampleCount(page)).toBeGreaterThan(0);
    const cells = await page.locator("tbody td").allTextContents();
    expect(cells.filter((t) => t === EVIL).length).toBeGreaterThan(0);
    expect(await page.locator("main script, main img[src='x']").count()).toBe(0);
    await page.locator("tbody tr").first().click();
    await expect.poll(() => hashOf(page)).toContain("sample=");
    await expect
      .poll(async () => (await page.locator("pre").allTextContents()).some((t) => t.includes(EVIL)))
      .toBe(true);
    expect(await page.locator("main script, main img[src='x']").count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("compares two runs with compare --json's flip counts and interval", async () => {
    const cmp = await runCli(["compare", evilPope, randomPope, "--json"], fx.env, fx.work);
    expect(cmp.code).toBe(0);
    const entry = (
      JSON.parse(cmp.stdout) as {
        delta: number;
        ci: [number, number];
        flips: { rightToWrong: number; wrongToRight: number };
      }[]
    )[0]!;
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${base}#run=${keyOf(randomPope)}&vs=${keyOf(evilPope)}`);
    await expect.poll(() => sampleCount(page)).toBeGreaterThan(0);
    const text = (await page.textContent("main")) ?? "";
    expect(text).toContain(
      `right→wrong ${entry.flips.rightToWrong}, wrong→right ${entry.flips.wrongToRight}`,
    );
    const pts = (v: number) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(2)}`;
    expect(text).toContain(`${pts(entry.delta)} pts, 95% CI [${pts(entry.ci[0])}, ${pts(entry.ci[1])}]`);
    await page.getByRole("combobox", { name: "Show" }).selectOption("w2r");
    await expect.poll(() => sampleCount(page)).toBe(entry.flips.wrongToRight);
    await page.getByRole("combobox", { name: "Show" }).selectOption("r2w");
    await expect.poll(() => sampleCount(page)).toBe(entry.flips.rightToWrong);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("exports a folder that shows the same table and thumbnails from file://", async () => {
    const out = join(fx.work, "export");
    const r = await runCli(["view", "runs", "--export", out], { ...fx.env, HF_HUB_OFFLINE: "1" }, fx.work);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^export: .*index\.html\n$/);
    const thumbs = readdirSync(join(out, "thumbs"), { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    );
    expect(thumbs.length).toBeGreaterThan(0);
    for (const t of thumbs) expect(statSync(join(t.parentPath, t.name)).size).toBeGreaterThan(0);

    const { page, errors, requests, dialogs } = await watchedPage(browser);
    const url = pathToFileURL(join(out, "index.html")).href;
    const recs = records(randomPope);
    await page.goto(`${url}#run=${keyOf(randomPope)}`);
    await expect.poll(() => sampleCount(page)).toBe(recs.length);
    await page.getByRole("combobox", { name: "Show" }).selectOption("wrong");
    const wrong = recs.filter((x) => !(x.score !== null && x.score >= 0.5));
    await expect.poll(() => sampleCount(page)).toBe(wrong.length);
    const first = wrong[0]!.id;
    const thumb = page.getByRole("img", { name: `sample ${first}` });
    await expect
      .poll(() => thumb.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    await page.goto(`${url}#run=${keyOf(evilPope)}`);
    await expect.poll(() => sampleCount(page)).toBeGreaterThan(0);
    // Under a tiny cap, fewer thumbnails, and the page says what was left out.
    const small = join(fx.work, "export-small");
    const capped = await runCli(
      ["view", "runs", "--export", small, "--max-size", "0.001"],
      { ...fx.env, HF_HUB_OFFLINE: "1" },
      fx.work,
    );
    expect(capped.code).toBe(0);
    const fewer = existsSync(join(small, "thumbs"))
      ? readdirSync(join(small, "thumbs"), { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      : [];
    expect(fewer.length).toBeLessThan(thumbs.length);
    expect(capped.stderr).toMatch(
      /Left out to stay under 0\.001 MB: \d+ thumbnail\(s\) and \d+ sample detail\(s\)/,
    );
    await page.goto(pathToFileURL(join(small, "index.html")).href);
    await expect.poll(() => page.getByText(/Left out to stay under/).count()).toBe(1);
    expect(await page.locator("main script, main img[src='x']").count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(pathToFileURL(fx.work).href))).toEqual([]);
    await page.close();
  });

  it("links each leaderboard score to its run in the exported viewer", async () => {
    const lb = await runCli(
      ["leaderboard", "--runs", "runs", "--out", "lb", "--viewer", "../export/index.html"],
      fx.env,
      fx.work,
    );
    expect(lb.code).toBe(0);
    const { page, errors } = await watchedPage(browser);
    await page.goto(pathToFileURL(join(fx.work, "lb", "index.html")).href);
    const links = page.getByTitle("samples in the viewer");
    // Two models on pope, one on gqa.
    await expect.poll(() => links.count()).toBe(3);
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
    expect(hrefs).toContain(`../export/index.html#run=${keyOf(randomPope)}`);
    await page.locator(`a[href$="#run=${keyOf(randomPope)}"]`).click();
    await expect.poll(() => sampleCount(page)).toBe(records(randomPope).length);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("finds joined images (GQA's images config) and decodes them", async () => {
    const gqa = findRunDirs(join(fx.work, "runs")).find((d) => d.includes("gqa"))!;
    const id = records(gqa)[3]!.id;
    const sharp = (await import("sharp")).default;
    for (const size of ["thumb", "full"]) {
      const res = await fetch(
        `${base}api/runs/${keyOf(gqa)}/image?id=${encodeURIComponent(id)}&k=0&size=${size}`,
      );
      expect(res.status).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(meta.width ?? 0).toBeGreaterThan(0);
    }
  });
});
