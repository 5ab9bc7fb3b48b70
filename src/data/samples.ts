/**
 * Turns a task's Hub files into TaskSamples: streams parquet rows (one row group in memory),
 * merges joined configs (GQA images) lazily, validates rows with the task's parseRow and builds the
 * prompt, images, doc, reference and stratum. Errors name the file, the row index and the column.
 * Unreadable image bytes are not an error here: the model stage records those per sample.
 */
import { DataError } from "../core/errors.js";
import type { Json, RawRow, TaskDefinition, TaskSample } from "../core/types.js";
import type { DatasetFiles as HubDatasetFiles } from "../hub/index.js";
import { JoinIndex } from "./join.js";
import { streamParquetRows } from "./parquet.js";

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
  /** Called before each row group of a split file is decoded (streamed or read on demand): lets tests count reads. */
  onRowGroup?: (info: RowGroupRead) => void;
}

/** A row group about to be decoded. */
export interface RowGroupRead {
  /** The split file. */
  file: string;
  /** Row-group index in the file. */
  index: number;
  /** Its first row. */
  rowStart: number;
  /** Its row count. */
  rows: number;
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

/** An error of a row, now naming the file and the row index. */
export function located(file: string, row: number, err: unknown): unknown {
  if (err instanceof DataError) {
    return new DataError(`${file} row ${row}: ${err.message}`, err.hint, { cause: err });
  }
  return err;
}

/** Where a sample's row lies: the split file (index into `files`), the row in it, the row's split position. */
export interface RowLocation {
  /** Index of the file in the split's file list. */
  file: number;
  /** Row index within that file. */
  row: number;
  /** Position in the whole split (files in order): what parseRow gets. */
  at: number;
}

/** Turns raw rows of the split into samples: joins applied, parsed, filtered, built. */
export class SampleBuilder<Row, Ref extends Json> {
  private constructor(
    private readonly task: TaskDefinition<Row, Ref>,
    private readonly joins: JoinIndex[],
    private readonly family: string | undefined,
  ) {}

  /** Indexes the task's joined configs (their key columns only) and returns a builder. */
  static async open<Row, Ref extends Json>(
    task: TaskDefinition<Row, Ref>,
    files: DatasetFiles,
    opts: LoadSamplesOptions,
  ): Promise<SampleBuilder<Row, Ref>> {
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
    return new SampleBuilder(task, joins, opts.family);
  }

  /**
   * The sample of a raw row at split position `at` (the row gets the joined columns), or null when the task
   * drops it. Errors name the column; the caller adds the file and row.
   */
  async build(raw: RawRow, at: number): Promise<TaskSample<Ref> | null> {
    const task = this.task;
    for (const join of this.joins) {
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
    if (task.keep && !task.keep(parsed)) return null;
    const doc = task.doc(parsed);
    const sample: TaskSample<Ref> = {
      id: task.id(parsed),
      prompt: promptFor(task, parsed, this.family),
      images: task.images(parsed),
      doc,
      reference: task.referenceFromDoc(doc),
      stratum: task.strata ? task.strata(parsed) : null,
    };
    // An empty key means the row has no cheap image identifier: the runner hashes the bytes instead.
    const imageKey = task.imageKey?.(parsed);
    if (imageKey !== undefined && imageKey !== "") sample.imageKey = imageKey;
    return sample;
  }
}

/** Streams the task's samples from its files, in file and row order (rows the task drops are skipped). */
export function loadSamples<Row, Ref extends Json>(
  task: TaskDefinition<Row, Ref>,
  files: DatasetFiles,
  opts: LoadSamplesOptions = {},
): AsyncGenerator<TaskSample<Ref>> {
  return scanSamples(task, files, opts);
}

/**
 * loadSamples, telling `onLocated` where each yielded sample's row lies (the ordered reader's index) and
 * `onRowGroup` of every row group read.
 */
export async function* scanSamples<Row, Ref extends Json>(
  task: TaskDefinition<Row, Ref>,
  files: DatasetFiles,
  opts: LoadSamplesOptions = {},
  onLocated?: (id: string, where: RowLocation) => void,
): AsyncGenerator<TaskSample<Ref>> {
  const builder = await SampleBuilder.open(task, files, opts);
  const seen = new Map<string, string>();
  // The row's position in the whole split (files in order): lmms-eval's doc_id, the id of tasks without one.
  let position = 0;
  for (const [fileIndex, file] of files.files.entries()) {
    let rowIndex = 0;
    const onRowGroup = opts.onRowGroup;
    const stream = streamParquetRows(
      file,
      onRowGroup ? { onRowGroup: (g) => onRowGroup({ file, ...g }) } : {},
    );
    for await (const raw of stream) {
      const row = rowIndex++;
      const at = position++;
      let sample: TaskSample<Ref> | null;
      try {
        sample = await builder.build(raw, at);
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
      onLocated?.(sample.id, { file: fileIndex, row, at });
      yield sample;
    }
  }
}
