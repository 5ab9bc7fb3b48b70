/** `fastvlm-eval fetch <task...>`: download tasks' data into the HF cache and pin it in datasets/lock.json. */
import type { Command } from "commander";
import { UsageError, unknownName } from "../core/errors.js";

/** Options of `fetch` as commander parses them. */
interface FetchFlags {
  revision?: string;
  retries?: string;
  lock?: string;
  datasetRepo?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval fetch docvqa                      download DocVQA validation and lock its sha
  $ fastvlm-eval fetch gqa pope mmmu --json        several tasks, machine-readable summary
  $ fastvlm-eval fetch textvqa --revision main     re-resolve the branch and update the lock
  $ HF_ENDPOINT=https://hf-mirror.com fastvlm-eval fetch seedbench   through a mirror
  $ HF_HUB_OFFLINE=1 fastvlm-eval fetch docvqa     check everything is cached (no network)

Files go to the Hugging Face cache (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub),
shared with Python tools. The lock (datasets/lock.json) pins each task's repo sha and file digests;
later runs use the locked sha unless --revision is given.`;

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

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Registers `fetch`. */
export function register(program: Command): void {
  program
    .command("fetch")
    .description(
      "Download the datasets of one or more tasks into the Hugging Face cache (verified, retried) and pin " +
        "their commit sha and file digests in datasets/lock.json.",
    )
    .argument("<task...>", "task names (gqa, textvqa, docvqa, pope, seedbench, mmmu)")
    .option(
      "--revision <rev>",
      "branch, tag or commit sha to resolve instead of the locked sha (updates the lock)",
    )
    .option("--retries <n>", "retries per request and file after the first attempt (default 6)")
    .option("--lock <file>", "lock file (default datasets/lock.json under the current directory)")
    .option(
      "--dataset-repo <repo>",
      "use this Hub dataset repo (a mirror or fork) instead of the task's; one task only",
    )
    .option("--json", "print a machine-readable summary on stdout")
    .addHelpText("after", EXAMPLES)
    .action(async (names: string[], flags: FetchFlags) => {
      const { TASKS } = await import("../../tasks/index.js");
      const problems: string[] = [];
      const retries = parseRetries(flags.retries);
      for (const name of names)
        if (TASKS[name] === undefined) throw unknownName("task", name, Object.keys(TASKS));
      if (flags.datasetRepo !== undefined && names.length > 1) {
        problems.push("--dataset-repo applies to a single task; fetch the tasks one at a time");
      }
      if (problems.length > 0) throw new UsageError(problems.join("\n"));
      const { ensureDataset, hubEnv } = await import("../hub/index.js");
      const { info, out, outJson } = await import("../core/log.js");
      const env = hubEnv();
      const progress = await makeProgress();
      const results = [];
      try {
        for (const name of [...new Set(names)]) {
          const task = TASKS[name]!;
          const spec = task.dataset;
          info(
            `${name}: ${flags.datasetRepo ?? spec.repo} ${spec.config}/${spec.split}${env.offline ? " (offline)" : ""}`,
          );
          const files = await ensureDataset(spec, {
            env,
            ...(retries !== undefined ? { retries } : {}),
            ...(flags.lock !== undefined ? { lockFile: flags.lock } : {}),
            ...(flags.revision !== undefined ? { revision: flags.revision } : {}),
            ...(flags.datasetRepo !== undefined ? { repoOverride: flags.datasetRepo } : {}),
            onProgress: (p) => progress.update({ ...p, path: `${name}: ${p.path}` }),
          });
          results.push({ task: name, ...files });
        }
      } finally {
        progress.stop();
      }
      if (flags.json) {
        outJson(results);
        return;
      }
      for (const r of results) {
        const count = r.files.length + Object.values(r.joins).reduce((n, j) => n + j.length, 0);
        out(
          `${r.task}\t${r.repo}\t${r.config}/${r.split}\tsha ${r.sha}\t${count} file${count === 1 ? "" : "s"}\t` +
            `${humanBytes(r.bytes)}${r.fromLock ? "\t(locked)" : ""}`,
        );
      }
    });
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
