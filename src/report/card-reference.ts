/**
 * The numbers Apple publishes on the FastVLM model cards, kept as data with their source, so a user can see
 * their own runs beside them: marked reference rows on the leaderboard (never averaged, no TTFT) and a delta
 * per task in `compare --card <model>`.
 *
 * The three cards (FastVLM-0.5B, 1.5B, 7B) carry the same eleven-row table. They say neither which split or
 * variant each row uses (ScienceQA full or IMG, VQAv2 val or test-dev, InfoVQA val or test) nor which tool
 * produced the numbers, and the numbers match no table of the FastVLM paper. A delta is therefore a sanity
 * check, not a reproduction test.
 *
 * Only the numbers and where they were read are the cards' own facts. Which tasks the cards cover and in what
 * order is the `fastvlm-card` group (tasks/groups.ts), and the metric a number is read as is that task's
 * primary metric (its scorer's `primary`); test/unit/completeness.test.ts fails when the table and the group
 * disagree.
 */
import { FASTVLM_CARD } from "../../tasks/groups.js";
import { TASKS } from "../../tasks/index.js";
import type { LoadedRun } from "./runs.js";

/** Where a card's numbers were read. */
export interface CardSource {
  /** The card's URL (a commit-pinned one where known). */
  url: string;
  /** The card repo commit the numbers were read at, or null when it was not recorded. */
  commit: string | null;
}

/** One model's published row. */
export interface PublishedModel {
  /** Name as on the card and in the model registry (`fastvlm-0.5b`). */
  model: string;
  /** Hub repo of the card. */
  repo: string;
  /** Where the numbers come from. */
  source: CardSource;
  /** Task name → the card's number as printed (points, 0–100). */
  points: Record<string, number>;
}

/** What every card row leaves unstated; shown wherever the numbers are. */
export const CARD_CAVEAT =
  "Published on the FastVLM model cards, which state neither the split or variant of each benchmark nor the " +
  "evaluation tool; the numbers match no table of the FastVLM paper. Compare with care.";

/**
 * The metric each card row is read as: the card task's primary metric, for the `fastvlm-card` group's tasks in
 * the cards' row order.
 */
export const CARD_METRICS: Readonly<Record<string, string>> = Object.fromEntries(
  FASTVLM_CARD.flatMap((name) => {
    const task = TASKS[name];
    return task ? [[name, task.scorer.primary]] : [];
  }),
);

/** The cards' table, each model's numbers as printed, in the cards' row order (Ai2D … SeedBench-Img). */
export const PUBLISHED: readonly PublishedModel[] = [
  {
    model: "fastvlm-0.5b",
    repo: "apple/FastVLM-0.5B",
    source: {
      url: "https://huggingface.co/apple/FastVLM-0.5B/blob/a93e998963b969dc970544ac9c67b1f2fba9a7f4/README.md",
      commit: "a93e998963b969dc970544ac9c67b1f2fba9a7f4",
    },
    points: {
      ai2d: 68.0,
      scienceqa_img: 85.2,
      mmmu: 33.9,
      vqav2: 76.3,
      chartqa: 76.0,
      textvqa: 64.5,
      infovqa: 46.4,
      docvqa: 82.5,
      ocrbench: 63.9,
      realworldqa: 56.1,
      seedbench: 71.0,
    },
  },
  {
    model: "fastvlm-1.5b",
    repo: "apple/FastVLM-1.5B",
    source: { url: "https://huggingface.co/apple/FastVLM-1.5B/blob/main/README.md", commit: null },
    points: {
      ai2d: 77.4,
      scienceqa_img: 94.4,
      mmmu: 37.8,
      vqav2: 79.1,
      chartqa: 80.1,
      textvqa: 70.4,
      infovqa: 59.7,
      docvqa: 88.3,
      ocrbench: 70.2,
      realworldqa: 61.2,
      seedbench: 74.2,
    },
  },
  {
    model: "fastvlm-7b",
    repo: "apple/FastVLM-7B",
    source: { url: "https://huggingface.co/apple/FastVLM-7B/blob/main/README.md", commit: null },
    points: {
      ai2d: 83.6,
      scienceqa_img: 96.7,
      mmmu: 45.4,
      vqav2: 80.8,
      chartqa: 85.0,
      textvqa: 74.9,
      infovqa: 75.8,
      docvqa: 93.2,
      ocrbench: 73.1,
      realworldqa: 67.2,
      seedbench: 75.4,
    },
  },
];

