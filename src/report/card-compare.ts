/** `compare --card <model>`: each run set's primary metrics beside a FastVLM model card's published numbers. */
import { UsageError, unknownName } from "../core/errors.js";
import { out, outJson } from "../core/log.js";
import {
  CARD_CAVEAT,
  CARD_DELTA_HEADER,
  CARD_METRICS,
  cardDeltaRows,
  cardDeltas,
  PUBLISHED,
  publishedModel,
} from "./card-reference.js";
import { mdTable } from "./format.js";
import { loadRunSet, runSetLabel } from "./runs.js";

function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Prints the deltas of every run set (folder argument) to the named card. */
export async function compareToCard(
  args: string[],
  model: string,
  format: "text" | "md" | "json",
): Promise<void> {
  const card = publishedModel(model);
  if (!card)
    throw unknownName(
      "model card",
      model,
      PUBLISHED.map((p) => p.model),
    );
  const results = args.map((arg) => {
    const runs = loadRunSet(arg);
    return { label: runSetLabel(arg, runs), arg, deltas: cardDeltas(runs, card), tasks: [...runs.keys()] };
  });
  if (results.every((r) => r.deltas.length === 0)) {
    throw new UsageError(
      `No run is a task of the ${card.repo} card with its card metric.`,
      `Card tasks: ${Object.keys(CARD_METRICS).join(", ")}; runs: ${results.map((r) => `${r.label}: ${r.tasks.join(", ")}`).join("; ")}.`,
    );
  }
  const source = `${card.source.url}${card.source.commit ? ` (commit ${card.source.commit})` : ""}`;
  if (format === "json") {
    outJson({
      card: { model: card.model, repo: card.repo, source: card.source, caveat: CARD_CAVEAT },
      runs: results.map((r) => ({ label: r.label, path: r.arg, deltas: r.deltas })),
    });
    return;
  }
  for (const r of results) {
    if (format === "md") {
      out(`### ${r.label} vs ${card.repo} (model card)\n`);
      out(mdTable(CARD_DELTA_HEADER, cardDeltaRows(r.deltas)));
      out("");
    } else {
      out(`${r.label} vs ${card.repo} (model card), in points:`);
      out(textTable([CARD_DELTA_HEADER, ...cardDeltaRows(r.deltas)]));
      out("");
    }
  }
  out(`Source: ${source}. ${CARD_CAVEAT}`);
}
