/**
 * The failure budget of a run (`--max-error-rate R`): when is a run broken rather than unlucky?
 *
 * A run stops (exit 5) only when the failed samples show, with 99% one-sided confidence, that the true
 * failure rate is above R: the Wilson score lower bound of failed/attempted exceeds R. Few samples give
 * a wide interval, so one transient failure early on never stops a run, while a model that fails every
 * sample is stopped after a handful. While the run goes on, at least MIN_FAILURES_TO_STOP failures are
 * also needed; the final verdict (every sample attempted) uses the bound alone. R = 1 never stops.
 */

/** z of the one-sided 99% normal quantile (the bound's confidence). */
export const BUDGET_Z = 2.3263478740408408;

/** Failures needed before a run is stopped mid-way (a single failure is never enough). */
export const MIN_FAILURES_TO_STOP = 3;

/** One sentence for `--help` and error messages. */
export const BUDGET_RULE =
  "stop (exit 5) once the failures show, with 99% one-sided confidence (Wilson bound), that the failure rate " +
  `exceeds R; mid-run this needs at least ${MIN_FAILURES_TO_STOP} failures`;

/** Wilson score lower bound of a binomial proportion `failed / attempted` at normal quantile `z`. */
export function wilsonLower(failed: number, attempted: number, z = BUDGET_Z): number {
  if (attempted <= 0 || failed <= 0) return 0;
  const n = attempted;
  const p = failed / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}

/** Whether `failed` of `attempted` samples exceed the budget `maxRate` (`atEnd`: every sample attempted). */
export function overBudget(failed: number, attempted: number, maxRate: number, atEnd: boolean): boolean {
  if (maxRate >= 1 || failed === 0) return false;
  if (!atEnd && failed < MIN_FAILURES_TO_STOP) return false;
  return wilsonLower(failed, attempted) > maxRate;
}

/** An error's text with its numbers blanked, so errors differing only in a sample id or row group together. */
export function errorShape(text: string): string {
  return text.replace(/\d+(\.\d+)?/g, "#");
}

/**
 * The most frequent kind of error among `errors` (grouped by errorShape; first seen wins ties): the first
 * example of it and how many errors are of that kind, or null when there are none.
 */
export function mostCommonError(errors: Iterable<string>): { text: string; count: number } | null {
  const groups = new Map<string, { text: string; count: number }>();
  for (const e of errors) {
    const key = errorShape(e);
    const g = groups.get(key);
    if (g) g.count += 1;
    else groups.set(key, { text: e, count: 1 });
  }
  let best: { text: string; count: number } | null = null;
  for (const g of groups.values()) if (best === null || g.count > best.count) best = { ...g };
  return best;
}
