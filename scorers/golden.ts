/**
 * The shape of a scorer's golden cases. Each scorer `scorers/<key>.ts` has its cases next to it in
 * `scorers/<key>.golden.ts` (export `golden`), found by its registry key: test/unit/scorers/golden.test.ts
 * runs them for every scorer of SCORERS, test/unit/completeness.test.ts fails naming a scorer without them,
 * and test/unit/scorers/fixtures/dump_golden.ts hands them to the reference-Python check (check_golden*.py).
 * Expected values are worked out from the reference rules and confirmed by the reference code; never edit one
 * to make a test pass (scorers/README.md, "Golden case rule").
 */
import type { Json } from "../src/core/types.js";

/** One prediction and what `scoreSample` must return for it; only the fields given are checked. */
export interface GoldenCase<Ref extends Json> {
  /** What the case pins (the rule or quirk it exercises). */
  why: string;
  /** Raw model output, before the strip every scorer applies. */
  prediction: string;
  /** The reference as the task builds it. */
  reference: Ref;
  /** The sample id passed to `scoreSample` (default "id-1"; MMMU's random fallback is seeded by it). */
  id?: string;
  /** Expected score, exactly; omitted where the reference itself is random (MMMU's fallback). */
  score?: number;
  /** Expected `parsed`, where it matters. */
  parsed?: Json;
  /** Expected `parseOk`, where it matters. */
  parseOk?: boolean;
  /** Expected parse `rule`, where it matters. */
  rule?: string;
}

/** A hand-built set and the exact aggregates it must produce. */
export interface GoldenAggregate<Ref extends Json> {
  /** What the set pins. */
  why: string;
  /** The samples, in order; sample i gets id `id ?? String(i)`. */
  samples: { prediction: string; reference: Ref; id?: string }[];
  /** Metric → exact expected value. */
  expected: Record<string, number>;
  /** Metrics the aggregate must report besides `expected` when `complete` (values unchecked). */
  alsoReported?: string[];
  /** True: the aggregate reports exactly the metrics of `expected` (and `alsoReported`), no others. */
  complete?: boolean;
}

/** A scorer's golden cases: ≥ 30 per-sample cases, plus aggregates where the metric needs the whole set. */
export interface GoldenSet<Ref extends Json> {
  /** Per-sample cases (test/unit/completeness.test.ts wants at least 30). */
  cases: GoldenCase<Ref>[];
  /** Set-level cases (POPE F1, MMMU disciplines, per-group breakdowns). */
  aggregates?: GoldenAggregate<Ref>[];
}
