/**
 * The viewer finds every task's images in the HF cache: runs of every registered task (made by `run`
 * against the fixture Hub) served by the view API, one sample image each, decoded. Tasks whose rows have
 * no id column name their samples by split position, so the viewer's row index must count rows the same
 * way loadSamples does.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRunDirs } from "../../src/report/runs.js";
import { ViewApi } from "../../src/view/api.js";
import { Catalog } from "../../src/view/catalog.js";
import { TASKS } from "../../tasks/index.js";
import { baselineRunArgs, type FixtureHub, runCli, startFixtureHub } from "../e2e/run-helpers.js";

let fx: FixtureHub;
let api: ViewApi;
let dirs: string[];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  fx = await startFixtureHub({}, "view-images-");
  const args = [...baselineRunArgs(Object.keys(TASKS), "runs", 0), "--limit", "3"];
  const r = await runCli(args, fx.env, fx.work);
  if (r.code !== 0) throw new Error(`run failed (${r.code}): ${r.stderr}`);
  dirs = findRunDirs(join(fx.work, "runs"));
  // The API reads the HF cache from the environment, as the CLI does, and must not go online.
  for (const [k, v] of Object.entries({ ...fx.env, HF_HUB_OFFLINE: "1" })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  api = new ViewApi(Catalog.open([join(fx.work, "runs")]));
}, 120_000);

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await fx?.close();
});

describe("view images", () => {
  it.each(Object.keys(TASKS))("%s: a sample's image decodes", async (task) => {
    const dir = dirs.find((d) => d.split("/").includes(task));
    expect(dir, `no run folder for ${task}`).toBeDefined();
    const lines = readFileSync(join(dir!, "samples.jsonl"), "utf8").split("\n").filter(Boolean);
    const ids = lines.map((l) => (JSON.parse(l) as { id: string }).id);
    const key = dir!.split("/").pop()!;
    // Some rows have no image (ScienceQA-IMG keeps the column nullable): at least one of three has one.
    let decoded = 0;
    for (const id of ids) {
      const img = await api.image(key, id, 0, true).catch(() => null);
      if (img === null) continue;
      const meta = await sharp(Buffer.from(img.body)).metadata();
      if ((meta.width ?? 0) > 0) decoded++;
    }
    expect(decoded, `${task}: no sample image could be served`).toBeGreaterThan(0);
  });
});
