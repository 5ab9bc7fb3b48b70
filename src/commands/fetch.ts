/**
 * `fastvlm-eval fetch [task...] [--model <name>]`: download tasks' data and a registry model's files into the
 * HF cache and pin them in datasets/lock.json, so later runs can go offline.
 */

import type { Command } from "commander";
import { humanBytes } from "../core/bytes.js";
import { UsageError, unknownName } from "../core/errors.js";
import type { DatasetFiles, HubEnv } from "../hub/index.js";
import type { DtypeSpec } from "../models/fastvlm/dtype.js";
import { tasksOrGroupsHelp } from "./help-lists.js";

/** Options of `fetch` as commander parses them. */
interface FetchFlags {
  revision?: string;
  modelRevision?: string;
  retries?: string;
  lock?: string;
  datasetRepo?: string;
  model?: string;
  dtype?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval fetch docvqa                      download DocVQA validation and lock its sha
  $ fastvlm-eval fetch gqa pope mmmu --json        several tasks, machine-readable summary
  $ fastvlm-eval fetch textvqa --revision main     re-resolve the branch and update the lock
  $ HF_ENDPOINT=https://hf-mirror.com fastvlm-eval fetch seedbench   through a mirror
  $ HF_HUB_OFFLINE=1 fastvlm-eval fetch docvqa     check everything is cached (no network)
  $ fastvlm-eval fetch --model fastvlm-0.5b        the model files run/predict load (card dtypes)
  $ fastvlm-eval fetch docvqa --model fastvlm-0.5b --dtype fp16   data and fp16 graphs in one go

Files go to the Hugging Face cache (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub),
shared with Python tools. The lock (datasets/lock.json) pins each task's repo sha and file digests (and
the model's); later runs use the locked sha unless --revision (datasets) or --model-revision is given.`;

function parseRetries(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100) {
    throw new UsageError(
      `--retries must be an integer from 0 to 100, got '${value}'.`,
      "Example: --retries 8",
    );
  }
  return n;
}

/** Registers `fetch`. */
export function register(program: Command): void {
  declareFlags(program).action(fetch);
}

/** The `fetch` command with its arguments, flags and help. */
function declareFlags(program: Command): Command {
  return program
    .command("fetch")
    .description(
      "Download the datasets of tasks and/or a registry model's files into the Hugging Face cache (verified, " +
        "retried) and pin their commit sha and file digests in datasets/lock.json.",
    )
    .argument("[task...]", tasksOrGroupsHelp("task names or groups"))
    .option(
      "--model <name>",
      "also download the files run/predict load for this registry model (fastvlm-0.5b)",
    )
    .option("--dtype <spec>", "with --model: q4, fp16, … or per graph: vision=fp16,embed=fp16,decoder=q4")
    .option(
      "--revision <rev>",
      "dataset branch, tag or commit sha to resolve instead of the locked sha (updates the lock)",
    )
    .option(
      "--model-revision <rev>",
      "with --model: the model's branch, tag or commit sha instead of the locked sha (updates the lock)",
    )
    .option("--retries <n>", "retries per request and file after the first attempt (default 6)")
    .option("--lock <file>", "lock file (default datasets/lock.json under the current directory)")
    .option(
      "--dataset-repo <repo>",
      "use this Hub dataset repo (a mirror or fork) instead of the task's; one task only",
    )
    .option("--json", "print a machine-readable summary on stdout")
    .addHelpText("after", EXAMPLES);
}

/** What the arguments and flags say, once every one is valid. */
interface FetchPlan {
  /** Task names (groups expanded). */
  names: string[];
  /** --retries. */
  retries: number | undefined;
  /** The model's revision: --model-revision, or the deprecated --revision of `fetch --model` alone. */
  modelRevision: string | undefined;
  /** --dtype, parsed. */
  dtype: DtypeSpec | undefined;
}

/**
 * Checks the arguments and flags: a bad --retries or an unknown task stops at once, every other problem
 * is reported together in one UsageError.
 */
