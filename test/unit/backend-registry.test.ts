/** The backend registry: one entry per backend folder, flags owned by their backend, a runner that imports none. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { addEngineOptions, engineFlagValues } from "../../src/commands/engine-options.js";
import {
  BACKENDS,
  backendFlags,
  backendFor,
  backendRunConfig,
  checkModelName,
  modelOptionsFromFlags,
} from "../../src/models/registry.js";

const ROOT = join(import.meta.dirname, "..", "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

/** Every module specifier a file imports (static, dynamic and type-only). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
}

describe("backend registry", () => {
  it("the runner imports no backend: only the registry and the backend shape", () => {
    const backendDirs = readdirSync(join(ROOT, "src", "models")).filter((d) =>
      statSync(join(ROOT, "src", "models", d)).isDirectory(),
    );
    expect(backendDirs.sort()).toEqual(["baseline", "fastvlm", "openai"]);
    const offenders: string[] = [];
    // demo.ts (the offline demo, which builds a tiny FastVLM) is leaving src/runner for the demo folder.
    const files = sourceFiles(join(ROOT, "src", "runner")).filter((f) => !f.endsWith(`runner${"/"}demo.ts`));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      for (const spec of importsOf(file)) {
        if (backendDirs.some((d) => spec.includes(`models/${d}/`))) offenders.push(`${file}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("every backend folder has one registry entry with a factory file", () => {
    const names = BACKENDS.map((b) => b.name).sort();
    expect(names).toEqual(["baseline", "fastvlm", "openai"]);
    for (const b of BACKENDS) {
      expect(readFileSync(join(ROOT, "src", "models", b.name, "factory.ts"), "utf8")).toContain(
        `${b.name}Backend: BackendFactory`,
      );
      expect(b.prefix !== undefined || b.match !== undefined).toBe(true);
    }
  });

  it("dispatches --model values by prefix, then by form", () => {
    expect(backendFor("openai:http://h/v1#m")?.name).toBe("openai");
    expect(backendFor("baseline:random")?.name).toBe("baseline");
    expect(backendFor("fastvlm-0.5b")?.name).toBe("fastvlm");
    expect(backendFor("./some-folder")?.name).toBe("fastvlm");
    expect(backendFor("fastvlm-05b")).toBeUndefined();
    expect(checkModelName("baseline:random").clock).toBe("none");
    expect(checkModelName("openai:http://h/v1#m").clock).toBe("remote");
  });

  it("FastVLM owns --dtype and --logits; run, predict and bench register the same flags", () => {
    const owner = (flag: string): string | undefined =>
      BACKENDS.find((b) => b.flags.some((f) => f.flag.startsWith(`${flag} `)))?.name;
    expect(owner("--dtype")).toBe("fastvlm");
    expect(owner("--logits")).toBe("fastvlm");
    expect(owner("--model-revision")).toBe("fastvlm");
    const flagsOf = (cmd: Command): string[] => cmd.options.map((o) => o.long ?? "").sort();
    const a = flagsOf(addEngineOptions(new Command("run")));
    const b = flagsOf(addEngineOptions(new Command("predict"), { deprecatedModelRevision: true }));
    expect(a).toEqual(
      backendFlags()
        .map((f) => f.flag.split(" ")[0]!)
        .sort(),
    );
    // predict and bench also take the old --revision (hidden), nothing else.
    expect(b.filter((f) => !a.includes(f))).toEqual(["--revision"]);
  });

  it("validates every backend's flags at once and derives the run's identity settings", () => {
    expect(() => modelOptionsFromFlags({ dtype: "q5", logits: "first", threads: "-1" })).toThrow(
      /dtype[\s\S]*--threads must be a non-negative integer[\s\S]*--logits must be all or last/,
    );
    const opts = modelOptionsFromFlags({ imageMode: "crop", modelRevision: "abc" });
    expect(opts.revision).toBe("abc");
    expect(backendRunConfig({}, opts).promptSettings).toEqual({ imageMode: "crop" });
    expect(backendRunConfig({}, {}).promptSettings).toEqual({ imageMode: "pad" });
  });

  it("--threads defaults to $FASTVLM_EVAL_THREADS; the flag wins; a bad value names the variable", () => {
    const saved = process.env.FASTVLM_EVAL_THREADS;
    try {
      process.env.FASTVLM_EVAL_THREADS = "3";
      expect(modelOptionsFromFlags({}).threads).toBe(3);
      expect(modelOptionsFromFlags({ threads: "2" }).threads).toBe(2);
      process.env.FASTVLM_EVAL_THREADS = "two";
      expect(() => modelOptionsFromFlags({})).toThrow(
        /FASTVLM_EVAL_THREADS must be a non-negative integer, got 'two'/,
      );
      expect(modelOptionsFromFlags({ threads: "2" }).threads).toBe(2);
      delete process.env.FASTVLM_EVAL_THREADS;
      expect(modelOptionsFromFlags({}).threads).toBeUndefined();
      process.env.FASTVLM_EVAL_THREADS = " ";
      expect(modelOptionsFromFlags({}).threads).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.FASTVLM_EVAL_THREADS;
      else process.env.FASTVLM_EVAL_THREADS = saved;
    }
  });

  it("--reuse-cache-mb: a whole number ≥ 0, recorded in run.json's config, not in the run identity", () => {
    for (const bad of ["-1", "1.5", "lots"]) {
      expect(() => modelOptionsFromFlags({ reuseCacheMb: bad })).toThrow(
        `--reuse-cache-mb must be a non-negative integer, got '${bad}'`,
      );
    }
    expect(modelOptionsFromFlags({ reuseCacheMb: "0" }).reuseCacheMb).toBe(0);
    const opts = modelOptionsFromFlags({ reuseCacheMb: "64" });
    expect(opts.reuseCacheMb).toBe(64);
    const withBudget = backendRunConfig({ reuseCacheMb: "64" }, opts);
    const without = backendRunConfig({}, {});
    expect(withBudget.recorded.reuseCacheMb).toBe(64);
    expect(without.recorded.reuseCacheMb).toBe(256);
    expect(withBudget.promptSettings).toEqual(without.promptSettings);
  });

  it("a deprecated --revision on predict/bench still means the model's revision; --model-revision wins", () => {
    expect(engineFlagValues({ revision: "r1" }, "predict").modelRevision).toBe("r1");
    expect(engineFlagValues({ revision: "r1", modelRevision: "r2" }, "bench").modelRevision).toBe("r2");
    expect(engineFlagValues({ dtype: "q4" }, "bench")).toEqual({ dtype: "q4" });
  });
});

describe("timing clocks", () => {
  it("the registry tags each backend's timings with its clock; only a device clock has a TTFT", async () => {
    const { resolveModel } = await import("../../src/models/registry.js");
    const { deviceTtftMs, onDeviceStages, recordedTiming, withClock } = await import(
      "../../src/core/timing.js"
    );
    const b = await resolveModel("baseline:constant=yes");
    const g = await b.generate({ images: [], prompt: "q", generation: { maxNewTokens: 1, stop: [] } });
    expect(g.timing.clock).toBe("none");
    expect(deviceTtftMs(g.timing)).toBeNull();
    expect(() => onDeviceStages(g.timing)).toThrow(/on-device clock/);
    const stages = { preprocessMs: 1, visionMs: 2, prefillMs: 3, ttftMs: 6, decodeMs: 4, totalMs: 10 };
    const remote = withClock(stages, "remote");
    expect(deviceTtftMs(remote)).toBeNull();
    expect(deviceTtftMs(withClock(stages, "device"))).toBe(6);
    // Files keep the six spans and no clock, whatever the clock was.
    expect(recordedTiming(remote)).toEqual(stages);
    expect(recordedTiming({ clock: "remote", totalMs: 5 })).toEqual({
      preprocessMs: 0,
      visionMs: 0,
      prefillMs: 0,
      ttftMs: 0,
      decodeMs: 0,
      totalMs: 5,
    });
  });
});
