/** A bounded read-ahead over an async iterable: rows and image bytes are in hand before the pool asks. */

/**
 * Yields the items of `source` while keeping up to `depth` further items requested ahead. Memory is bounded
 * by `depth` items; the source is closed when the consumer stops early.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  let finished = false;
  const request = (): void => {
    const p = it.next();
    // A read-ahead that fails is reported when its turn comes; never as an unhandled rejection.
    p.catch(() => {});
    queue.push(p);
  };
  try {
    for (;;) {
      while (!finished && queue.length < Math.max(1, depth)) request();
      const next = queue.shift();
      if (next === undefined) return;
      const r = await next;
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) await it.return?.();
  }
}

/** Keeps the items for which `keep` is true. */
export async function* filterAsync<T>(
  source: AsyncIterable<T>,
  keep: (item: T) => boolean,
): AsyncGenerator<T> {
  for await (const item of source) if (keep(item)) yield item;
}
