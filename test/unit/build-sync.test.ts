/** The suite's dist/ build swaps in only changed files, each by rename (see test/setup/global.ts). */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { syncBuild } from "../setup/global.js";

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "build-sync-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("syncBuild", () => {
  it("leaves identical files alone and replaces changed ones with a new file (not rewritten in place)", () => {
    const from = dir();
    const to = dir();
    mkdirSync(join(from, "src", "commands"), { recursive: true });
    mkdirSync(join(to, "src"), { recursive: true });
    writeFileSync(join(from, "src", "same.js"), "export const a = 1;\n");
    writeFileSync(join(to, "src", "same.js"), "export const a = 1;\n");
    writeFileSync(join(from, "src", "changed.js"), "export const b = 2;\n");
    writeFileSync(join(to, "src", "changed.js"), "export const b = 1;\n");
    writeFileSync(join(from, "src", "commands", "new.js"), "export const c = 3;\n");
    const sameIno = statSync(join(to, "src", "same.js")).ino;
    const changedIno = statSync(join(to, "src", "changed.js")).ino;

    expect(syncBuild(from, to)).toBe(2);

    expect(statSync(join(to, "src", "same.js")).ino).toBe(sameIno);
    // A reader holding the old file keeps whole old bytes; the path now names a whole new file.
    expect(statSync(join(to, "src", "changed.js")).ino).not.toBe(changedIno);
    expect(readFileSync(join(to, "src", "changed.js"), "utf8")).toBe("export const b = 2;\n");
    expect(readFileSync(join(to, "src", "commands", "new.js"), "utf8")).toBe("export const c = 3;\n");
    expect(syncBuild(from, to)).toBe(0);
  });
});
