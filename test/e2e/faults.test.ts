/**
 * Faults and misuse end to end: every command's outputs in odd places (a file where a folder is meant, a
 * read-only or full file system, a missing folder), closed pipes, an unwritable HF cache and lock file. Each
 * must end with exit 2 (or the class the problem belongs to) and a message naming the path, never exit 70
 * with a stack trace, and must leave what is on disk whole.
 *
 * Read-only and full file systems are real: small tmpfs mounts (root only; skipped elsewhere). Permission
 * faults run the CLI as an unprivileged user when the suite runs as root (root ignores file modes).
 */
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunRecord, readSamples } from "../../src/core/records.js";
import {
  baselineRunArgs,
  CLI,
  type CliResult,
  type FixtureHub,
  runCli,
  startFixtureHub,
} from "./run-helpers.js";

const IS_ROOT = process.getuid?.() === 0;

/** Whether `nobody` can read the CLI: not when the checkout sits under a 0700 folder (e.g. `mktemp -d`). */
function nobodyCanReadCli(): boolean {
  const probe = `require("node:fs").accessSync(${JSON.stringify(CLI)}, 4)`;
  return spawnSync(process.execPath, ["-e", probe], { uid: 65534, gid: 65534, cwd: "/tmp" }).status === 0;
}
let fx: FixtureHub;
const mounts: string[] = [];

