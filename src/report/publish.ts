/**
 * Publishing the leaderboard folder to a Hub dataset or Space with @huggingface/hub's commit API
 * (uploadFiles over a folder URL), creating the repo first when it does not exist. The token never appears
 * in output or errors.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { HarnessError, HubError, UsageError } from "../core/errors.js";
import { accessToken, type HubEnv, hubEnv, redact } from "../hub/env.js";

/** Repo kinds `publish` writes to. */
export type PublishRepoType = "dataset" | "space";

/** Options of publishLeaderboard. */
export interface PublishOptions {
  /** `org/name`. */
  repo: string;
  /** Dataset (default) or Space (created with sdk "static"). */
  repoType?: PublishRepoType;
  /** The folder uploaded (default `leaderboard/`). */
  dir: string;
  /** List files and sizes only; no requests. */
  dryRun?: boolean;
  /** Publish even when the leaderboard holds demo rows (synthetic data, random weights). */
  allowDemo?: boolean;
  /** Commit title; default "Publish fastvlm-eval leaderboard". */
  title?: string;
  /** Hub settings; default from the environment (HF_ENDPOINT, HF_TOKEN). */
  env?: HubEnv;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
}

/** One file to upload. */
export interface PublishFile {
  /** Path in the repo. */
  path: string;
  /** Bytes. */
  size: number;
}

/** What publish did. */
export interface PublishResult {
  /** True for --dry-run. */
  dryRun: boolean;
  /** `org/name`. */
  repo: string;
  /** Repo type. */
  repoType: PublishRepoType;
  /** Files uploaded (or that would be). */
  files: PublishFile[];
  /** True when the repo was created. */
  created: boolean;
  /** Commit URL, or null for a dry run. */
  commitUrl: string | null;
  /** Commit sha, or null for a dry run. */
  commitOid: string | null;
}

const REPO_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Every file under `dir` (dotfiles included, as the client uploads them), repo-relative, sorted. */
export function listUploadFiles(dir: string): PublishFile[] {
  const root = resolve(dir);
  const out: PublishFile[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile())
        out.push({ path: relative(root, abs).split("\\").join("/"), size: statSync(abs).size });
    }
  };
  walk(root);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Space README front matter so the Hub serves index.html as a static Space. */
export function spaceReadme(readme: string, title: string): string {
  if (readme.startsWith("---\n")) return readme;
  const safeTitle = title.replace(/[^A-Za-z0-9 ._-]/g, "-");
  return `---\ntitle: ${safeTitle}\nsdk: static\napp_file: index.html\npinned: false\n---\n\n${readme}`;
}

function validate(options: PublishOptions): string[] {
  const problems: string[] = [];
  if (!REPO_RE.test(options.repo)) problems.push(`--repo ${options.repo}: expected org/name`);
  const type = options.repoType ?? "dataset";
  if (type !== "dataset" && type !== "space")
    problems.push(`--repo-type ${String(type)}: expected dataset or space`);
  const dir = resolve(options.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problems.push(`${options.dir} is not a folder (run \`fastvlm-eval leaderboard\` first)`);
  } else if (listUploadFiles(dir).length === 0) problems.push(`${options.dir} is empty`);
  return problems;
}

function hubFailure(err: unknown, env: HubEnv, what: string): HubError {
  const e = err as { statusCode?: unknown; message?: unknown };
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
  const message = redact(String(e.message ?? err), env);
  let hint =
    "Check HF_ENDPOINT and your network, then run publish again (uploads are re-sent; stored LFS objects are skipped).";
  if (status === 401 || status === 403) {
    hint =
      "Check that HF_TOKEN is a write token with access to this repo (https://huggingface.co/settings/tokens).";
  }
  return new HubError(`${what} failed${status !== undefined ? ` (HTTP ${status})` : ""}: ${message}`, hint);
}

/** Model names of the leaderboard's demo rows (marked synthetic, or built from runs with config.demo). */
export function demoRows(dir: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(join(dir, "leaderboard.json"), "utf8"));
  } catch {
    return [];
  }
  const rows = (value as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) return [];
  const names: string[] = [];
  for (const row of rows as {
    synthetic?: unknown;
    model?: { name?: unknown };
    runs?: { config?: { demo?: unknown } }[];
  }[]) {
    const demo = row.synthetic === true || (row.runs ?? []).some((r) => r.config?.demo === true);
    if (demo) names.push(String(row.model?.name ?? "?"));
  }
  return [...new Set(names)];
}

