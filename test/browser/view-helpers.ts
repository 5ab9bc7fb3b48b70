/** Shared set-up of the viewer's browser tests: real runs behind a fake Hub, the viewer, and Chromium. */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import type { SampleRecord } from "../../src/core/records.js";
import { baselineRunArgs, CLI, type FixtureHub, runCli } from "../e2e/run-helpers.js";

export const CHROMIUM = "/usr/bin/chromium";
/** A model output that would run script if it were ever treated as HTML. */
export const EVIL = `<img src=x onerror="alert(1)"><script>alert(2)</script>`;

/** `run <tasks> --model <model> --out <out>` against the fixture Hub; returns the run folders (stdout). */
export async function makeRuns(fx: FixtureHub, tasks: string[], model: string, out: string): Promise<void> {
  const args = baselineRunArgs(tasks, out, 2);
  args[args.indexOf("baseline:random")] = model;
  const r = await runCli(args, fx.env, fx.work);
  if (r.code !== 0) throw new Error(`run failed (${r.code}): ${r.stderr}`);
}

/** Every record of a run folder's samples.jsonl. */
export function records(runDir: string): SampleRecord[] {
  return readFileSync(join(runDir, "samples.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as SampleRecord);
}

/** A running `fastvlm-eval view` child and its URL (the first stdout line). */
export async function startViewer(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, "view", ...args], {
    env,
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (b: Buffer) => {
    err += b.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on("exit", (code) => reject(new Error(`view exited ${code}: ${err}`)));
  });
  return { url, child, stderr: () => err };
}

/** Headless Chromium with the flags that keep it off the network. */
export function launch(): Promise<Browser> {
  return chromium.launch({
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
}

/** A page that records console errors, page errors, dialogs and every request. */
export async function watchedPage(
  browser: Browser,
): Promise<{ page: Page; errors: string[]; requests: string[]; dialogs: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => requests.push(r.url()));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, errors, requests, dialogs };
}

/** The number in the page's "N samples" text. */
export async function sampleCount(page: Page): Promise<number> {
  const text = await page.getByText(/^\d+ samples$/).textContent();
  return Number((text ?? "").split(" ")[0]);
}
