/**
 * Prompt stability: every task's prompt for frozen docs must equal the snapshot byte for byte (the
 * strings were derived from lmms-eval's utils.py and checked with CPython). A task without a snapshot
 * fails, so a new benchmark cannot skip this.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { RawRow } from "../../src/core/types.js";
import { TASKS } from "../../tasks/index.js";

interface SnapshotCase {
  name: string;
  row: Record<string, unknown>;
  imageColumns?: string[];
  imageList?: number;
  /** The row's position in the split (the id of tasks without an id column). */
  position?: number;
  prompt: string;
  imageSources: string[];
  id: string;
}

interface Snapshot {
  task: string;
  version: number;
  cases: SnapshotCase[];
}

const DIR = fileURLToPath(new URL("../snapshots/prompts", import.meta.url));
const snapshots = new Map<string, Snapshot>(
  readdirSync(DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => {
      const s = JSON.parse(readFileSync(join(DIR, f), "utf8")) as Snapshot;
      return [s.task, s];
    }),
);

function rawRow(c: SnapshotCase): RawRow {
  const raw: RawRow = { ...c.row };
  (c.imageColumns ?? []).forEach((col, k) => {
    raw[col] = { bytes: new Uint8Array([k + 1]), path: null };
  });
  if (c.imageList !== undefined) {
    raw.image = Array.from({ length: c.imageList }, (_, k) => ({
      bytes: new Uint8Array([k + 1]),
      path: null,
    }));
  }
  return raw;
}

describe("prompt snapshots", () => {
  it("exist for every task and name no unknown task", () => {
    expect([...snapshots.keys()].sort()).toEqual(Object.keys(TASKS).sort());
  });

  for (const [name, task] of Object.entries(TASKS)) {
    describe(name, () => {
      const snap = snapshots.get(name);
      it("has a snapshot for the current task version", () => {
        expect(snap, `test/snapshots/prompts/${name}.json is missing`).toBeDefined();
        // A version bump must come with a reviewed snapshot update.
        expect(snap?.version).toBe(task.version);
        expect(snap?.cases.length).toBeGreaterThan(0);
      });
      for (const c of snap?.cases ?? []) {
        it(`builds the reference prompt for ${c.name}`, () => {
          const row = task.parseRow(rawRow(c), c.position ?? 0);
          expect(task.prompt(row)).toBe(c.prompt);
          expect(task.id(row)).toBe(c.id);
          expect(task.images(row).map((im) => im.source)).toEqual(c.imageSources);
        });
      }
    });
  }
});
