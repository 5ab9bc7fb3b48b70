import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/core/atomic-write.js";

describe("writeFileAtomic", () => {
  it("creates the folder, replaces the file and leaves no temp file behind", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "atomic-")), "a", "b");
    const path = join(dir, "run.json");
    writeFileAtomic(path, "first\n");
    writeFileAtomic(path, new TextEncoder().encode("second ü\n"));
    expect(readFileSync(path, "utf8")).toBe("second ü\n");
    expect(readdirSync(dir)).toEqual(["run.json"]);
  });

  it("keeps the old content and removes its temp file when the rename fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    const target = join(dir, "busy");
    mkdirSync(join(target, "child"), { recursive: true }); // a non-empty folder cannot be renamed over
    writeFileSync(join(target, "child", "keep"), "old");
    expect(() => writeFileAtomic(target, "new")).toThrow();
    expect(readFileSync(join(target, "child", "keep"), "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["busy"]);
  });
});
