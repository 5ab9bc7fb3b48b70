/** `fastvlm-eval publish` end to end against the fake Hub's commit endpoints. */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";
import { type CommitState, commitRoutes, commitState } from "../helpers/fake-hub-commit.js";
import { tempDir } from "../unit/report-fixtures.js";

const CLI = join(fileURLToPath(new URL("../..", import.meta.url)), "dist", "src", "cli.js");
const TOKEN = "hf_fakePublishToken1234567890";

/** Runs the CLI asynchronously (the fake Hub lives in this process). */
function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const clean = { ...process.env };
    delete clean.HF_HUB_OFFLINE;
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...clean, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

let hub: FakeHub;
let state: CommitState;
let dir: string;
let env: Record<string, string>;

describe("publish", () => {
  beforeAll(async () => {
    const root = tempDir("fastvlm-publish-");
    dir = join(root, "leaderboard");
    mkdirSync(join(dir, "assets"), { recursive: true });
    writeFileSync(join(dir, "README.md"), "# Leaderboard\n");
    writeFileSync(join(dir, "leaderboard.json"), '{"schemaVersion":1}\n');
    writeFileSync(join(dir, "index.html"), `<!doctype html>${"x".repeat(20_000)}`);
    writeFileSync(join(dir, "assets", "note.txt"), "hi");
    state = commitState(TOKEN, { lfsThreshold: 10_000 });
    const served = join(root, "hub");
    mkdirSync(served);
    hub = await startFakeHub({ root: served, extraRoutes: commitRoutes(state) });
    env = { HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN };
  });

  afterAll(async () => {
    await hub?.close();
  });

  it("--dry-run lists files and sizes and sends nothing", async () => {
    const r = await cli(["publish", "--repo", "me/lb", "--dir", dir, "--dry-run"], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/would upload 4 file\(s\)/);
    expect(r.stdout).toMatch(/index\.html {2}20015 bytes/);
    expect(r.stdout).toMatch(/assets\/note\.txt {2}2 bytes/);
    expect(hub.requests).toHaveLength(0);
    expect(state.log).toEqual([]);
  });

  it("creates the dataset, uploads regular and LFS files in one commit, prints the commit URL", async () => {
    const r = await cli(["publish", "--repo", "me/lb", "--dir", dir], env);
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.status).toBe(0);
    expect(state.created).toEqual([{ name: "lb", organization: "me", type: "dataset" }]);
    expect(state.commits).toHaveLength(1);
    const c = state.commits[0]!;
    expect(c.repo).toBe("datasets/me/lb");
    expect(c.summary).toBe("Publish fastvlm-eval leaderboard");
    expect(Object.keys(c.files).sort()).toEqual(["README.md", "assets/note.txt", "leaderboard.json"]);
    expect(c.files["README.md"]!.toString()).toBe("# Leaderboard\n");
    expect(Object.keys(c.lfs)).toEqual(["index.html"]);
    expect(state.lfsObjects.get(c.lfs["index.html"]!)!.length).toBe(20_015);
    expect(r.stdout.trim()).toMatch(new RegExp(`^${hub.url}/datasets/me/lb/commit/[0-9a-f]{40}$`));
    expect(r.stdout).not.toContain(TOKEN);
  });

  it("publishes again without re-creating the repo or re-sending stored LFS objects", async () => {
    const before = state.log.length;
    const r = await cli(["publish", "--repo", "me/lb", "--dir", dir, "--json"], env);
    expect(r.status).toBe(0);
    const log = state.log.slice(before);
    expect(log).not.toContain("POST /api/repos/create");
    expect(log).not.toContain("PUT /__lfs");
    expect(log).toContain("POST commit");
    const json = JSON.parse(r.stdout) as { created: boolean; commitUrl: string; files: unknown[] };
    expect(json.created).toBe(false);
    expect(json.files).toHaveLength(4);
    expect(state.commits).toHaveLength(2);
  });

  it("creates a static Space with front matter added to README.md", async () => {
    const r = await cli(["publish", "--repo", "me/lb-space", "--repo-type", "space", "--dir", dir], env);
    expect(r.status).toBe(0);
    expect(state.created.at(-1)).toMatchObject({
      name: "lb-space",
      organization: "me",
      type: "space",
      sdk: "static",
    });
    const c = state.commits.at(-1)!;
    expect(c.repo).toBe("spaces/me/lb-space");
    expect(c.files["README.md"]!.toString()).toMatch(
      /^---\ntitle: me-lb-space\nsdk: static\n[\s\S]*# Leaderboard\n$/,
    );
  });

  it("fails with exit 3 and no token in the message when the Hub refuses the commit", async () => {
    state.failCommitWith = 500;
    const r = await cli(["publish", "--repo", "me/lb", "--dir", dir], env);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/HTTP 500/);
    expect(r.stderr).toMatch(/commit refused for Bearer/);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it("exits 2 without a usable token or with a bad repo id, before any request", async () => {
    const before = hub.requests.length + state.log.length;
    const noToken = await cli(["publish", "--repo", "me/lb", "--dir", dir], {
      HF_ENDPOINT: hub.url,
      HF_TOKEN: "",
    });
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toMatch(/HF_TOKEN/);
    const badToken = await cli(["publish", "--repo", "me/lb", "--dir", dir], {
      HF_ENDPOINT: hub.url,
      HF_TOKEN: "secret-xyz",
    });
    expect(badToken.status).toBe(2);
    expect(badToken.stderr).not.toContain("secret-xyz");
    const badRepo = await cli(["publish", "--repo", "nope", "--dir", join(dir, "missing")], env);
    expect(badRepo.status).toBe(2);
    expect(badRepo.stderr).toMatch(/--repo nope: expected org\/name/);
    expect(badRepo.stderr).toMatch(/missing is not a folder/);
    expect(hub.requests.length + state.log.length).toBe(before);
  });
});
