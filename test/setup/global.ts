/**
 * Runs once before the suite: builds dist/ (unless it is already built from these sources; see
 * scripts/build.ts), so CLI end-to-end tests run the same JavaScript a user's `npx fastvlm-eval` runs.
 */
import { fileURLToPath } from "node:url";
import { buildDist } from "../../scripts/build.js";

export default function setup(): void {
  buildDist(fileURLToPath(new URL("../..", import.meta.url)));
}
