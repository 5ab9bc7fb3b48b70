/**
 * The device and software a run executed on, and a fingerprint of the latency-relevant parts: TTFT numbers
 * are only comparable between runs with the same fingerprint.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, cpus, platform as osPlatform, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EnvRecord } from "./records.js";
import type { ModelInfo } from "./types.js";

/** The harness's package root (the folder holding our package.json), from src/ or dist/src/. */
export function harnessRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "fastvlm-eval") return dir;
      } catch {
        // Not ours; keep walking up.
      }
    }
    dir = dirname(dir);
  }
  return process.cwd();
}

function readVersion(pkgPath: string): string | null {
  try {
    const version = (JSON.parse(readFileSync(pkgPath, "utf8")) as { version?: unknown }).version;
    return typeof version === "string" ? version : null;
  } catch {
    return null;
  }
}

/** onnxruntime-node's version from its package.json, without loading the native binding. */
export function onnxruntimeVersion(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return readVersion(require.resolve("onnxruntime-node/package.json"));
  } catch {
    return null;
  }
}

/** gitSha per checkout: the code this process loaded, asked of git once (a demo's 26 runs spent 0.6 s in git). */
const shas = new Map<string, string | null>();

/** `git rev-parse HEAD` of the harness checkout, or null outside git (or when git is slow or absent). */
export function gitSha(root: string = harnessRoot()): string | null {
  if (!shas.has(root)) shas.set(root, askGit(root));
  return shas.get(root) ?? null;
}

function askGit(root: string): string | null {
  if (!existsSync(join(root, ".git"))) return null;
  try {
    const sha = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: root,
      timeout: 2000,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

/** The execution settings that change latency, folded into the env fingerprint. */
export type ExecutionSettings = Pick<ModelInfo, "executionProvider" | "threads" | "dtype">;

/** Collects the env record of this process; `model` adds provider/threads/dtype to the fingerprint. */
export function collectEnv(model?: ExecutionSettings): EnvRecord {
  const cpuList = cpus();
  const root = harnessRoot();
  const record: EnvRecord = {
    os: `${osPlatform()} ${release()} ${arch()}`,
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    cores: cpuList.length,
    memoryBytes: totalmem(),
    node: process.version,
    onnxruntime: onnxruntimeVersion(),
    harness: readVersion(join(root, "package.json")) ?? "0.0.0",
    gitSha: gitSha(root),
  };
  record.fingerprint = envFingerprint(record, model);
  return record;
}

/** Hash of os, cpu, cores, memory, Node and onnxruntime versions plus provider, threads and dtype per graph. */
export function envFingerprint(env: EnvRecord, model?: ExecutionSettings): string {
  const dtype = model ? Object.entries(model.dtype).sort(([a], [b]) => a.localeCompare(b)) : [];
  const fields = {
    os: env.os,
    cpu: env.cpu,
    cores: env.cores,
    // Rounded to GiB so a few MiB reserved by the kernel do not change the fingerprint.
    memoryGiB: Math.round(env.memoryBytes / 2 ** 30),
    node: env.node,
    onnxruntime: env.onnxruntime,
    executionProvider: model?.executionProvider ?? null,
    threads: model?.threads ?? null,
    dtype,
  };
  return createHash("sha256").update(JSON.stringify(fields)).digest("hex").slice(0, 16);
}
