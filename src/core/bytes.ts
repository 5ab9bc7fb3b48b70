/** Byte counts for people: binary (IEC) units, since every size here is counted in powers of 1024. */

const UNITS = ["KiB", "MiB", "GiB", "TiB"] as const;

/** `512 B`, `1.5 KiB`, `66.0 MiB`, `1.2 GiB`: one decimal, the largest unit that keeps the value ≥ 1. */
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
