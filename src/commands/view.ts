/** `fastvlm-eval view [run|dir...]`: a local viewer of every sample, or a static export of it. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";

/** Options of `view` as commander parses them. */
interface ViewFlags {
  port: string;
  host: string;
  open?: boolean;
  export?: string;
  maxSize: string;
}

const EXAMPLES = `
Examples:
  $ fastvlm-eval view predictions/                      every run under a folder, on a free port
  $ fastvlm-eval view runs/a runs/b --port 8080         two run sets, to compare them in the browser
  $ fastvlm-eval view predictions/ --export viewer/     a static folder for CI artifacts (open index.html)

The first line of stdout is the URL (viewer: http://127.0.0.1:PORT/). Images come from the local Hugging
Face cache only; the viewer never downloads (run \`fastvlm-eval fetch <task>\` for a run made elsewhere).
Keys: j/k or arrows move, Enter opens a sample, Esc goes back. Ctrl-C stops the server.`;

function openBrowser(url: string): void {
  void import("node:child_process").then(({ spawn }) => {
    const cmd =
      process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
    const child = spawn(cmd, [url], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  });
}

/** Registers `view`. */
export function register(program: Command): void {
  program
    .command("view")
    .description(
      "Look at every sample of runs in the browser: image, prompt, output, parsed answer, references, score, " +
        "timings; filter, search, sort, and compare two runs (flips with compare's paired interval).",
    )
    .argument("[run...]", "run folders or folders of runs (default: the current folder)")
    .option("--port <N>", "port to listen on (0 takes a free one)", "0")
    .option("--host <addr>", "interface to bind (loopback unless you mean to share it)", "127.0.0.1")
    .option("--open", "open the viewer in the default browser")
    .option("--export <DIR>", "write a static viewer folder instead of serving (works from file://)")
    .option("--max-size <MB>", "size cap of a static export in MB", "50")
    .addHelpText("after", EXAMPLES)
    .action(async (args: string[], flags: ViewFlags) => {
      const problems: string[] = [];
      const port = Number(flags.port);
      if (!/^\d+$/.test(flags.port) || port > 65535)
        problems.push(`--port must be 0..65535, got ${flags.port}`);
      const maxMb = Number(flags.maxSize);
      if (!Number.isFinite(maxMb) || maxMb <= 0) problems.push(`--max-size must be a positive number of MB`);
      if (flags.export !== undefined && flags.open) problems.push("--export and --open are exclusive");
      if (problems.length > 0)
        throw new UsageError(problems.join("\n"), "Example: fastvlm-eval view predictions/");
      const { Catalog } = await import("../view/catalog.js");
      const { ViewApi } = await import("../view/api.js");
      const { info, out, warn } = await import("../core/log.js");
      const catalog = Catalog.open(args.length > 0 ? args : ["."]);
      if (catalog.runs.size === 0) {
        throw new UsageError(
          `No run.json under ${args.join(", ") || "."}.`,
          "Pass a folder written by `fastvlm-eval run`.",
        );
      }
      const api = new ViewApi(catalog);
      if (flags.export !== undefined) {
        const { writeExport } = await import("../view/export.js");
        const res = await writeExport(api, { dir: flags.export, maxBytes: maxMb * 1e6 });
        out(`export: ${res.index}`);
        info(`${catalog.runs.size} run(s), ${res.thumbs} thumbnail(s), ${(res.bytes / 1e6).toFixed(1)} MB`);
        if (res.note) info(res.note);
        return;
      }
      const { isLoopback, startViewServer } = await import("../view/server.js");
      if (!isLoopback(flags.host)) {
        warn(
          `--host ${flags.host} is not a loopback address: anyone who can reach it sees these runs' prompts, outputs and images.`,
        );
      }
      const server = await startViewServer(api, { host: flags.host, port });
      out(`viewer: ${server.url}`);
      info(`${catalog.runs.size} run(s); Ctrl-C stops the viewer`);
      if (flags.open) openBrowser(server.url);
      // Index the runs, then locate their datasets, while the browser starts; a request waits only for its own.
      void (async () => {
        for (const run of catalog.runs.values()) await catalog.index(run).catch(() => undefined);
        for (const run of catalog.runs.values()) await api.dataset(run).catch(() => undefined);
      })();
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await server.close();
    });
}
