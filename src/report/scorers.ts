/** Lazy access to the SCORERS registry for set-level metrics in paired bootstraps. */
import type { ScorerLookup } from "./compare.js";

/** Loads scorers/index.ts and returns a lookup by registry key. */
export async function loadScorerLookup(): Promise<ScorerLookup> {
  const { SCORERS } = await import("../../scorers/index.js");
  return (name) => SCORERS[name];
}
