/**
 * CLI start-up: `node dist/src/cli.js --help` spawned several times, median wall time (target ≤ 0.3 s).
 * Also `node -e ''` as the bare Node floor on this machine, and `bench --help` (a subcommand's help).
 * Builds dist/ first when it is missing.
 *
 *   node --import tsx bench/startup.ts [--repeat 9] [--json]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { emit, intFlag, log, machine, median, ROOT, round, target } from "./common.js";

const repeat = intFlag("repeat", 9);
const startMachine = machine();
const cli = join(ROOT, "dist", "src", "cli.js");
if (!existsSync(cli)) {
  log("startup: building dist/ (tsc -p tsconfig.build.json)…");
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: ROOT,
      stdio: "inherit",
    },
  );
}

function time(args: string[]): number[] {
  const out: number[] = [];
  spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore" }); // warm the file cache
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
    out.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${r.status}`);
  }
  return out;
}

const nodeFloor = time(["-e", ""]);
const help = time([cli, "--help"]);
const subHelp = time([cli, "bench", "--help"]);
const helpS = median(help) / 1000;
log(
  `  node -e '': ${median(nodeFloor).toFixed(0)} ms; --help: ${(helpS * 1000).toFixed(0)} ms; bench --help: ${median(subHelp).toFixed(0)} ms`,
);
emit({
  step: "startup",
  machine: startMachine,
  targets: [target("fastvlm-eval --help start-up", helpS, "<=", 0.3, "s", `median of ${repeat} spawns`)],
  details: {
    repeat,
    medianMs: {
      nodeFloor: round(median(nodeFloor)),
      help: round(median(help)),
      benchHelp: round(median(subHelp)),
    },
    helpMs: help.map((x) => round(x)),
    loadavgEnd: machine().loadavg1,
  },
});
