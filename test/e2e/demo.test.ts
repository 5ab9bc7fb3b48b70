/** `fastvlm-eval demo`: offline, bundled data, tiny model generated at run time, every task. */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { type RunRecord, validateRunRecord } from "../../src/core/records.js";
import { TASKS } from "../../tasks/index.js";
import { ROOT, runCli, workDir } from "./run-helpers.js";

const work = workDir("e2e-demo-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("runs every task offline and builds the leaderboard", async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Any Hub the environment points at must be ignored: nothing listens on port 9.
    HF_ENDPOINT: "http://127.0.0.1:9",
    HF_HOME: join(work, "hf"),
    // The generated model is cached across test runs, like a user's ~/.cache.
    XDG_CACHE_HOME: join(ROOT, ".cache", "demo-cache"),
  };
  const r = await runCli(["demo", "--out", join(work, "out"), "--json"], env, work);
  expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
  const all = JSON.parse(r.stdout) as RunRecord[];
  const records = all.filter((x) => x.model.name === "fastvlm-tiny-random");
  const baseline = all.filter((x) => x.model.name === "baseline:random");
  expect(baseline.map((x) => x.task.name).sort()).toEqual(records.map((x) => x.task.name).sort());
  for (const rec of baseline) {
    expect(rec.status).toBe("complete");
    expect(rec.latency).toBeNull();
  }
  expect(records.map((x) => x.task.name).sort()).toEqual(Object.keys(TASKS).sort());
  for (const rec of records) {
    expect(validateRunRecord(rec)).toEqual([]);
    expect(rec.status).toBe("complete");
    expect(rec.nSamples.total).toBe(8);
    expect(rec.model.name).toBe("fastvlm-tiny-random");
    expect(rec.latency?.ttftMs.n).toBe(4);
    expect(rec.latency!.ttftMs.p50).toBeGreaterThan(0);
  }
  const board = JSON.parse(readFileSync(join(work, "out", "leaderboard", "leaderboard.json"), "utf8")) as {
    rows: unknown[];
  };
  expect(board.rows).toHaveLength(2);
  expect(existsSync(join(work, "hf"))).toBe(false);
});
