/**
 * Reading a scorer's metric metadata: the metric itself, or the breakdown family a per-group name belongs to
 * (read like its base metric, its interval bootstrapped).
 */
import type { Json, MetricSpec, Scorer } from "../core/types.js";

/** The part of a scorer that carries metric metadata (SCORERS entries fit). */
export interface MetricCatalog {
  /** Declared metrics by name. */
  metrics: Readonly<Record<string, MetricSpec<never>>>;
  /** Per-group metric families. */
  breakdowns?: Scorer<Json>["breakdowns"];
}

/** The metadata of `name` on `scorer`, or undefined when the scorer declares no such metric. */
export function metricSpec<Ref extends Json>(scorer: Scorer<Ref>, name: string): MetricSpec<Ref> | undefined {
  const own = Object.hasOwn(scorer.metrics, name) ? scorer.metrics[name] : undefined;
  if (own) return own;
  const family = scorer.breakdowns?.find((b) => b.matches(name));
  const base =
    family && Object.hasOwn(scorer.metrics, family.metric) ? scorer.metrics[family.metric] : undefined;
  if (!family || !base) return undefined;
  return {
    description: `${base.description}, per ${family.by}`,
    aggregation: base.aggregation,
    higherIsBetter: base.higherIsBetter,
    ci: { method: "bootstrap" },
  };
}

/** Whether a larger value of `name` is better; true when the metric is unknown (every headline metric so far). */
export function higherIsBetter(catalog: MetricCatalog | undefined, name: string): boolean {
  if (catalog === undefined) return true;
  const own = Object.hasOwn(catalog.metrics, name) ? catalog.metrics[name] : undefined;
  if (own) return own.higherIsBetter;
  const family = catalog.breakdowns?.find((b) => b.matches(name));
  const base =
    family && Object.hasOwn(catalog.metrics, family.metric) ? catalog.metrics[family.metric] : undefined;
  return base?.higherIsBetter ?? true;
}
