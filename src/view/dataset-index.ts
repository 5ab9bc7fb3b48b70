/**
 * A run's dataset in the local Hugging Face cache, at the revision the run recorded: an id → (file, row)
 * index plus each sample's exact prompt, built once by streaming the split without its image columns and
 * kept beside the run (`.view-index.json`), then image bytes read on demand one row group at a time
 * (least recently used groups evicted). Offline only: the viewer never downloads.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunRecord } from "../core/records.js";
import type { JoinRule, RawRow } from "../core/types.js";
import { parquetRowGroups, readParquetRange, streamParquetRows } from "../data/parquet.js";

/** Where one sample's row is. */
interface Location {
  /** Index into files. */
  file: number;
  /** Row within the file. */
  row: number;
  /** Row within the whole split (the sample id of tasks without an id column). */
  position: number;
}

interface IndexFile {
  version: 2;
  key: string;
  files: string[];
  entries: [id: string, file: number, row: number, prompt: string, position: number][];
}

const INDEX_FILE = ".view-index.json";
/** Stand-in for image columns while indexing: parseRow checks their shape, not their pixels. */
const PLACEHOLDER = { bytes: new Uint8Array([0]), path: null };

/** The message shown instead of an image when the dataset is not in the local cache. */
export function notCachedMessage(task: string): string {
  return `image not in the local cache: \`fastvlm-eval fetch ${task}\``;
}

async function imageColumns(file: string): Promise<{ all: string[]; images: Set<string> }> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } = await import("hyparquet");
  const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
  const tree = parquetSchema(meta);
  type Node = typeof tree;
  const hasBytes = (n: Node): boolean => n.element.name === "bytes" || n.children.some(hasBytes);
  const images = new Set(tree.children.filter(hasBytes).map((c) => c.element.name));
  return { all: tree.children.map((c) => c.element.name), images };
}

/** A run's dataset rows located in the cache. */
export class DatasetRows {
  private readonly where = new Map<string, Location>();
  private readonly prompts = new Map<string, string>();
  private readonly groups = new Map<string, RawRow[]>();
  private readonly bounds = new Map<number, number[]>();
  private readonly joinWhere = new Map<string, Map<string, { file: string; row: number }>>();

  private constructor(
    private readonly task: import("../../tasks/index.js").AnyTask,
    private readonly files: string[],
    private readonly joinFiles: Record<string, string[]>,
  ) {}

  /**
   * Finds the run's dataset in the cache and loads or builds its index. Resolves to a sentence saying why
   * not when the task is unknown or the files are not cached.
   */
  static async open(runDir: string, run: RunRecord): Promise<DatasetRows | string> {
    const { TASKS } = await import("../../tasks/index.js");
    const task = TASKS[run.task.name];
    if (!task) return `task ${run.task.name} is not known to this version of fastvlm-eval`;
    const { ensureDataset, hubEnv } = await import("../hub/index.js");
    const ds = run.task.dataset;
    let files: Awaited<ReturnType<typeof ensureDataset>>;
    // A private lock, removed afterwards: looking at a run must not rewrite the project's datasets/lock.json.
    const lockDir = mkdtempSync(join(tmpdir(), "fastvlm-eval-view-"));
    try {
      files = await ensureDataset(
        { ...task.dataset, repo: ds.repo, config: ds.config, split: ds.split, fallbackRepos: [] },
        {
          env: { ...hubEnv(), offline: true },
          ...(ds.revision !== null ? { revision: ds.revision } : {}),
          lockFile: join(lockDir, "lock.json"),
        },
      );
    } catch {
      return notCachedMessage(run.task.name);
    } finally {
      rmSync(lockDir, { recursive: true, force: true });
    }
    const rows = new DatasetRows(task, files.files, files.joins);
    const key = JSON.stringify([ds.repo, files.sha, ds.config, ds.split, task.name, task.version]);
    const path = join(runDir, INDEX_FILE);
    if (!rows.load(path, key)) {
      await rows.build();
      rows.save(path, key);
    }
    return rows;
  }

  private load(path: string, key: string): boolean {
    if (!existsSync(path)) return false;
    try {
      const saved = JSON.parse(readFileSync(path, "utf8")) as IndexFile;
      if (saved.version !== 2 || saved.key !== key || saved.files.join("\n") !== this.files.join("\n"))
        return false;
      for (const [id, file, row, prompt, position] of saved.entries) {
        this.where.set(id, { file, row, position });
        this.prompts.set(id, prompt);
      }
      return true;
    } catch {
      return false;
    }
  }

