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
  /**
   * Bytes of decoded joined row groups kept in memory (least recently used evicted; default 256 MiB).
   * GQA's whole images config (~66 MB) fits, so each of its row groups is decoded once even though
   * questions are not in image order.
   */
  joinCacheBytes?: number;
  /** The model's family (`ModelInfo.family`): picks the task's prompt variant for it, if it has one. */
  family?: string;
}

/** The prompt a model of `family` gets for `row`: the task's variant for that family, else its default. */
export function promptFor<Row>(
  task: Pick<TaskDefinition<Row, Json>, "prompt" | "promptVariants">,
  row: Row,
  family: string | undefined,
): string {
  const variant = family === undefined ? undefined : task.promptVariants?.[family];
  return variant === undefined ? task.prompt(row) : variant(row);
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
  private readonly cache = new Map<string, { rows: RawRow[]; bytes: number }>();
  private cachedBytes = 0;

  private constructor(
    readonly rule: JoinRule,
    private readonly maxBytes: number,
  ) {}

  static async build(rule: JoinRule, files: string[], maxBytes: number): Promise<JoinIndex> {
    const index = new JoinIndex(rule, maxBytes);
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
    let entry = this.cache.get(cacheKey);
    if (entry) {
      // Refresh recency.
      this.cache.delete(cacheKey);
    } else {
      const rows = await readParquetRange(loc.file, loc.groupStart, loc.groupEnd, [
        this.rule.foreignKey,
        ...this.rule.columns,
      ]);
      entry = { rows, bytes: approxBytes(rows) };
      this.cachedBytes += entry.bytes;
    }
    this.cache.set(cacheKey, entry);
    // Evict least recently used groups over budget, always keeping the one just used.
    for (const [key, old] of this.cache) {
      if (this.cachedBytes <= this.maxBytes || key === cacheKey) break;
      this.cache.delete(key);
      this.cachedBytes -= old.bytes;
    }
    const rows = entry.rows;
    return rows[loc.offset];
  }
}

/** Rough in-memory size of decoded rows: binary and string payloads dominate. */
function approxBytes(v: unknown): number {
  if (v instanceof Uint8Array) return v.byteLength;
  if (typeof v === "string") return v.length * 2;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + approxBytes(x), 0);
  if (v !== null && typeof v === "object") {
    return Object.values(v as Record<string, unknown>).reduce((n: number, x) => n + approxBytes(x), 0);
  }
  return 8;
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
    joins.push(await JoinIndex.build(rule, joinFiles, opts.joinCacheBytes ?? 256 * 1024 * 1024));
  }
  if (files.files.length === 0) {
    throw new DataError(`${task.name}: no parquet files for ${task.dataset.config}/${task.dataset.split}.`);
  }

  const seen = new Map<string, string>();
  // The row's position in the whole split (files in order): lmms-eval's doc_id, the id of tasks without one.
  let position = 0;
  for (const file of files.files) {
    let rowIndex = 0;
    for await (const raw of streamParquetRows(file)) {
      const row = rowIndex++;
      const at = position++;
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
        const parsed = task.parseRow(raw, at);
        if (task.keep && !task.keep(parsed)) {
          sample = null;
        } else {
          const doc = task.doc(parsed);
          sample = {
            id: task.id(parsed),
            prompt: promptFor(task, parsed, opts.family),
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
