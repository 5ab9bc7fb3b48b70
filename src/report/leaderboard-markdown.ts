/** The leaderboard's README.md: an intro, the table (runs, then the model cards' reference rows) and notes. */
import { mdTable, ms, pts } from "./format.js";
import { TTFT_TASK_ORDER } from "./leaderboard-collect.js";
import type { Leaderboard, LeaderboardRow } from "./leaderboard-types.js";

/** A score cell: `61.2 (n=500, 57.0–65.3)`, or `–`. */
export function cellText(row: LeaderboardRow, key: string): string {
  const v = row.scores[key];
  if (v === undefined) return "–";
  const cell = row.cells?.[key];
  if (cell === undefined) return pts(v);
  const ci = cell.ci !== null ? `, ${pts(cell.ci[0])}–${pts(cell.ci[1])}` : "";
  return `${pts(v)} (n=${cell.n}${ci})`;
}

/** The table: a line per row, then a line per reference row (no average, group, TTFT, device or date). */
function markdownTable(lb: Leaderboard, multiGroup: boolean): string {
  const header = [
    "model",
    ...lb.columns.map((c) => `${c.label} (${c.metric})`),
    "average",
    ...(multiGroup ? ["group"] : []),
    "TTFT p50",
    "TTFT p90",
    "device",
    "date",
  ];
  const rows = lb.rows.map((r) => [
    r.synthetic ? `${r.model.name} (demo: synthetic data, random weights)` : r.model.name,
    ...lb.columns.map((c) => cellText(r, c.key)),
    r.average !== null ? pts(r.average) : "–",
    ...(multiGroup ? [r.group] : []),
    r.ttft ? ms(r.ttft.p50) : "–",
    r.ttft ? ms(r.ttft.p90) : "–",
    r.device.label,
    r.date ?? "–",
  ]);
  for (const ref of lb.references ?? []) {
    rows.push([
      `${ref.label} — reference`,
      ...lb.columns.map((c) => (ref.scores[c.key] !== undefined ? pts(ref.scores[c.key]!) : "–")),
      "–",
      ...(multiGroup ? ["–"] : []),
      "–",
      "–",
      "–",
      "–",
    ]);
  }
  return mdTable(header, rows);
}

/** The title, the demo warning when a row is synthetic, and what the numbers are. */
function intro(lb: Leaderboard): string[] {
  const synthetic = lb.rows.some((r) => r.synthetic);
  return [
    "# Leaderboard",
    "",
    ...(synthetic
      ? [
          "> **Demo rows are not results.** Rows marked *demo* ran on the bundled synthetic data (8 generated samples per " +
            "task, not the real benchmark) with random weights; they show that the pipeline works, nothing about the model.",
          "",
        ]
      : []),
    "Scores are each task's primary metric × 100, with the number of samples scored (n) and the 95% interval. " +
      "Baselines and remote backends have no on-device clock and show no TTFT. TTFT is the serial latency pass (concurrency 1, after warm-up) " +
      `of the row's first task in the order ${TTFT_TASK_ORDER.join(", ")}, on the device shown.`,
    "",
  ];
}

/** Each group's columns (only with several groups). */
function groupNotes(lb: Leaderboard): string[] {
  const lines = [
    "Averages are comparable only within a group (the same task versions and dataset revisions):",
    "",
  ];
  for (const g of lb.groups) {
    const labels = g.columns.map((k) => lb.columns.find((c) => c.key === k)?.label ?? k);
    lines.push(`- group ${g.id}: ${labels.join(", ") || "(none)"}`);
  }
  lines.push("");
  return lines;
}

/** What the reference rows are, and where each one's numbers come from (only with reference rows). */
function referenceNotes(lb: Leaderboard): string[] {
  const references = lb.references ?? [];
  if (references.length === 0) return [];
  const lines = [
    `Rows marked "reference" are published numbers, not runs (never averaged, no TTFT). ${references[0]!.caveat}`,
    "",
  ];
  for (const ref of references) {
    lines.push(
      `- ${ref.label}: ${ref.source.url}${ref.source.commit ? ` (commit ${ref.source.commit})` : ""}`,
    );
  }
  lines.push("");
  return lines;
}

/** Each column's task, version, dataset, revision and metric. */
function columnNotes(lb: Leaderboard): string[] {
  const lines = ["Columns:", ""];
  for (const c of lb.columns) {
    lines.push(
      `- ${c.label}: ${c.task} v${c.version}, ${c.dataset.replace(/[<>|]/g, "")} @ ${c.revision ?? "unpinned"}, ${c.metric}`,
    );
  }
  lines.push("");
  return lines;
}

/** The README.md table. */
export function leaderboardMarkdown(lb: Leaderboard): string {
  const multiGroup = lb.groups.length > 1;
  const lines = [
    ...intro(lb),
    markdownTable(lb, multiGroup),
    "",
    ...(multiGroup ? groupNotes(lb) : []),
    ...referenceNotes(lb),
    ...columnNotes(lb),
  ];
  return lines.join("\n");
}
