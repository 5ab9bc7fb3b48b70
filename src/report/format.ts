/** Small formatting helpers shared by the terminal, Markdown and HTML reports. */

/** A metric value (0..1) as points with one decimal; "–" when not a number. */
export function pts(value: number): string {
  return Number.isFinite(value) ? (value * 100).toFixed(1) : "–";
}

/** A signed difference in points. */
export function signedPts(value: number): string {
  if (!Number.isFinite(value)) return "–";
  const p = value * 100;
  return `${p >= 0 ? "+" : ""}${p.toFixed(1)}`;
}

/** A signed number with a unit. */
export function signed(value: number, digits = 1, unit = ""): string {
  if (!Number.isFinite(value)) return "–";
  return `${value >= 0 ? "+" : ""}${value.toFixed(digits)}${unit}`;
}

/** An interval in points. */
export function ciPts(ci: readonly [number, number]): string {
  return `[${signedPts(ci[0])}, ${signedPts(ci[1])}]`;
}

/** Milliseconds with no decimals under 10 s. */
export function ms(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : "–";
}

/** A plain-text table with aligned columns (first column left, others left too for readability). */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Escapes a cell for a Markdown table (pipes, newlines, HTML-significant characters). */
export function mdCell(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, " ");
}

/** A Markdown table. */
export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map(mdCell).join(" | ")} |`;
  return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

/** Shortens an output for a one-line display. */
export function clip(text: string | null, max = 60): string {
  if (text === null) return "(failed)";
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
