/** `fastvlm-eval inspect <task>`: show the first samples exactly as a model would get them. */
import type { Command } from "commander";
import { UsageError, unknownName } from "../core/errors.js";
import { oneTaskHelp } from "./help-lists.js";

/** Options of `inspect` as commander parses them. */
interface InspectFlags {
  n: string;
  json?: boolean;
  revision?: string;
  datasetRepo?: string;
  lock?: string;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval inspect docvqa                  the first 3 DocVQA samples: prompt, image sizes, answers
  $ fastvlm-eval inspect mmmu --n 10 --json      one JSON object per line: {id, prompt, images, reference}
  $ fastvlm-eval inspect gqa --revision main     re-resolve the dataset branch instead of the locked sha
  $ fastvlm-eval inspect pope --dataset-repo lmms-lab-encoder/POPE   read a mirror of the dataset

The data is downloaded (and locked) like \`fetch\` does. Image sizes are as displayed (EXIF rotation
applied); an unreadable image shows as an error, it does not stop the listing.`;

function parseN(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new UsageError(`--n must be a whole number from 1 to 100000, got '${value}'.`, "Example: --n 5");
  }
  return n;
}

/** Registers `inspect`. */
export function register(program: Command): void {
  program
    .command("inspect")
    .description("Print a task's first samples as the model sees them: id, prompt, image sizes, reference.")
    .argument("<task>", oneTaskHelp("task name"))
    .option("--n <count>", "number of samples to show", "3")
    .option(
      "--json",
      "one JSON object per line on stdout: {id, prompt, images: [{width, height}], reference}",
    )
    .option("--revision <rev>", "dataset branch, tag or sha to use instead of the locked sha")
    .option("--dataset-repo <repo>", "read this Hub dataset repo (a mirror or fork) instead of the task's")
    .option("--lock <file>", "lock file (default datasets/lock.json under the current directory)")
    .addHelpText("after", EXAMPLES)
    .action(async (name: string, flags: InspectFlags) => {
      const { TASKS } = await import("../../tasks/index.js");
      const task = TASKS[name];
      if (task === undefined) throw unknownName("task", name, Object.keys(TASKS));
      const n = parseN(flags.n);
      const { ensureDataset, hubEnv } = await import("../hub/index.js");
      const { loadSamples } = await import("../data/samples.js");
      const { imageSize } = await import("../data/images.js");
      const { info, out } = await import("../core/log.js");
      const env = hubEnv();
      const files = await ensureDataset(task.dataset, {
        env,
        ...(flags.lock !== undefined ? { lockFile: flags.lock } : {}),
        ...(flags.revision !== undefined ? { revision: flags.revision } : {}),
        ...(flags.datasetRepo !== undefined ? { repoOverride: flags.datasetRepo } : {}),
      });
      info(`${name}: ${files.repo}@${files.sha.slice(0, 12)} ${task.dataset.config}/${task.dataset.split}`);
      let shown = 0;
      for await (const sample of loadSamples(task, files)) {
        const images = [];
        for (const im of sample.images) {
          try {
            images.push(await imageSize(im.bytes));
          } catch (err) {
            images.push({
              width: null,
              height: null,
              error: err instanceof Error ? err.message : String(err),
            });
          }
        }
        if (flags.json) {
          // Compact: one sample per line, for jq and line-oriented tools.
          out(JSON.stringify({ id: sample.id, prompt: sample.prompt, images, reference: sample.reference }));
        } else {
          if (shown > 0) out("");
          out(`── ${sample.id}${sample.stratum !== null ? `  [${sample.stratum}]` : ""}`);
          out(sample.prompt);
          const sizes = images.map((s, k) =>
            s.width === null
              ? `${sample.images[k]!.source}: unreadable`
              : `${sample.images[k]!.source}: ${s.width}×${s.height}`,
          );
          out(`images: ${sizes.join(", ")}`);
          out(`reference: ${JSON.stringify(sample.reference)}`);
        }
        if (++shown >= n) break;
      }
      if (shown === 0) info(`${name}: the split has no samples.`);
    });
}
