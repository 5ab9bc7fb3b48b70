/**
 * The leaderboard page in headless Chromium: rows render, headers sort, one scatter point per row, hostile
 * model names stay text, no console errors and no network requests.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLISHED } from "../../src/report/card-reference.js";
import { buildLeaderboard, validateLeaderboard } from "../../src/report/leaderboard.js";
import { binaryScores, latencies, makeRun, tempDir } from "../unit/report-fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const EVIL = "<script>alert(1)</script>";

describe.skipIf(!existsSync(CHROMIUM))("leaderboard page in Chromium", () => {
  let browser: Browser;
  let page: string;
  let outDir: string;

  beforeAll(async () => {
    const root = tempDir("fastvlm-lb-");
    const runs = join(root, "predictions");
    await makeRun(join(runs, "fast", "docvqa"), {
      scores: binaryScores(40, 0.6),
      model: "fast",
      ttft: latencies(8, 100),
    });
    await makeRun(join(runs, "fast", "pope"), {
      task: "pope",
      scores: binaryScores(40, 0.9),
      model: "fast",
      ttft: latencies(8, 90),
    });
    await makeRun(join(runs, "evil", "docvqa"), {
      scores: binaryScores(40, 0.8),
      model: EVIL,
      ttft: latencies(8, 300),
    });
    await makeRun(join(runs, "slow", "docvqa"), {
      scores: binaryScores(40, 0.5),
      model: "slow",
      ttft: latencies(8, 400),
    });
    await makeRun(join(runs, "partial", "docvqa"), { scores: [1], model: "partial", status: "partial" });
    outDir = join(root, "leaderboard");
    buildLeaderboard({ runsDir: runs, outDir });
    page = pathToFileURL(join(outDir, "index.html")).href;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--headless",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("writes a schema-valid leaderboard.json with one row per model and no partial runs", () => {
    const lb: unknown = JSON.parse(readFileSync(join(outDir, "leaderboard.json"), "utf8"));
    expect(validateLeaderboard(lb)).toEqual([]);
    const names = (lb as { rows: { model: { name: string } }[] }).rows.map((r) => r.model.name).sort();
    expect(names).toEqual([EVIL, "fast", "slow"].sort());
    const html = readFileSync(join(outDir, "index.html"), "utf8");
    expect(html).not.toContain(EVIL);
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("renders, sorts on click, plots one point per row, keeps names as text, makes no requests", async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    let dialogs = 0;
    tab.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    tab.on("pageerror", (e) => errors.push(e.message));
    tab.on("request", (r) => requests.push(r.url()));
    tab.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    await tab.goto(page);

    const models = () =>
      tab.$$eval("#lb-table tbody tr[data-row] td:first-child", (tds) => tds.map((t) => t.textContent));
    // Default: average, descending (evil 80, fast 75, slow 50).
    expect(await models()).toEqual([EVIL, "fast", "slow"]);
    // The hostile name is a text node inside a link, not an element.
    expect(await tab.$$eval("#lb-table tbody script", (s) => s.length)).toBe(0);
    expect(await tab.$$eval("body script", (s) => s.length)).toBe(2);

    await tab.click('th[data-key="model"]');
    expect(await models()).toEqual([EVIL, "fast", "slow"].sort((a, b) => a.localeCompare(b)));
    await tab.click('th[data-key="ttft50"]');
    expect(await models()).toEqual(["fast", EVIL, "slow"]);
    await tab.click('th[data-key="ttft50"]');
    expect(await models()).toEqual(["slow", EVIL, "fast"]);
    expect(await tab.getAttribute('th[data-key="ttft50"]', "aria-sort")).toBe("descending");

    expect(await tab.$$eval("#scatter circle.point", (c) => c.length)).toBe(3);
    // fast (fastest) and evil (more accurate on average) are on the front; slow is dominated.
    expect(await tab.$$eval("#scatter circle.front", (c) => c.length)).toBe(2);

    // Task selector: pope only has one row with a score.
    const popeKey = await tab.$eval(
      "#metric",
      (s) => (s as unknown as { options: { value: string }[] }).options[2]?.value ?? "",
    );
    expect(popeKey).toMatch(/^pope@/);
    await tab.selectOption("#metric", popeKey);
    expect(await tab.$$eval("#scatter circle.point", (c) => c.length)).toBe(1);

    // Row link → details section with the run id, config and env.
    await tab.click(`#lb-table a:text("fast")`);
    const detail = await tab.$eval("#details section.details:first-of-type", (s) => s.id);
    expect(detail).toMatch(/^details-r-/);
    const fastDetails = await tab.$eval(
      `section[id^="details-"]:has(h3:text-is("fast"))`,
      (s) => s.textContent ?? "",
    );
    expect(fastDetails).toContain("r-docvqa-fast");
    expect(fastDetails).toContain("Test CPU");
    const evilHeading = await tab.$$eval("#details h3", (hs) => hs.map((h) => h.textContent));
    expect(evilHeading).toContain(EVIL);

    expect(dialogs).toBe(0);
    expect(errors).toEqual([]);
    expect(requests).toEqual([page]);
    await tab.close();
  });

  it("shows the model cards' numbers as marked rows below the runs, not averaged, not plotted", async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    await tab.goto(page);
    const cells = () =>
      tab.$$eval("#lb-table tbody tr", (trs) =>
        trs.map((tr) => [tr.className, ...[...tr.querySelectorAll("td")].map((td) => td.textContent)]),
      );
    const check = async () => {
      const rows = await cells();
      // Three measured rows first, then one reference row per card, whatever the sort.
      expect(rows.map((r) => r[0])).toEqual(["", "", "", "reference", "reference", "reference"]);
      for (const [k, card] of PUBLISHED.entries()) {
        const [, model, docvqa, pope, average, ttft50] = rows[3 + k]!;
        expect(model).toContain("reference");
        expect(docvqa).toBe(card.points.docvqa!.toFixed(1));
        expect([pope, average, ttft50]).toEqual(["\u2013", "\u2013", "\u2013"]);
      }
    };
    await check();
    await tab.click('th[data-key="model"]');
    await check();
    expect(await tab.textContent("#references")).toMatch(/published numbers.*never averaged.*state neither/);
    expect(await tab.$$eval("#scatter circle.point", (c) => c.length)).toBe(3);
    expect(errors).toEqual([]);
    await tab.close();
  });
});
