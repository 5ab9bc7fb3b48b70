/** The results table `run`, `merge` and `demo` print on stdout. */
import type { RunRecord } from "../core/records.js";

function fmt(value: number | undefined, digits = 4): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

/**
 * One row per run: task, n, primary metric with its 95% CI, failures, TTFT p50/p90, status; a leading
 * model column when the records span several models.
 */
export function summaryTable(records: RunRecord[]): string {
  const manyModels = new Set(records.map((r) => r.model.name)).size > 1;
  const header = [
    ...(manyModels ? ["model"] : []),
    "task",
    "n",
    "metric",
    "value",
    "95% CI",
    "failed",
    "TTFT p50 ms",
    "TTFT p90 ms",
    "status",
  ];
  const rows = records.map((r) => {
    const primary = r.task.primaryMetric ?? Object.keys(r.metrics)[0] ?? "";
    const ci = r.ci[primary];
    return [
      ...(manyModels ? [r.model.name] : []),
      r.task.name,
      String(r.nSamples.scored + r.nSamples.failed),
      primary,
      fmt(r.metrics[primary]),
      ci ? `[${fmt(ci[0])}, ${fmt(ci[1])}]` : "–",
      String(r.nSamples.failed),
      r.latency ? fmt(r.latency.ttftMs.p50, 1) : "–",
      r.latency ? fmt(r.latency.ttftMs.p90, 1) : "–",
      r.status,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