/** Mounts a tmpfs of `kb` KiB at `dir` (optionally read-only); false when mounting is not permitted. */
function mountTmpfs(dir: string, kb: number, readOnly = false): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${kb}k${readOnly ? ",ro" : ""}`, "tmpfs", dir], {
      stdio: "ignore",
    });
  } catch {
    return false;
  }
  mounts.push(dir);
  return true;
}

function canMount(): boolean {
  if (!IS_ROOT) return false;
  const probe = join(fx.work, "probe-mount");
  const ok = mountTmpfs(probe, 64);
  if (ok) {
    execFileSync("umount", [probe]);
    mounts.pop();
  }
  return ok;
}

/** Shared checks: the right exit class, a message naming `path`, no bug report, no stack trace. */
function expectUserError(r: CliResult, path: string, code = 2): void {
  expect(r.stderr, r.stderr).not.toMatch(/bug in fastvlm-eval|InternalError|\n\s+at /);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toContain(path);
}

function run(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { ...fx.env, ...extraEnv }, fx.work);
}

/** The only run folder of `task` under `out`. */
function runFolder(out: string, task: string): string {
  for (const model of readdirSync(out)) {
    const base = join(out, model, task);
    try {
      const dirs = readdirSync(base);
      if (dirs.length === 1) return join(base, dirs[0]!);
    } catch {
      // not this model
    }
  }
  throw new Error(`no single run folder of ${task} under ${out}`);
}

let mountable = false;

beforeAll(async () => {
  fx = await startFixtureHub({ rowsPerTask: 8 }, "e2e-faults-");
  mountable = canMount();
});

afterAll(async () => {
  for (const m of mounts.reverse()) {
    try {
      execFileSync("umount", ["-l", m]);
    } catch {
      // already gone
    }
  }
  await fx?.close();
});

describe("outputs in odd places", () => {
  it("run --out naming a file, or a folder below a file: exit 2 before any download", async () => {
    const file = join(fx.work, "a-file");
    writeFileSync(file, "x");
    const r1 = await run(baselineRunArgs(["pope"], file, 0));
    expectUserError(r1, file);
    expect(r1.stderr).not.toMatch(/resolving/);
    const r2 = await run(baselineRunArgs(["pope"], join(file, "sub", "dir"), 0));
    expectUserError(r2, file);
    expect(r2.stderr).toMatch(/ENOTDIR/);
    // --json: the error as structured fields on stdout.
    const json = JSON.parse(r1.stdout) as { error: { code: string; path: string; exitCode: number } };
    expect(json.error).toMatchObject({ code: "IO", exitCode: 2, path: file });
  });

  it("leaderboard, merge, score and demo --out naming a file: exit 2 naming it", async () => {
    const file = join(fx.work, "out-file");
    writeFileSync(file, "x");
    const out = join(fx.work, "lb-runs");
    expect((await run(baselineRunArgs(["pope"], out, 0))).code).toBe(0);
    const dir = runFolder(out, "pope");
    expectUserError(await run(["leaderboard", "--runs", out, "--out", file]), file);
    expectUserError(await run(["merge", dir, "--out", file]), file);
    const preds = join(fx.work, "preds.jsonl");
    writeFileSync(preds, `${JSON.stringify({ id: "1", prediction: "yes", doc: {} })}\n`);
    expectUserError(await run(["score", "--task", "pope", "--predictions", preds, "--out", file]), file);
    expectUserError(await run(["demo", "--out", file]), file);
  });

  it("gate --junit, --summary and GITHUB_STEP_SUMMARY into a missing folder: exit 2 before judging", async () => {
    const out = join(fx.work, "gate-runs");
    expect((await run(baselineRunArgs(["pope"], out, 0))).code).toBe(0);
    const missing = join(fx.work, "no-such-folder");
    for (const [args, env] of [
      [["--junit", join(missing, "gate.xml")], {}],
      [["--summary", join(missing, "sum.md")], {}],
      [[], { GITHUB_STEP_SUMMARY: join(missing, "step.md") }],
    ] as const) {
      const r = await run(["gate", "--baseline", out, "--candidate", out, ...args], { ...env });
      expectUserError(r, missing);
      expect(r.stdout).not.toMatch(/PASS/);
    }
    // A folder named as the JUnit file.
    const r = await run(["gate", "--baseline", out, "--candidate", out, "--junit", fx.work]);
    expectUserError(r, fx.work);
    expect(r.stderr).toMatch(/EISDIR/);
  });

  it("predict and bench --image naming a folder: exit 2 saying it is a folder", async () => {
    const r = await run(["predict", "--model", "baseline:random", "--image", fx.work, "--prompt", "hi"]);
    expectUserError(r, fx.work);
    expect(r.stderr).toMatch(/is a folder/);
  });

  it("a read-only --out (a read-only file system): exit 2 naming it", async (ctx) => {
    if (!mountable) ctx.skip();
    const ro = join(fx.work, "ro-fs");
    expect(mountTmpfs(ro, 64, true)).toBe(true);
    const r = await run(baselineRunArgs(["pope"], join(ro, "preds"), 0));
    expectUserError(r, join(ro, "preds"));
    expect(r.stderr).toMatch(/read-only/);
  });

  it("an unwritable --out folder for an unprivileged user: exit 2 naming it", async (ctx) => {
    if (!IS_ROOT || !nobodyCanReadCli()) ctx.skip();
    // The CLI runs as `nobody`, which may read the repository and write nowhere under a 0755 root-owned folder.
    const locked = join(fx.work, "locked");
    mkdirSync(locked, { recursive: true });
    chmodSync(fx.work, 0o755);
    chmodSync(locked, 0o555);
    const r = await new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...baselineRunArgs(["pope"], join(locked, "p"), 0)], {
        env: { ...fx.env, HF_HOME: join("/tmp", `faults-nobody-${process.pid}`) },
        cwd: "/tmp",
        uid: 65534,
        gid: 65534,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (b: Buffer) => {
        stdout += b;
      });
      child.stderr.on("data", (b: Buffer) => {
        stderr += b;
      });
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    expectUserError(r, join(locked, "p"));
    expect(r.stderr).toMatch(/permission denied/);
  });
});

describe("full and read-only disks while working", () => {
  it("a disk that fills while samples are written: exit 2 naming samples.jsonl; after space is freed the run resumes whole", async (ctx) => {
    if (!mountable) ctx.skip();
    const disk = join(fx.work, "small-disk");
    // 48 KiB: run.json fits, the samples of 8 TextVQA rows (with their references) do not once the filler is in.
    expect(mountTmpfs(disk, 48)).toBe(true);
    const out = join(disk, "preds");
    const args = baselineRunArgs(["textvqa"], out, 0);
    // A first attempt measures nothing; fill the disk so only a few KiB stay free.
    const filler = join(disk, "filler");
    writeFileSync(filler, Buffer.alloc(40 * 1024));
    const r = await run(args);
    expect(r.stderr, r.stderr).not.toMatch(/bug in fastvlm-eval|\n\s+at /);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/no space left/);
    expect(r.stderr).toMatch(/ENOSPC/);
    const dir = runFolder(out, "textvqa");
    expect(readRunRecord(dir).status).toBe("partial");
    // Free the space and run again: it completes, each id once.
    rmSync(filler);
    const again = await run(args);
    expect(again.code, again.stderr).toBe(0);
    const rec = readRunRecord(dir);
    expect(rec.status).toBe("complete");
    const lines = readFileSync(join(dir, "samples.jsonl"), "utf8").trim().split("\n");
    const ids = lines.map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(rec.nSamples.total);
  });

  it("a full HF cache is exit 2 naming the cache, not retried as a network error", async (ctx) => {
    if (!mountable) ctx.skip();
    const cache = join(fx.work, "small-cache");
    expect(mountTmpfs(cache, 16)).toBe(true);
    const out = join(fx.work, "cache-preds");
    const r = await run(baselineRunArgs(["docvqa"], out, 0), { HF_HOME: cache });
    expectUserError(r, cache);
    expect(r.stderr).toMatch(/ENOSPC/);
    expect(r.stderr).not.toMatch(/retry \d/);
  });

  it("an unwritable dataset lock file's folder: exit 2 naming the lock file and --lock", async (ctx) => {
    if (!mountable) ctx.skip();
    const ro = join(fx.work, "ro-lock");
    expect(mountTmpfs(ro, 64, true)).toBe(true);
    const out = join(fx.work, "lock-preds");
    const args = baselineRunArgs(["pope"], out, 0);
    args[args.indexOf("lock.json")] = join(ro, "lock.json");
    const r = await run(args);
    expectUserError(r, join(ro, "lock.json"));
    expect(r.stderr).toMatch(/--lock/);
  });
});

describe("closed pipes", () => {
  it("inspect piped into a reader that is gone: a quiet exit 0", async () => {
    for (const reader of ["head -c 1", "true"]) {
      const script = `set -o pipefail; node ${JSON.stringify(CLI)} inspect pope --n 8 --json | ${reader} >/dev/null; echo "status=\${PIPESTATUS[0]}"`;
      // Async: the fake Hub answers from this process's event loop.
      const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
        execFile("bash", ["-c", script], { env: fx.env, cwd: fx.work }, (_err, stdout, stderr) =>
          resolve({ stdout, stderr }),
        );
      });
      expect(r.stdout, `${reader}: ${r.stderr}`).toMatch(/status=0/);
      expect(r.stderr).not.toMatch(/EPIPE|bug in fastvlm-eval|\n\s+at /);
    }
  });
});

describe("a run folder is owned by one process", () => {
  it("a second process is refused with the owner's pid (exit 2); a dead owner's lock is taken over", async () => {
    const out = join(fx.work, "lock-runs");
    const args = baselineRunArgs(["pope"], out, 0);
    expect((await run(args)).code).toBe(0);
    const dir = runFolder(out, "pope");
    expect(readdirSync(dir)).not.toContain(".lock");
    // A second process holds the folder (the lock module of the built CLI, as a run would take it).
    const lockModule = join(CLI, "..", "runner", "lock.js");
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { acquireRunLock } = await import(${JSON.stringify(lockModule)}); acquireRunLock(${JSON.stringify(dir)}); console.log("held"); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    const refused = await run(args);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`pid ${holder.pid}`);
    expect(refused.stderr).toContain(dir);
    const score = await run(["score", dir]);
    expect(score.code).toBe(2);
    expect(score.stderr).toContain(`pid ${holder.pid}`);
    // SIGKILL: the lock stays behind, stale; the next run takes it over and releases it at the end.
    holder.kill("SIGKILL");
    await new Promise<void>((resolve) => holder.once("close", () => resolve()));
    expect(readdirSync(dir)).toContain(".lock");
    const after = await run(args);
    expect(after.code, after.stderr).toBe(0);
    expect(readdirSync(dir)).not.toContain(".lock");
    expect(readSamples(dir).records).toHaveLength(readRunRecord(dir).nSamples.total);
  });

  it("two runs of one command started together: one works, the other says who holds the folder", async () => {
    const out = join(fx.work, "twin-runs");
    const args = baselineRunArgs(["textvqa"], out, 0);
    const [a, b] = await Promise.all([run(args), run(args)]);
    const codes = [a.code, b.code].sort();
    // Either the second found the lock (exit 2 naming the pid), or the first had finished already (both 0).
    if (codes[0] === 0 && codes[1] === 2) {
      const loser = a.code === 2 ? a : b;
      expect(loser.stderr).toMatch(/in use by another fastvlm-eval process: pid \d+/);
    } else expect(codes).toEqual([0, 0]);
    const dir = runFolder(out, "textvqa");
    const ids = readFileSync(join(dir, "samples.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("score <run-dir> on a torn samples.jsonl", () => {
  it("says so and leaves the run partial; re-running run completes it", async () => {
    const out = join(fx.work, "torn-runs");
    const args = baselineRunArgs(["pope"], out, 0);
    expect((await run(args)).code).toBe(0);
    const dir = runFolder(out, "pope");
    const file = join(dir, "samples.jsonl");
    const text = readFileSync(file, "utf8");
    const total = readRunRecord(dir).nSamples.total;
    // Tear the last line in the middle, as a crash mid-write leaves it.
    writeFileSync(file, text.slice(0, text.length - 40));
    const r = await run(["score", dir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/torn/);
    const rec = readRunRecord(dir);
    expect(rec.status).toBe("partial");
    expect(rec.nSamples.scored).toBe(total - 1);
    expect(rec.nSamples.total).toBe(total);
    const again = await run(args);
    expect(again.code, again.stderr).toBe(0);
    expect(readRunRecord(dir).status).toBe("complete");
    expect(readSamples(dir).records).toHaveLength(total);
    expect(statSync(file).size).toBeGreaterThan(0);
  });
});

describe("gate never passes a broken run", () => {
  let base: string;
  beforeAll(async () => {
    base = join(fx.work, "gate-base");
    expect((await run(baselineRunArgs(["pope"], base, 0))).code).toBe(0);
  });

  async function gate(candidate: string): Promise<{ r: CliResult; junit: string; summary: string }> {
    const junit = join(fx.work, `junit-${Math.random().toString(36).slice(2)}.xml`);
    const summary = `${junit}.md`;
    const r = await run([
      "gate",
      "--baseline",
      base,
      "--candidate",
      candidate,
      "--junit",
      junit,
      "--summary",
      summary,
    ]);
    return { r, junit: readFileSync(junit, "utf8"), summary: readFileSync(summary, "utf8") };
  }

  it("an interrupted candidate (2 of its samples recorded) fails, in the summary and the JUnit too", async () => {
    const cand = join(fx.work, "gate-partial");
    expect((await run(baselineRunArgs(["pope"], cand, 0))).code).toBe(0);
    const dir = runFolder(cand, "pope");
    // What an interruption after two samples leaves: two lines and a partial run.json.
    const lines = readFileSync(join(dir, "samples.jsonl"), "utf8").split("\n").slice(0, 2);
    writeFileSync(join(dir, "samples.jsonl"), `${lines.join("\n")}\n`);
    const rec = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "run.json"), JSON.stringify({ ...rec, status: "partial", finishedAt: null }));
    const { r, junit, summary } = await gate(cand);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /FAIL {2}run\/pope: the candidate run is not a whole result: it is partial: 2 of \d+/,
    );
    expect(junit).toMatch(
      /<testcase classname="fastvlm-eval.gate" name="run\/pope"[\s\S]*?<failure message="[^"]*partial: 2 of/,
    );
    expect(summary).toMatch(/run\/pope \| FAIL \| the candidate run is not a whole result: it is partial/);
  });

  it("a candidate whose backend was down (every sample failed) fails and names the most common error", async () => {
    const cand = join(fx.work, "gate-down");
    const r0 = await run([
      "run",
      "pope",
      "--model",
      "openai:http://127.0.0.1:9/v1#down",
      "--out",
      cand,
      "--latency-samples",
      "0",
      "--max-error-rate",
      "1",
      "--retries",
      "0",
      "--lock",
      "lock.json",
    ]);
    expect(r0.code, r0.stderr).toBe(0);
    const { r } = await gate(cand);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /run\/pope: the candidate run is not a whole result: (\d+) of \1 samples failed \(most common error, \d+×: /,
    );
  });

  it("a single shard fails (merge first); a complete --limit subset is a valid comparison that says how many were compared", async () => {
    const shard = join(fx.work, "gate-shard");
    const s = await run([...baselineRunArgs(["pope"], shard, 0), "--shard", "0/2"]);
    expect(s.code, s.stderr).toBe(0);
    const g1 = await gate(shard);
    expect(g1.r.code).toBe(1);
    expect(g1.r.stdout).toMatch(/shard 0\/2 of a sharded run[^\n]*merge/);
    const subset = join(fx.work, "gate-subset");
    expect((await run([...baselineRunArgs(["pope"], subset, 0), "--limit", "4"])).code).toBe(0);
    const g2 = await gate(subset);
    expect(g2.r.code, g2.r.stdout + g2.r.stderr).toBe(0);
    expect(g2.r.stdout).toMatch(
      /PASS {2}run\/pope: both runs are complete; compared on the 4 shared samples/,
    );
    expect(g2.summary).toMatch(/over 4 shared samples/);
  });

  it("compare says so too", async () => {
    const shard = join(fx.work, "gate-shard");
    const r = await run(["compare", base, shard]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pope: WARNING: the candidate run is not a whole result: it is shard 0\/2/);
  });
});

describe("smaller misuses", () => {
  it("gate --min with a typo, gate/compare --seed abc: exit 2 with what to do", async () => {
    const out = join(fx.work, "gate-base");
    const typo = await run(["gate", "--baseline", out, "--candidate", out, "--min", "popee=5"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown task 'popee'. Did you mean 'pope'\?/);
    const seed = await run(["gate", "--baseline", out, "--candidate", out, "--seed", "abc"]);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(/--seed must be a non-negative integer, got 'abc'/);
    const cmp = await run(["compare", out, out, "--seed", "abc"]);
    expect(cmp.code).toBe(2);
  });

  it("publish refuses a leaderboard with demo rows unless --allow-demo", async () => {
    const lb = join(fx.work, "demo-lb");
    mkdirSync(lb, { recursive: true });
    writeFileSync(
      join(lb, "leaderboard.json"),
      JSON.stringify({ rows: [{ synthetic: true, model: { name: "fastvlm-tiny-random" }, runs: [] }] }),
    );
    const r = await run(["publish", "--repo", "me/lb", "--dir", lb, "--dry-run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/demo results \(synthetic data, random weights\)[^\n]*fastvlm-tiny-random/);
    const ok = await run(["publish", "--repo", "me/lb", "--dir", lb, "--dry-run", "--allow-demo"]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it("predict --retries 0 does not retry the Hub", async () => {
    const img = join(fx.work, "img.png");
    writeFileSync(img, "not really an image");
    const r = await run(
      ["predict", "--model", "fastvlm-0.5b", "--image", img, "--prompt", "hi", "--retries", "0"],
      {
        HF_ENDPOINT: "http://127.0.0.1:9",
        FASTVLM_EVAL_RETRY_BASE_MS: "2000",
      },
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).not.toMatch(/retry \d/);
  });

  it("a lock pinning a sha the endpoint lacks names the lock file and --revision", async () => {
    const out = join(fx.work, "pin-runs");
    const lockFile = join(fx.work, "pin-lock.json");
    const args = baselineRunArgs(["pope"], out, 0);
    args[args.indexOf("lock.json")] = lockFile;
    expect((await run(args)).code).toBe(0);
    const text = readFileSync(lockFile, "utf8").replace(
      /"sha": "[0-9a-f]{40}"/g,
      `"sha": "${"ab".repeat(20)}"`,
    );
    writeFileSync(lockFile, text);
    rmSync(join(fx.work, "hf"), { recursive: true, force: true });
    const r = await run(args);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(lockFile);
    expect(r.stderr).toMatch(/--revision/);
  });
});
