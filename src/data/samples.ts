/**
 * Turns a task's Hub files into TaskSamples: streams parquet rows (one row group in memory),
 * merges joined configs (GQA images) lazily, validates rows with the task's parseRow and builds the
 * prompt, images, doc, reference and stratum. Errors name the file, the row index and the column.
 * Unreadable image bytes are not an error here: the model stage records those per sample.
 */
import { DataError } from "../core/errors.js";
import type { JoinRule, Json, RawRow, TaskDefinition, TaskSample } from "../core/types.js";
import type { DatasetFiles as HubDatasetFiles } from "../hub/index.js";
import { parquetRowGroups, readParquetRange, streamParquetRows } from "./parquet.js";

/** What loadSamples needs of the Hub layer's DatasetFiles (repo, sha, split files, joined files). */
export type DatasetFiles = Pick<HubDatasetFiles, "repo" | "sha" | "files" | "joins">;

/** Options of loadSamples. */
export interface LoadSamplesOptions {
  /** Row groups of joined files kept decoded at once (default 2). */
  joinCacheGroups?: number;
}

interface JoinLocation {
  file: string;
  groupStart: number;
  groupEnd: number;
  offset: number;
}

/** Finds joined rows by key, reading the row group that holds a key only when it is first needed. */
class JoinIndex {
  private readonly where = new Map<string, JoinLocation>();
  private readonly cache = new Map<string, RawRow[]>();

  private constructor(
    readonly rule: JoinRule,
    private readonly maxGroups: number,
  ) {}

  static async build(rule: JoinRule, files: string[], maxGroups: number): Promise<JoinIndex> {
    const index = new JoinIndex(rule, maxGroups);
    for (const file of files) {
      const groups = await parquetRowGroups(file);
      const bounds: [number, number][] = [];
      let start = 0;
      for (const n of groups) {
        bounds.push([start, start + n]);
        start += n;
      }
      let row = 0;
      let g = 0;
      // Only the key column is read here: image bytes stay on disk until a row needs them.
      for await (const raw of streamParquetRows(file, { columns: [rule.foreignKey] })) {
        while (row >= bounds[g]![1]) g++;
        const key = raw[rule.foreignKey];
        if (typeof key !== "string" && typeof key !== "number") {
          throw new DataError(
            `${file} row ${row}: column '${rule.foreignKey}' of joined config '${rule.config}' should be a string or integer.`,
          );
        }
        const [groupStart, groupEnd] = bounds[g]!;
        index.where.set(String(key), { file, groupStart, groupEnd, offset: row - groupStart });
        row++;
      }
    }
    return index;
  }

  async lookup(key: string): Promise<RawRow | undefined> {
    const loc = this.where.get(key);
    if (!loc) return undefined;
    const cacheKey = `${loc.file}\0${loc.groupStart}`;
    let rows = this.cache.get(cacheKey);
    if (rows) {
      // Refresh recency.
      this.cache.delete(cacheKey);
    } else {
      rows = await readParquetRange(loc.file, loc.groupStart, loc.groupEnd, [
        this.rule.foreignKey,
        ...this.rule.columns,
      ]);
    }
    this.cache.set(cacheKey, rows);
    while (this.cache.size > this.maxGroups) this.cache.delete(this.cache.keys().next().value as string);
    return rows[loc.offset];
  }
}

function located(file: string, row: number, err: unknown): unknown {
  if (err instanceof DataError) {
    return new DataError(`${file} row ${row}: ${err.message}`, err.hint, { cause: err });
  }
  return err;
}

/** Streams the task's samples from its files, in file and row order (rows the task drops are skipped). */
export async function* loadSamples<Row, Ref extends Json>(
  task: TaskDefinition<Row, Ref>,
  files: DatasetFiles,
  opts: LoadSamplesOptions = {},
): AsyncGenerator<TaskSample<Ref>> {
  const joins: JoinIndex[] = [];
  for (const rule of task.joinRows ?? []) {
    const joinFiles = files.joins[rule.config];
    if (!joinFiles || joinFiles.length === 0) {
      throw new DataError(
        `${task.name}: no files for joined config '${rule.config}' in ${files.repo}@${files.sha}.`,
        "The dataset snapshot is incomplete; fetch the dataset again.",
      );
    }
    joins.push(await JoinIndex.build(rule, joinFiles, opts.joinCacheGroups ?? 2));
  }
  if (files.files.length === 0) {
    throw new DataError(`${task.name}: no parquet files for ${task.dataset.config}/${task.dataset.split}.`);
  }

  const seen = new Map<string, string>();
  for (const file of files.files) {
    let rowIndex = 0;
    for await (const raw of streamParquetRows(file)) {
      const row = rowIndex++;
      let sample: TaskSample<Ref> | null;
      try {
        for (const join of joins) {
          const key = raw[join.rule.localKey];
          if (typeof key !== "string" && typeof key !== "number") {
            throw new DataError(`Column '${join.rule.localKey}': expected a join key, got ${typeof key}.`);
          }
          const other = await join.lookup(String(key));
          if (!other) {
            throw new DataError(
              `Column '${join.rule.localKey}': ${JSON.stringify(key)} has no row in config '${join.rule.config}'.`,
            );
          }
          for (const c of join.rule.columns) raw[c] = other[c];
        }
        const parsed = task.parseRow(raw);
        if (task.keep && !task.keep(parsed)) {
          sample = null;
        } else {
          const doc = task.doc(parsed);
          sample = {
            id: task.id(parsed),
            prompt: task.prompt(parsed),
            images: task.images(parsed),
            doc,
            reference: task.referenceFromDoc(doc),
            stratum: task.strata ? task.strata(parsed) : null,
          };
        }
      } catch (err) {
        throw located(file, row, err);
      }
      if (sample === null) continue;
      const first = seen.get(sample.id);
      if (first !== undefined) {
        throw new DataError(
          `${file} row ${row}: duplicate sample id '${sample.id}' (first seen at ${first}).`,
        );
      }
      seen.set(sample.id, `${file} row ${row}`);
      yield sample;
    }
  }
}
