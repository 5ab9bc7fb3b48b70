/**
 * Is a run fit to be judged? A run that is partial, mostly failed, a single shard of a sharded run, or whose
 * samples.jsonl holds fewer records than run.json claims would make a comparison say something untrue (a
 * candidate stopped after 2 of 8 samples "passes" over 2 shared samples). gate fails on these, compare says
 * so, the leaderboard leaves them out. A complete `--limit` subset is healthy: it is compared on shared ids.
 */
import type { LoadedRun } from "./runs.js";

/** More than this share of failed samples makes a run "mostly failed". */
export const MOSTLY_FAILED = 0.5;

/** One reason a run should not be judged as a result. */
export interface HealthProblem {
  /** Kind of problem. */
  kind: "partial" | "shard" | "mostly-failed" | "missing-records";
  /** Sentence naming the problem and what to do. */
  text: string;
}

/** The most common error text of a run's failed samples, clipped, or null when none failed. */
export function commonError(run: LoadedRun): { text: string; count: number } | null {
  const counts = new Map<string, number>();
  for (const s of run.samples) if (s.error !== null) counts.set(s.error, (counts.get(s.error) ?? 0) + 1);
  let best: { text: string; count: number } | null = null;
  for (const [text, count] of counts) if (best === null || count > best.count) best = { text, count };
  if (best === null) return null;
  return { text: best.text.length > 160 ? `${best.text.slice(0, 157)}…` : best.text, count: best.count };
}

/** Every reason `run` is not a whole, trustworthy result (empty when it is). */
export function runHealth(run: LoadedRun): HealthProblem[] {
  const problems: HealthProblem[] = [];
  const total = run.run.nSamples.total;
  const recorded = run.samples.length;
  if (run.run.shard != null) {
    const { index, count } = run.run.shard;
    problems.push({
      kind: "shard",
      text: `it is shard ${index}/${count} of a sharded run (${total} of the task's samples): \`fastvlm-eval merge\` the shards first and pass the merged run`,
    });
  }
  if (run.run.status !== "complete") {
    problems.push({
      kind: "partial",
      text: `it is partial: ${recorded} of ${total} samples recorded (interrupted, stopped or still running); re-run the same \`fastvlm-eval run\` command to finish it`,
    });
  } else if (recorded < total) {
    problems.push({
      kind: "missing-records",
      text: `run.json says complete but samples.jsonl holds only ${recorded} of ${total} records; re-run the same \`fastvlm-eval run\` command to redo the missing ones`,
    });
  }
  const failed = run.samples.filter((s) => s.error !== null).length;
  if (recorded > 0 && failed / recorded > MOSTLY_FAILED) {
    const common = commonError(run);
    problems.push({
      kind: "mostly-failed",
      text:
        `${failed} of ${recorded} samples failed` +
        (common === null ? "" : ` (most common error, ${common.count}×: ${common.text})`) +
        "; fix the cause and re-run the same command (failed samples are retried)",
    });
  }
  return problems;
}

/** `side` (baseline/candidate) and its problems as one sentence, or null when healthy. */
export function healthSentence(side: string, problems: readonly HealthProblem[]): string | null {
  if (problems.length === 0) return null;
  return `the ${side} run is not a whole result: ${problems.map((p) => p.text).join("; ")}`;
}
