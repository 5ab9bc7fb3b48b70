/**
 * A failure no command catches (a promise nobody awaited, a throw in a callback) ends the CLI with
 * InternalError 70 and a message, not Node's default exit 1, which means "gate failed".
 * The fault is planted with `--import`: a module that replaces `fetch` so the Hub client's first request
 * leaves an unhandled rejection (or a throw in a later callback) and never answers.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "cli-crash-"));

const PLANTS = {
  rejection:
    'globalThis.fetch=()=>{Promise.reject(new Error("planted rejection"));return new Promise(()=>{})}',
  throw:
    'globalThis.fetch=()=>{setImmediate(()=>{throw new Error("planted throw")});return new Promise(()=>{})}',
};

function crashRun(plant: string): Promise<{ code: number | string | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    HOME: work,
    HF_HOME: join(work, "hf"),
    // Never contacted: the planted fetch answers first.
    HF_ENDPOINT: "http://127.0.0.1:9",
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", `data:text/javascript,${plant}`, CLI, "fetch", "gqa", "--lock", join(work, "lock.json")],
      { cwd: work, env },
      (err, _stdout, stderr) => resolve({ code: err ? (err.code ?? err.signal ?? null) : 0, stderr }),
    );
  });
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("uncaught failures in the CLI", () => {
  it("maps an unhandled promise rejection to InternalError, exit 70", async () => {
    const r = await crashRun(PLANTS.rejection);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 70,
      stderr: expect.stringContaining("error: Unhandled promise rejection: planted rejection\nThis is a bug"),
    });
  });

  it("maps an uncaught exception to InternalError, exit 70", async () => {
    const r = await crashRun(PLANTS.throw);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 70,
      stderr: expect.stringContaining("error: Uncaught exception: planted throw\nThis is a bug"),
    });
  });
});
