/** Joined configs (GQA's images): rows found by key, their row group read only when first needed. */
import { DataError } from "../core/errors.js";
import type { JoinRule, RawRow } from "../core/types.js";
import { approxBytes, ByteLru } from "./byte-lru.js";
import { openParquet, type ParquetHandle, streamParquetRows } from "./parquet.js";

interface JoinLocation {
  file: ParquetHandle;
  group: number;
  offset: number;
}

/** Finds joined rows by key, reading the row group that holds a key only when it is first needed. */
export class JoinIndex {
  private readonly where = new Map<string, JoinLocation>();
  private readonly cache: ByteLru<RawRow[]>;

  private constructor(
    /** The join this index serves. */
    readonly rule: JoinRule,
    maxBytes: number,
  ) {
    this.cache = new ByteLru(maxBytes);
  }

  /** Indexes the key column of the joined files (image bytes stay on disk). */
  static async build(rule: JoinRule, files: string[], maxBytes: number): Promise<JoinIndex> {
    const index = new JoinIndex(rule, maxBytes);
    for (const path of files) {
      const file = await openParquet(path);
      let row = 0;
      let g = 0;
      for await (const raw of streamParquetRows(path, { columns: [rule.foreignKey] })) {
        while (row >= file.groups[g]![1]) g++;
        const key = raw[rule.foreignKey];
        if (typeof key !== "string" && typeof key !== "number") {
          throw new DataError(
            `${path} row ${row}: column '${rule.foreignKey}' of joined config '${rule.config}' should be a string or integer.`,
          );
        }
        index.where.set(String(key), { file, group: g, offset: row - file.groups[g]![0] });
        row++;
      }
    }
    return index;
  }

  /** The joined row with this key, or undefined. */
  async lookup(key: string): Promise<RawRow | undefined> {
    const loc = this.where.get(key);
    if (!loc) return undefined;
    const cacheKey = `${loc.file.path}\0${loc.group}`;
    let rows = this.cache.get(cacheKey);
    if (rows === undefined) {
      const [start, end] = loc.file.groups[loc.group]!;
      rows = await loc.file.read(start, end, [this.rule.foreignKey, ...this.rule.columns]);
      this.cache.set(cacheKey, rows, approxBytes(rows));
    }
    return rows[loc.offset];
  }
}
