/** `fastvlm-eval publish`: upload the leaderboard folder to a Hub dataset or Space. */
import type { Command } from "commander";

/** Options of `publish` as commander parses them. */
interface PublishFlags {
  repo?: string;
  repoType: string;
  dir: string;
  dryRun?: boolean;
  allowDemo?: boolean;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval publish --repo me/fastvlm-leaderboard --dry-run      list what would be uploaded
  $ HF_TOKEN=hf_… fastvlm-eval publish --repo me/fastvlm-leaderboard --repo-type space

Needs a write token in HF_TOKEN (except --dry-run); HF_ENDPOINT points at another Hub.`;

/** Registers `publish`. */
export function register(program: Command): void {
  program
    .command("publish")
    .description(
      "Upload the leaderboard folder to a Hub dataset or Space in one commit (HF_TOKEN, HF_ENDPOINT), " +
        "creating the repo when it does not exist. --dry-run lists the files and sends nothing.",
    )
    .option("--repo <org/name>", "target repo")
    .option("--repo-type <TYPE>", "dataset or space", "dataset")
    .option("--dir <DIR>", "folder to upload", "leaderboard")
    .option("--dry-run", "list files and sizes; no requests")
    .option(
      "--allow-demo",
      "publish even if the leaderboard holds demo rows (synthetic data, random weights)",
    )
    .option("--json", "print the result as JSON")
    .addHelpText("after", EXAMPLES)
    .action(async (flags: PublishFlags) => {
      const { UsageError, unknownName } = await import("../core/errors.js");
      if (flags.repoType !== "dataset" && flags.repoType !== "space") {
        throw unknownName("repo type", flags.repoType, ["dataset", "space"]);
      }
      if (!flags.repo)
        throw new UsageError("--repo is required.", "Example: fastvlm-eval publish --repo me/leaderboard");
      const { publishLeaderboard } = await import("../report/publish.js");
      const { out, outJson, info } = await import("../core/log.js");
      const result = await publishLeaderboard({
        repo: flags.repo,
        repoType: flags.repoType,
        dir: flags.dir,
        dryRun: flags.dryRun === true,
        allowDemo: flags.allowDemo === true,
      });
      if (flags.json) {
        outJson(result);
        return;
      }
      if (result.dryRun) {
        const total = result.files.reduce((s, f) => s + f.size, 0);
        out(
          `Dry run: would upload ${result.files.length} file(s), ${total} bytes, to ${result.repoType} ${result.repo}:`,
        );
        for (const f of result.files) out(`  ${f.path}  ${f.size} bytes`);
        return;
      }
      if (result.created) info(`publish: created ${result.repoType} ${result.repo}`);
      info(`publish: uploaded ${result.files.length} file(s)`);
      out(result.commitUrl ?? "(the Hub returned no commit URL)");
    });
}
