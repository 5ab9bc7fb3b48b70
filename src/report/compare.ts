/**
 * Comparing two runs of one task: paired bootstrap of the primary metric over shared ids, right/wrong flips,
 * and TTFT deltas when the device matches. Shared by `compare` and `gate`.
 */
import type { RunRecord, SampleRecord } from "../core/records.js";
import { modelClock } from "../core/timing.js";
import type { ScoredSample } from "../core/types.js";
import { higherIsBetter, type MetricCatalog } from "../stats/metrics.js";
import { pairedBootstrap, relativeQuantileChange } from "../stats/paired.js";
import { type HealthProblem, runHealth } from "./health.js";
import { comparabilityIssues, deviceKey, deviceLabel, type LoadedRun } from "./runs.js";

/** Minimal scorer shape the comparison needs (scorers/index.ts SCORERS entries fit). */
export interface AggregatingScorer extends Partial<MetricCatalog> {
  /** Whole-set aggregation: metric name → value. */
  aggregate(samples: ScoredSample[]): Record<string, number>;
}

/** Looks a scorer up by registry key; undefined when unknown. */
export type ScorerLookup = (name: string) => AggregatingScorer | undefined;

/** One flipped sample with both outputs. */
export interface FlipExample {
  /** Sample id. */
  id: string;
  /** Baseline output (null when the sample failed). */
  baseline: string | null;
  /** Candidate output. */
  candidate: string | null;
  /** Baseline score. */
  baselineScore: number | null;
  /** Candidate score. */
  candidateScore: number | null;
}

/** TTFT of one run's serial latency pass. */
export interface TtftSummary {
  /** Median ms. */
  p50: number;
  /** 90th percentile ms. */
  p90: number;
  /** Measurements. */
  n: number;
}

/** Latency comparison: judged only between on-device clocks, on the same device. */
export type LatencyComparison =
  | {
      /** Both runs have a latency pass on the same device. */
      status: "compared";
      /** Device description. */
      device: string;
      /** Baseline TTFT. */
      baseline: TtftSummary;
      /** Candidate TTFT. */
      candidate: TtftSummary;
      /** Candidate − baseline p50, ms. */
      deltaP50Ms: number;
      /** Candidate − baseline p90, ms. */
      deltaP90Ms: number;
      /** Relative p50 change in percent. */
      p50ChangePct: number;
      /** Bootstrap 95% interval of the p50 change in percent, or null when per-sample timings are missing. */
      p50ChangeCi: [number, number] | null;
    }
  | {
      /**
       * Not compared; `reason` says why: another device, no latency pass, or a side whose clock is not on the
       * device (a remote server's TTFT includes the network; a baseline's is no model's).
       */
      status: "different-device" | "missing" | "no-device-clock";
      /** Plain-language reason. */
      reason: string;
    };

/** Baseline vs candidate on one task. */
export interface TaskComparison {
  /** Task name. */
  task: string;
  /** Primary metric name. */
  metric: string;
  /** [baseline, candidate] values of the metric as recorded in run.json (NaN when absent). */
  values: [number, number];
  /** Candidate − baseline on the shared ids (metric scale, not points). */
  delta: number;
  /** Whether a larger value is better (the scorer's metric metadata; true when the scorer is unknown). */
  higherIsBetter: boolean;
  /** Paired bootstrap 95% interval of the delta. */
  ci: [number, number];
  /** How the metric was recomputed on resamples. */
  method: "scorer-aggregate" | "mean-score";
  /** Ids in both runs. */
  shared: number;
  /** Ids only in the baseline / only in the candidate. */
  unpaired: { baseline: number; candidate: number };
  /** Right→wrong and wrong→right counts over shared ids. */
  flips: { rightToWrong: number; wrongToRight: number };
  /**
   * Shared ids whose sample failed (no score) on each side. compare and gate count them as wrong, while the
   * runner's run.json metrics leave failed samples out, so the two can differ by these.
   */
  failed: { baseline: number; candidate: number };
  /** The first few flipped samples each way (ids sorted). */
  examples: { rightToWrong: FlipExample[]; wrongToRight: FlipExample[] };
  /** TTFT deltas. */
  latency: LatencyComparison;
  /** Reasons the two runs are not strictly comparable (task version, dataset revision, metric). */
  issues: string[];
  /** Why either run is not a whole result (partial, mostly failed, an unmerged shard); empty when healthy. */
  health: { baseline: HealthProblem[]; candidate: HealthProblem[] };
}

