/**
 * Stop strings, shared by every backend: generation ends at the earliest stop string and the text is cut
 * there (the stop string itself is not part of the answer). Empty stop strings are ignored.
 */

/** Index of the earliest stop string in `text`, or -1 when none occurs. */
export function firstStop(text: string, stop: readonly string[]): number {
  let best = -1;
  for (const s of stop) {
    if (s === "") continue;
    const i = text.indexOf(s);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** The text up to the earliest stop string (all of it when none occurs). */
export function cutAtStop(text: string, stop: readonly string[]): string {
  const i = firstStop(text, stop);
  return i < 0 ? text : text.slice(0, i);
}
