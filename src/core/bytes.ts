/**
 * Byte counts for people, in steps of 1024 labelled KB, MB, GB, TB (the labels `fetch` has always printed
 * and scripts may match).
 */

const UNITS = ["KB", "MB", "GB", "TB"] as const;

/** `512 B`, `1.5 KB`, `66.0 MB`, `1.2 GB`: one decimal, the largest unit that keeps the value ≥ 1. */
export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < UNITS.length - 1);
  return `${v.toFixed(1)} ${UNITS[u]}`;
}