/** Options of compareTask. */
export interface CompareOptions {
  /** Bootstrap seed; default 0. */
  seed?: number | string;
  /** Bootstrap resamples; default 1000. */
  resamples?: number;
  /** Flip examples kept per direction; default 5. */
  examples?: number;
  /** Scorer lookup for set-level metrics (F1); default: mean of per-sample scores. */
  scorers?: ScorerLookup;
}

/**
 * A sample is right when its score is on the better side of one half: ≥ 0.5 for a higher-is-better metric
 * (exact 1/0 scores included), ≤ 0.5 for a lower-is-better one; failed samples (score null) are wrong. For
 * graded metrics (ANLS, VQA accuracy) this counts a flip only when a sample crosses one half.
 */
export function isRight(sample: SampleRecord | undefined, higherIsBetter = true): boolean {
  if (sample === undefined || sample.score === null) return false;
  return higherIsBetter ? sample.score >= 0.5 : sample.score <= 0.5;
}

/**
 * Whether a larger value of a run's `metric` is better, from its scorer's metadata (looked up by the name
 * run.json records); true when the scorer or the metric is unknown.
 */
export function runHigherIsBetter(run: RunRecord, metric: string, scorers?: ScorerLookup): boolean {
  const name = run.task.scorer?.name;
  return scorerHigherIsBetter(name !== undefined ? scorers?.(name) : undefined, metric);
}

/** `higherIsBetter` from a looked-up scorer's metadata (none known: true). */
function scorerHigherIsBetter(scorer: ReturnType<ScorerLookup>, metric: string): boolean {
  return higherIsBetter(
    scorer?.metrics ? { metrics: scorer.metrics, breakdowns: scorer.breakdowns } : undefined,
    metric,
  );
}

/** A sample that failed (an error, no score): counted as wrong by compare and gate. */
export function isFailed(sample: SampleRecord): boolean {
  return sample.error !== null || sample.score === null;
}

function asScored(s: SampleRecord, higherIsBetter: boolean): ScoredSample {
  // A failed sample counts as a wrong, unparsed answer: the worst end of the 0..1 score scale.
  return {
    id: s.id,
    reference: s.reference,
    result: {
      score: s.score ?? (higherIsBetter ? 0 : 1),
      parsed: s.score === null ? null : s.parsed,
      parseOk: s.parseOk,
      rule: s.rule,
    },
  };
}

function ttftSummary(run: LoadedRun): TtftSummary | null {
  const t = run.run.latency?.ttftMs;
  return t ? { p50: t.p50, p90: t.p90, n: t.n } : null;
}

/** Compares TTFT of two runs of a task: only on equal device keys. */
export function compareLatency(
  baseline: LoadedRun,
  candidate: LoadedRun,
  options: Pick<CompareOptions, "seed" | "resamples"> = {},
): LatencyComparison {
  const clocks = [modelClock(baseline.run.model), modelClock(candidate.run.model)] as const;
  if (clocks[0] !== "device" || clocks[1] !== "device") {
    const side = (clock: string, name: string) =>
      clock === "device"
        ? null
        : `the ${name}'s clock is ${clock === "remote" ? "a remote server's" : "no model's"}`;
    const why = [side(clocks[0], "baseline"), side(clocks[1], "candidate")].filter((x) => x !== null);
    return { status: "no-device-clock", reason: `no on-device TTFT: ${why.join(" and ")}` };
  }
  const b = ttftSummary(baseline);
  const c = ttftSummary(candidate);
  if (!b || !c) {
    const which = !b && !c ? "either run" : !b ? "the baseline" : "the candidate";
    return { status: "missing", reason: `no latency pass in ${which}` };
  }
  if (deviceKey(baseline.run) !== deviceKey(candidate.run)) {
    return {
      status: "different-device",
      reason: `different device: ${deviceLabel(baseline.run)} vs ${deviceLabel(candidate.run)}`,
    };
  }
  let ci: [number, number] | null = null;
  if (baseline.serialTtftMs && candidate.serialTtftMs) {
    ci = relativeQuantileChange(baseline.serialTtftMs, candidate.serialTtftMs, {
      seed: `${options.seed ?? 0}:latency`,
      resamples: options.resamples ?? 1000,
    }).ci;
  }
  return {
    status: "compared",
    device: deviceLabel(candidate.run),
    baseline: b,
    candidate: c,
    deltaP50Ms: c.p50 - b.p50,
    deltaP90Ms: c.p90 - b.p90,
    p50ChangePct: 100 * (c.p50 / b.p50 - 1),
    p50ChangeCi: ci,
  };
}