/** Refuses options that name no repo or folder, and a folder of demo rows without `allowDemo`. */
function checkPublishable(options: PublishOptions, dir: string): void {
  const problems = validate(options);
  if (problems.length > 0)
    throw new UsageError(problems.join("\n"), "Example: fastvlm-eval publish --repo me/leaderboard");
  const demo = demoRows(dir);
  if (demo.length > 0 && options.allowDemo !== true) {
    throw new UsageError(
      `${dir} holds demo results (synthetic data, random weights), not real ones: ${demo.join(", ")}.`,
      "Build the leaderboard from real runs (fastvlm-eval leaderboard --runs predictions), or pass --allow-demo to publish it anyway.",
      { details: { dir, demoRows: demo.join(", ") } },
    );
  }
}

/** The write token, refusing offline mode and a missing token. */
function writeToken(env: HubEnv): string {
  if (env.offline) {
    throw new UsageError(
      "HF_HUB_OFFLINE is set: publish needs the network.",
      "Unset HF_HUB_OFFLINE, or use --dry-run.",
    );
  }
  const token = accessToken(env);
  if (token === undefined) {
    throw new UsageError(
      "publish needs a Hugging Face write token.",
      "Set HF_TOKEN (https://huggingface.co/settings/tokens).",
    );
  }
  return token;
}

type HubModule = typeof import("@huggingface/hub");

/** What every @huggingface/hub call of one publish shares. */
interface HubCall {
  /** The client module. */
  hub: HubModule;
  /** The target repo. */
  repo: { type: PublishRepoType; name: string };
  /** Token, endpoint and (in tests) fetch. */
  common: { accessToken: string; hubUrl: string; fetch?: typeof fetch };
  /** For error messages and hints. */
  env: HubEnv;
}

/** Creates the repo when it does not exist (a Space as a static one); true when it was created. */
async function ensureRepo({ hub, repo, common, env }: HubCall): Promise<boolean> {
  try {
    if (await hub.repoExists({ repo, ...common })) return false;
    await hub.createRepo({ repo, ...common, ...(repo.type === "space" ? { sdk: "static" as const } : {}) });
    return true;
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    throw hubFailure(err, env, `Creating ${repo.type} ${repo.name}`);
  }
}

/**
 * The folder to upload: `dir` itself, or for a Space whose README.md lacks front matter a staged copy with it
 * (`staging`, for the caller to remove), so the user's folder is never touched.
 */
function uploadSource(
  dir: string,
  repoType: PublishRepoType,
  repoName: string,
): { uploadDir: string; staging: string | null } {
  const readmePath = join(dir, "README.md");
  const readme = repoType === "space" && existsSync(readmePath) ? readFileSync(readmePath, "utf8") : null;
  if (readme === null || readme.startsWith("---\n")) return { uploadDir: dir, staging: null };
  const staging = mkdtempSync(join(tmpdir(), "fastvlm-publish-"));
  cpSync(dir, staging, { recursive: true });
  writeFileSync(join(staging, "README.md"), spaceReadme(readme, repoName));
  return { uploadDir: staging, staging };
}

/** Uploads the leaderboard folder as one commit; creates the repo when missing. */
export async function publishLeaderboard(options: PublishOptions): Promise<PublishResult> {
  const repoType = options.repoType ?? "dataset";
  const dir = resolve(options.dir);
  checkPublishable(options, dir);
  const files = listUploadFiles(dir);
  const base: PublishResult = {
    dryRun: options.dryRun === true,
    repo: options.repo,
    repoType,
    files,
    created: false,
    commitUrl: null,
    commitOid: null,
  };
  if (options.dryRun) return base;

  const env = options.env ?? hubEnv();
  const token = writeToken(env);
  const call: HubCall = {
    hub: await import("@huggingface/hub"),
    repo: { type: repoType, name: options.repo },
    common: { accessToken: token, hubUrl: env.endpoint, ...(options.fetch ? { fetch: options.fetch } : {}) },
    env,
  };
  const created = await ensureRepo(call);
  const { uploadDir, staging } = uploadSource(dir, repoType, options.repo);
  try {
    const result = await call.hub.uploadFiles({
      repo: call.repo,
      ...call.common,
      // The trailing slash makes repo paths relative to the folder (no folder-name prefix).
      files: [pathToFileURL(`${uploadDir}/`)],
      commitTitle: options.title ?? "Publish fastvlm-eval leaderboard",
      useXet: false,
    });
    return {
      ...base,
      files: staging ? listUploadFiles(staging) : files,
      created,
      commitUrl: result?.commit.url ?? null,
      commitOid: result?.commit.oid ?? null,
    };
  } catch (err) {
    throw hubFailure(err, env, `Uploading ${options.dir} to ${repoType} ${options.repo}`);
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
  }
}