/** A reference row of leaderboard.json: one model card's numbers on the leaderboard's columns. */
export interface LeaderboardReference {
  /** Stable id (`card-fastvlm-0.5b`). */
  id: string;
  /** Row label (`FastVLM-0.5B (model card)`). */
  label: string;
  /** Model name. */
  model: string;
  /** Card repo. */
  repo: string;
  /** Where the numbers come from. */
  source: CardSource;
  /** CARD_CAVEAT. */
  caveat: string;
  /** Column key → the card's number (0..1), for columns whose task and metric the card reports. */
  scores: Record<string, number>;
}

/** The card rows for a leaderboard's columns; none when no column is a card benchmark. */
export function cardReferenceRows(
  columns: readonly { key: string; task: string; metric: string }[],
): LeaderboardReference[] {
  const out: LeaderboardReference[] = [];
  for (const p of PUBLISHED) {
    const scores: Record<string, number> = {};
    for (const c of columns) {
      const v = p.points[c.task];
      if (v !== undefined && CARD_METRICS[c.task] === c.metric) scores[c.key] = v / 100;
    }
    if (Object.keys(scores).length === 0) continue;
    out.push({
      id: `card-${p.model}`,
      label: `${p.repo.split("/")[1]} (model card)`,
      model: p.model,
      repo: p.repo,
      source: p.source,
      caveat: CARD_CAVEAT,
      scores,
    });
  }
  return out;
}

/** One task of `compare --card`. */
export interface CardDelta {
  /** Task name. */
  task: string;
  /** The metric compared. */
  metric: string;
  /** The run's value (0..1). */
  measured: number;
  /** The card's value (0..1). */
  published: number;
  /** measured − published, in points (×100). */
  deltaPoints: number;
  /** Samples the run scored. */
  n: number;
}

/** The published model of that name (case-insensitive), or undefined. */
export function publishedModel(name: string): PublishedModel | undefined {
  return PUBLISHED.find((p) => p.model === name.toLowerCase());
}

/** Deltas of a set of runs (task → run) to a card; tasks the card lacks, or with another metric, are left out. */
export function cardDeltas(runs: ReadonlyMap<string, LoadedRun>, card: PublishedModel): CardDelta[] {
  const out: CardDelta[] = [];
  for (const task of Object.keys(CARD_METRICS)) {
    const r = runs.get(task);
    const points = card.points[task];
    const metric = CARD_METRICS[task]!;
    if (!r || points === undefined || r.primaryMetric !== metric) continue;
    const measured = r.run.metrics[metric];
    if (measured === undefined || !Number.isFinite(measured)) continue;
    const n = r.run.nSamples.scored;
    out.push({
      task,
      metric,
      measured,
      published: points / 100,
      deltaPoints: (measured - points / 100) * 100,
      n,
    });
  }
  return out;
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)}`;
}

/** `compare --card` as rows: task, metric, measured, card, delta (points), n. */
export function cardDeltaRows(deltas: readonly CardDelta[]): string[][] {
  return deltas.map((d) => [
    d.task,
    d.metric,
    (d.measured * 100).toFixed(1),
    (d.published * 100).toFixed(1),
    signed(d.deltaPoints),
    String(d.n),
  ]);
}

/** The header of cardDeltaRows. */
export const CARD_DELTA_HEADER = ["task", "metric", "measured", "card", "Δ points", "n"];
