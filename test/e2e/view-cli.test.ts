/** `fastvlm-eval view` flags and errors through dist/src/cli.js: bad flags, no runs, a non-loopback host. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startViewer } from "../browser/view-helpers.js";
import { makeRun, tempDir } from "../unit/report-fixtures.js";
import { CLI } from "./run-helpers.js";

function cli(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("view command", () => {
  it("reports every bad flag at once with exit 2", () => {
    const r = cli(["view", ".", "--port", "99999", "--max-size", "-1"], tempDir());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--port must be 0..65535");
    expect(r.stderr).toContain("--max-size must be a positive number");
  });

  it("says so when a folder holds no runs", () => {
    const r = cli(["view"], tempDir());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("No run.json under .");
  });

  it("warns on a non-loopback host and still prints the URL first", async () => {
    const root = tempDir();
    await makeRun(join(root, "runs", "docvqa"), { scores: [1, 0, 1] });
    const v = await startViewer(["runs", "--host", "0.0.0.0"], process.env, root);
    try {
      expect(v.url).toMatch(/^viewer: http:\/\/0\.0\.0\.0:\d+\/$/);
      const res = await fetch(`${v.url.replace(/^viewer: http:\/\/0\.0\.0\.0/, "http://127.0.0.1")}api/runs`);
      expect(((await res.json()) as { runs: unknown[] }).runs).toHaveLength(1);
      expect(v.stderr()).toContain("warning: --host 0.0.0.0 is not a loopback address");
    } finally {
      v.child.kill("SIGTERM");
    }
  });
});