function example(id: string, b: SampleRecord, c: SampleRecord): FlipExample {
  return {
    id,
    baseline: b.prediction,
    candidate: c.prediction,
    baselineScore: b.score,
    candidateScore: c.score,
  };
}

/** Compares two runs of one task. */
export function compareTask(
  baseline: LoadedRun,
  candidate: LoadedRun,
  options: CompareOptions = {},
): TaskComparison {
  const metric = baseline.primaryMetric;
  const bById = new Map(baseline.samples.map((s) => [s.id, s]));
  const cById = new Map(candidate.samples.map((s) => [s.id, s]));
  const sharedIds = [...bById.keys()].filter((id) => cById.has(id)).sort();
  const bShared = sharedIds.map((id) => bById.get(id)!);
  const cShared = sharedIds.map((id) => cById.get(id)!);

  const scorerName = baseline.run.task.scorer?.name ?? candidate.run.task.scorer?.name;
  const scorer = scorerName !== undefined ? options.scorers?.(scorerName) : undefined;
  const better = scorerHigherIsBetter(scorer, metric);
  const bScored = bShared.map((s) => asScored(s, better));
  const cScored = cShared.map((s) => asScored(s, better));
  // Use the scorer only when its aggregate really yields the primary metric.
  const useScorer =
    scorer !== undefined && bScored.length > 0 && Number.isFinite(scorer.aggregate(bScored)[metric]);
  const bScores = bScored.map((s) => s.result.score);
  const cScores = cScored.map((s) => s.result.score);
  const meanAt = (xs: number[], idx: readonly number[]): number => {
    let sum = 0;
    for (const i of idx) sum += xs[i]!;
    return sum / idx.length;
  };
  const boot = pairedBootstrap(
    sharedIds.length,
    (side, idx) => {
      if (useScorer) {
        const list = side === "baseline" ? bScored : cScored;
        return scorer.aggregate(idx.map((i) => list[i]!))[metric] ?? Number.NaN;
      }
      return meanAt(side === "baseline" ? bScores : cScores, idx);
    },
    { seed: options.seed ?? 0, resamples: options.resamples ?? 1000 },
  );

  const keep = options.examples ?? 5;
  const rightToWrong: FlipExample[] = [];
  const wrongToRight: FlipExample[] = [];
  let r2w = 0;
  let w2r = 0;
  sharedIds.forEach((id, i) => {
    const b = bShared[i]!;
    const c = cShared[i]!;
    const br = isRight(b, better);
    const cr = isRight(c, better);
    if (br && !cr) {
      r2w++;
      if (rightToWrong.length < keep) rightToWrong.push(example(id, b, c));
    } else if (!br && cr) {
      w2r++;
      if (wrongToRight.length < keep) wrongToRight.push(example(id, b, c));
    }
  });

  return {
    task: baseline.run.task.name,
    metric,
    values: [baseline.run.metrics[metric] ?? Number.NaN, candidate.run.metrics[metric] ?? Number.NaN],
    delta: boot.estimate,
    higherIsBetter: better,
    ci: boot.ci,
    method: useScorer ? "scorer-aggregate" : "mean-score",
    shared: sharedIds.length,
    unpaired: { baseline: bById.size - sharedIds.length, candidate: cById.size - sharedIds.length },
    flips: { rightToWrong: r2w, wrongToRight: w2r },
    failed: { baseline: bShared.filter(isFailed).length, candidate: cShared.filter(isFailed).length },
    examples: { rightToWrong, wrongToRight },
    latency: compareLatency(baseline, candidate, options),
    issues: comparabilityIssues(baseline, candidate),
    health: { baseline: runHealth(baseline), candidate: runHealth(candidate) },
  };
}

/** A sentence on the failed shared samples of a comparison, or null when none failed. */
export function failedNote(c: Pick<TaskComparison, "failed">): string | null {
  const { baseline, candidate } = c.failed;
  if (baseline + candidate === 0) return null;
  return (
    `${baseline} shared sample(s) failed in the baseline and ${candidate} in the candidate; ` +
    "they count as wrong here (run.json metrics leave failed samples out)"
  );
}

/** `--seed S`: a non-negative integer; anything else is added to `problems` (and 0 returned). */
export function parseSeed(value: string, problems: string[]): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    problems.push(`--seed must be a non-negative integer, got '${value}'`);
    return 0;
  }
  return n;
}
