/**
 * The runs a viewer serves: found under the given folders the way `compare` finds them, each under a short
 * key. Requests name runs only by key, so no part of a request ever becomes a file path.
 */
import { relative, resolve } from "node:path";
import { type RunRecord, readRunRecord } from "../core/records.js";
import { modelClock } from "../core/timing.js";
import { runHigherIsBetter } from "../report/compare.js";
import { deviceKey, deviceLabel, findRunDirs, primaryMetricOf } from "../report/runs.js";
import { loadScorerLookup } from "../report/scorers.js";
import { indexSamples, type SampleIndex } from "./sample-index.js";
import type { RunSummary } from "./types.js";

/** A served run. */
export interface CatalogRun {
  /** Summary. */
  summary: RunSummary;
  /** Absolute folder. */
  dir: string;
  /** run.json. */
  record: RunRecord;
}

function summarize(key: string, dir: string, run: RunRecord): RunSummary {
  const metric = primaryMetricOf(run);
  const clock = modelClock(run.model);
  // Only an on-device clock has a TTFT (a remote server's includes the network; a baseline ran no model).
  const lat = clock === "device" ? run.latency?.ttftMs : undefined;
  return {
    key,
    runId: run.runId,
    path: relative(process.cwd(), dir) || ".",
    task: run.task.name,
    taskVersion: run.task.version,
    model: run.model.name,
    device: deviceLabel(run),
    deviceKey: deviceKey(run),
    status: run.status,
    metric,
    value: run.metrics[metric] ?? null,
    ci: run.ci[metric] ?? null,
    ttft: lat ? { p50: lat.p50, p90: lat.p90 } : null,
    clock,
    counts: run.nSamples,
    dataset: run.task.dataset,
    shard: run.shard ? `${run.shard.index}/${run.shard.count}` : null,
    startedAt: run.startedAt,
  };
}

/** The runs of a viewer, with their sample indexes built on first use. */
export class Catalog {
  /** Runs by key, in the order found. */
  readonly runs = new Map<string, CatalogRun>();
  private readonly indexes = new Map<string, Promise<SampleIndex>>();

  private constructor() {}

  /** Finds every run folder under the arguments (run folders or folders above them). */
  static open(args: readonly string[]): Catalog {
    const catalog = new Catalog();
    const seen = new Set<string>();
    for (const arg of args) {
      for (const dir of findRunDirs(arg)) {
        const abs = resolve(dir);
        if (seen.has(abs)) continue;
        seen.add(abs);
        const record = readRunRecord(abs);
        let key = record.runId.replace(/[^A-Za-z0-9._-]/g, "_") || "run";
        for (let i = 2; catalog.runs.has(key); i++) key = `${record.runId}-${i}`;
        catalog.runs.set(key, { summary: summarize(key, abs, record), dir: abs, record });
      }
    }
    return catalog;
  }

  /** The run with this key, or undefined. */
  get(key: string): CatalogRun | undefined {
    return this.runs.get(key);
  }

  /** The sample index of a run (built once, then shared). */
  index(run: CatalogRun): Promise<SampleIndex> {
    let p = this.indexes.get(run.summary.key);
    if (!p) {
      p = loadScorerLookup().then((scorers) =>
        indexSamples(run.dir, {
          deviceClock: run.summary.clock === "device",
          higherIsBetter: runHigherIsBetter(run.record, run.summary.metric, scorers),
        }),
      );
      this.indexes.set(run.summary.key, p);
      // A failed build is retried on the next request.
      p.catch(() => this.indexes.delete(run.summary.key));
    }
    return p;
  }
}