  private save(path: string, key: string): void {
    const entries: IndexFile["entries"] = [];
    for (const [id, loc] of this.where) {
      entries.push([id, loc.file, loc.row, this.prompts.get(id) ?? "", loc.position]);
    }
    const data: IndexFile = { version: 2, key, files: this.files, entries };
    try {
      writeFileSync(path, JSON.stringify(data));
    } catch {
      // A read-only run folder (a downloaded artifact): the index is rebuilt next time.
    }
  }

  private async build(): Promise<void> {
    // The row's position in the whole split (files in order), as loadSamples counts it: the id of tasks
    // whose rows have no id column.
    let position = 0;
    for (const [f, file] of this.files.entries()) {
      const { all, images } = await imageColumns(file);
      const columns = all.filter((c) => !images.has(c));
      let row = 0;
      for await (const raw of streamParquetRows(file, { columns })) {
        const at = row++;
        const pos = position++;
        for (const c of images) raw[c] = PLACEHOLDER;
        for (const rule of this.task.joinRows ?? []) for (const c of rule.columns) raw[c] = PLACEHOLDER;
        try {
          const parsed = this.task.parseRow(raw, pos);
          if (this.task.keep && !this.task.keep(parsed)) continue;
          const id = this.task.id(parsed);
          this.where.set(id, { file: f, row: at, position: pos });
          this.prompts.set(id, this.task.prompt(parsed));
        } catch {
          // A row the task rejects was never a sample of the run.
        }
      }
    }
  }

  /** The exact prompt of a sample, or undefined when the id is not in the dataset. */
  prompt(id: string): string | undefined {
    return this.prompts.get(id);
  }

  /** Number of samples located. */
  get size(): number {
    return this.where.size;
  }

  private async rowAt(fileIdx: number, row: number): Promise<RawRow | undefined> {
    const file = this.files[fileIdx]!;
    let bounds = this.bounds.get(fileIdx);
    if (!bounds) {
      bounds = [0];
      for (const n of await parquetRowGroups(file)) bounds.push(bounds[bounds.length - 1]! + n);
      this.bounds.set(fileIdx, bounds);
    }
    let g = 0;
    while (g + 1 < bounds.length - 1 && bounds[g + 1]! <= row) g++;
    const cacheKey = `${fileIdx}:${g}`;
    let rows = this.groups.get(cacheKey);
    if (rows) this.groups.delete(cacheKey);
    else rows = await readParquetRange(file, bounds[g]!, bounds[g + 1]!);
    this.groups.set(cacheKey, rows);
    // Adjacent samples share a row group; a few groups cover a page of thumbnails.
    while (this.groups.size > 4) this.groups.delete(this.groups.keys().next().value!);
    return rows[row - bounds[g]!];
  }

  private async joined(rule: JoinRule, key: string): Promise<RawRow | undefined> {
    let where = this.joinWhere.get(rule.config);
    if (!where) {
      where = new Map();
      for (const file of this.joinFiles[rule.config] ?? []) {
        let row = 0;
        for await (const raw of streamParquetRows(file, { columns: [rule.foreignKey] })) {
          where.set(String(raw[rule.foreignKey]), { file, row: row++ });
        }
      }
      this.joinWhere.set(rule.config, where);
    }
    const loc = where.get(key);
    if (!loc) return undefined;
    const [row] = await readParquetRange(loc.file, loc.row, loc.row + 1, rule.columns);
    return row;
  }

  /** The encoded bytes of a sample's images, or null when the id is not in the dataset. */
  async images(id: string): Promise<Uint8Array[] | null> {
    const loc = this.where.get(id);
    if (!loc) return null;
    const base = await this.rowAt(loc.file, loc.row);
    if (!base) return null;
    const raw: RawRow = { ...base };
    for (const rule of this.task.joinRows ?? []) {
      const other = await this.joined(rule, String(raw[rule.localKey]));
      if (other) for (const c of rule.columns) raw[c] = other[c];
    }
    return this.task.images(this.task.parseRow(raw, loc.position)).map((img) => img.bytes);
  }
}