async function validate(given: string[], flags: FetchFlags): Promise<FetchPlan> {
  const { TASKS } = await import("../../tasks/index.js");
  const { expandTaskNames, taskAndGroupNames } = await import("../../tasks/groups.js");
  const names = expandTaskNames(given);
  const problems: string[] = [];
  const retries = parseRetries(flags.retries);
  for (const name of names)
    if (TASKS[name] === undefined) throw unknownName("task", name, taskAndGroupNames());
  if (flags.datasetRepo !== undefined && names.length !== 1) {
    problems.push("--dataset-repo applies to a single task; fetch the tasks one at a time");
  }
  if (names.length === 0 && flags.model === undefined) {
    problems.push("nothing to fetch: name one or more tasks, or a model with --model");
  }
  if (flags.dtype !== undefined && flags.model === undefined) {
    problems.push("--dtype applies to --model; add --model <name>");
  }
  if (flags.modelRevision !== undefined && flags.model === undefined) {
    problems.push("--model-revision applies to --model; add --model <name>");
  }
  let modelRevision = flags.modelRevision;
  if (flags.revision !== undefined && flags.model !== undefined && names.length === 0) {
    // Before --model-revision, `fetch --model m --revision r` (no task) meant the model's revision.
    const { warn } = await import("../core/log.js");
    warn(
      "fetch: --revision for the model is deprecated; use --model-revision (--revision means the dataset's revision everywhere).",
    );
    modelRevision ??= flags.revision;
  }
  let dtype: DtypeSpec | undefined;
  if (flags.dtype !== undefined) {
    const { parseDtype } = await import("../models/fastvlm/dtype.js");
    try {
      dtype = parseDtype(flags.dtype);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"), "See fastvlm-eval fetch --help.");
  return { names, retries, modelRevision, dtype };
}

/** One task's data as fetched. */
type TaskSummary = { task: string } & DatasetFiles;

/** The action: validate, fetch the model first (a bad name fails before any download), then the tasks. */
async function fetch(given: string[], flags: FetchFlags): Promise<void> {
  const plan = await validate(given, flags);
  const { hubEnv } = await import("../hub/index.js");
  const env = hubEnv();
  const progress = await makeProgress();
  const results: TaskSummary[] = [];
  let model: ModelSummary | undefined;
  try {
    if (flags.model !== undefined) model = await fetchModel(flags.model, plan, flags, env, progress);
    for (const name of [...new Set(plan.names)])
      results.push(await fetchTask(name, plan, flags, env, progress));
  } finally {
    progress.stop();
  }
  await printSummary(results, model, flags.json === true);
}

/** Downloads and locks a registry model's files; its summary line. */
async function fetchModel(
  name: string,
  plan: FetchPlan,
  flags: FetchFlags,
  env: HubEnv,
  progress: Progress,
): Promise<ModelSummary> {
  const { fetchModelFiles, MODELS } = await import("../models/registry.js");
  const { info } = await import("../core/log.js");
  const { dtype, modelRevision, retries } = plan;
  const repo = Object.hasOwn(MODELS, name) ? MODELS[name]?.repo : undefined;
  if (repo !== undefined) info(`${name}: ${repo}${env.offline ? " (offline)" : ""}`);
  const got = await fetchModelFiles(name, {
    ...(dtype !== undefined ? { dtype } : {}),
    ...(flags.lock !== undefined ? { lockFile: flags.lock } : {}),
    ...(modelRevision !== undefined ? { revision: modelRevision } : {}),
    hub: {
      env,
      ...(retries !== undefined ? { retries } : {}),
      onProgress: (p) => progress.update({ ...p, path: `${name}: ${p.path}` }),
    },
  });
  const { stat } = await import("node:fs/promises");
  let bytes = 0;
  for (const local of Object.values(got.files)) bytes += (await stat(local)).size;
  return {
    model: name,
    repo: got.repo,
    sha: got.sha,
    dtype: got.dtype,
    dir: got.dir,
    files: Object.keys(got.files).sort(),
    bytes,
  };
}

/** Downloads and locks one task's split (and joins). */
async function fetchTask(
  name: string,
  plan: FetchPlan,
  flags: FetchFlags,
  env: HubEnv,
  progress: Progress,
): Promise<TaskSummary> {
  const { TASKS } = await import("../../tasks/index.js");
  const { ensureDataset } = await import("../hub/index.js");
  const { info } = await import("../core/log.js");
  const spec = TASKS[name]!.dataset;
  info(
    `${name}: ${flags.datasetRepo ?? spec.repo} ${spec.config}/${spec.split}${env.offline ? " (offline)" : ""}`,
  );
  const files = await ensureDataset(spec, {
    env,
    ...(plan.retries !== undefined ? { retries: plan.retries } : {}),
    ...(flags.lock !== undefined ? { lockFile: flags.lock } : {}),
    ...(flags.revision !== undefined ? { revision: flags.revision } : {}),
    ...(flags.datasetRepo !== undefined ? { repoOverride: flags.datasetRepo } : {}),
    onProgress: (p) => progress.update({ ...p, path: `${name}: ${p.path}` }),
  });
  return { task: name, ...files };
}

/** `--json`: one array (dataset entries carry `task`, the model entry `model`); else one line each. */
async function printSummary(
  results: TaskSummary[],
  model: ModelSummary | undefined,
  json: boolean,
): Promise<void> {
  const { out, outJson } = await import("../core/log.js");
  if (json) {
    outJson(model === undefined ? results : [...results, model]);
    return;
  }
  for (const r of results) {
    const count = r.files.length + Object.values(r.joins).reduce((n, j) => n + j.length, 0);
    out(
      `${r.task}\t${r.repo}\t${r.config}/${r.split}\tsha ${r.sha}\t${count} file${count === 1 ? "" : "s"}\t` +
        `${humanBytes(r.bytes)}${r.fromLock ? "\t(locked)" : ""}`,
    );
  }
  if (model !== undefined) {
    const n = model.files.length;
    const dt = Object.entries(model.dtype)
      .map(([g, d]) => `${g}=${d}`)
      .join(",");
    out(
      `${model.model}\t${model.repo}\t${dt}\tsha ${model.sha}\t${n} file${n === 1 ? "" : "s"}\t` +
        humanBytes(model.bytes),
    );
  }
}

/** The model line of the summary (`--json`: one element of the array). */
interface ModelSummary {
  /** Registry name. */
  model: string;
  /** Hub repo id. */
  repo: string;
  /** Locked commit sha. */
  sha: string;
  /** dtype per graph. */
  dtype: Record<string, string>;
  /** Snapshot folder in the HF cache. */
  dir: string;
  /** Repo paths downloaded (graphs' external data included), sorted. */
  files: string[];
  /** Total bytes of those files. */
  bytes: number;
}

interface Progress {
  update: (p: { path: string; bytes: number; total: number }) => void;
  stop: () => void;
}

/** A cli-progress bar per file on a TTY; otherwise one stderr line per finished file. */
async function makeProgress(): Promise<Progress> {
  const { info } = await import("../core/log.js");
  if (!process.stderr.isTTY) {
    return {
      update: (p) => {
        if (p.bytes === p.total) info(`  downloaded ${p.path} (${humanBytes(p.total)})`);
      },
      stop: () => {},
    };
  }
  const { default: cliProgress } = await import("cli-progress");
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: "  {bar} {percentage}% {file} {done}/{size}",
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, ReturnType<typeof multi.create>>();
  return {
    update: (p) => {
      let bar = bars.get(p.path);
      if (bar === undefined) {
        bar = multi.create(p.total, 0, { file: p.path, size: humanBytes(p.total), done: humanBytes(0) });
        bars.set(p.path, bar);
      }
      bar.update(p.bytes, { done: humanBytes(p.bytes) });
    },
    stop: () => multi.stop(),
  };
}
