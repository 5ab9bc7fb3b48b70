/** Plain-text tables for bench output (stdout). */
import type { BenchMedian, BenchRun } from "./latency.js";

/** Right-aligned columns; the first column left-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const ms = (x: number): string => x.toFixed(1);

/** Per-run rows plus a median row. */
export function formatBenchTable(runs: readonly BenchRun[], med: BenchMedian): string {
  const row = (label: string, r: BenchRun | BenchMedian): string[] => [
    label,
    ms(r.ttftMs),
    ms(r.preprocessMs),
    ms(r.visionMs),
    ms(r.prefillMs),
    ms(r.decodeMs),
    String(r.outputTokens),
    r.decodeTokensPerSec === null ? "-" : r.decodeTokensPerSec.toFixed(1),
  ];
  return formatTable(
    ["run", "ttft ms", "preprocess", "vision", "prefill", "decode ms", "tokens", "decode tok/s"],
    [...runs.map((r, i) => row(String(i + 1), r)), row("median", med)],
  );
}
