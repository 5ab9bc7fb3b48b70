/**
 * Finds each scorer's golden cases by its registry key: `scorers/<key>.golden.ts`, export `golden`
 * (scorers/golden.ts has the shape). Found by name, so a new metric needs no list of golden tables anywhere.
 */
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { GoldenSet } from "../../scorers/golden.js";
import type { Json } from "../../src/core/types.js";

const SCORERS_DIR = new URL("../../scorers/", import.meta.url);
const SUFFIX = ".golden.ts";

/** The repository path of a scorer's golden module. */
export function goldenModulePath(key: string): string {
  return `scorers/${key}${SUFFIX}`;
}

/** The scorer keys that have a golden module, from the file names in scorers/. */
export function goldenModuleKeys(): string[] {
  return readdirSync(fileURLToPath(SCORERS_DIR))
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
}

/** Loads a scorer's golden cases; throws naming the file when it is missing or exports no `golden`. */
export async function loadGolden(key: string): Promise<GoldenSet<Json>> {
  const url = new URL(`${key}${SUFFIX}`, SCORERS_DIR);
  if (!existsSync(url)) {
    throw new Error(`scorer '${key}' has no golden cases: add ${goldenModulePath(key)} exporting \`golden\``);
  }
  const mod = (await import(url.href)) as { golden?: GoldenSet<Json> };
  if (!Array.isArray(mod.golden?.cases)) {
    throw new Error(`${goldenModulePath(key)} must export \`golden\` (a GoldenSet with \`cases\`)`);
  }
  return mod.golden;
}
