import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BareCliResult, runBareCli } from "../e2e/run-helpers.js";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";
import { fixtureRoot } from "../helpers/fixtures.js";

const TOKEN = "hf_CliTokenXyz987654321";

let hub: FakeHub;
let work: string;

function run(args: string[], env: Record<string, string> = {}): Promise<BareCliResult> {
  return runBareCli(args, { cwd: work, hubUrl: hub.url, env: { HF_TOKEN: TOKEN, ...env } });
}

beforeAll(async () => {
  hub = await startFakeHub({ root: await fixtureRoot() });
  work = mkdtempSync(join(tmpdir(), "fetch-cli-"));
});

afterAll(async () => {
  await hub.close();
  rmSync(work, { recursive: true, force: true });
});

describe("fastvlm-eval fetch", () => {
  it("downloads and locks tasks, then reuses the lock with no request", async () => {
    const first = await run(["fetch", "gqa", "docvqa", "--json"]);
    expect(first.stderr).not.toContain("CliTokenXyz");
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as {
      task: string;
      repo: string;
      sha: string;
      files: string[];
      joins: Record<string, string[]>;
    }[];
    expect(summary.map((s) => s.task)).toEqual(["gqa", "docvqa"]);
    expect(summary[0]!.repo).toBe("lmms-lab/GQA");
    expect(summary[0]!.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(summary[0]!.joins.testdev_balanced_images).toHaveLength(1);
    for (const s of summary) for (const f of s.files) expect(existsSync(f)).toBe(true);
    expect(hub.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);

    const lockText = readFileSync(join(work, "datasets", "lock.json"), "utf8");
    expect(lockText).not.toContain("CliTokenXyz");
    const lock = JSON.parse(lockText);
    expect(Object.keys(lock.datasets).sort()).toEqual([
      "lmms-lab/DocVQA@DocVQA:validation",
      "lmms-lab/GQA@testdev_balanced_instructions:testdev",
    ]);

    const before = hub.requests.length;
    const second = await run(["fetch", "gqa", "docvqa"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(
      /^gqa\tlmms-lab\/GQA\ttestdev_balanced_instructions\/testdev\tsha [0-9a-f]{40}\t2 files/m,
    );
    expect(second.stdout).toContain("(locked)");
    expect(hub.requests.length).toBe(before);

    // Offline: what is cached works with no request, what is not fails with exit 3 naming the repo.
    const offline = await run(["fetch", "gqa"], { HF_HUB_OFFLINE: "1" });
    expect(offline.code, offline.stderr).toBe(0);
    const missing = await run(["fetch", "pope"], { HF_HUB_OFFLINE: "1" });
    expect(missing.code, missing.stderr).toBe(3);
    expect(missing.stderr).toMatch(/HF_HUB_OFFLINE.*lmms-lab\/POPE/);
    expect(hub.requests.length).toBe(before);
  });

  it("answers an unknown task with did-you-mean and exit 2", async () => {
    const r = await run(["fetch", "gqaa"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("Unknown task 'gqaa'. Did you mean 'gqa'?");
    expect(r.stderr).toContain("Valid tasks:");
  });

  it("rejects a malformed token and bad flags with exit 2, never echoing the token", async () => {
    const bad = await run(["fetch", "mmmu", "--lock", join(work, "l2.json")], { HF_TOKEN: "notAToken123" });
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain("must start with 'hf_'");
    expect(bad.stderr).not.toContain("notAToken123");
    expect((await run(["fetch", "mmmu", "--retries", "x"])).code).toBe(2);
    expect((await run(["fetch", "mmmu", "pope", "--dataset-repo", "a/b"])).code).toBe(2);
  });

  it("fails with exit 3 and a clear message when the Hub keeps failing", async () => {
    hub.setFaults([{ kind: "status", status: 500, endpoint: "any" }]);
    try {
      const r = await run(["fetch", "textvqa", "--retries", "1", "--lock", join(work, "l3.json")]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(
        /error: Failed to resolve revision 'main' \(dataset lmms-lab\/textvqa\).*HTTP 500/,
      );
      expect(r.stderr).toContain("HF_ENDPOINT");
      expect(r.stderr).not.toContain("CliTokenXyz");
      expect(existsSync(join(work, "l3.json"))).toBe(false);
    } finally {
      hub.setFaults([]);
    }
  });

  it("has per-command help with examples", async () => {
    const r = await run(["fetch", "--help"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("--revision <rev>");
    expect(r.stdout).toContain("Examples:");
  });
});
