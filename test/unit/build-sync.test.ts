/** The suite's dist/ build swaps in only changed files, each by rename (see scripts/build.ts). */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildInputsDigest, syncBuild } from "../../scripts/build.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const dir = tempDirs("build-sync-");

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

describe("buildInputsDigest (the stamp that lets the suite skip an up-to-date build)", () => {
  it("changes when a source is edited, added, removed or renamed, or a tsconfig changes; not otherwise", () => {
    const root = dir();
    mkdirSync(join(root, "src", "core"), { recursive: true });
    writeFileSync(join(root, "src", "core", "a.ts"), "export const a = 1;\n");
    writeFileSync(join(root, "tsconfig.json"), "{}");
    const seen = new Set<string>();
    const digest = (): string => {
      const d = buildInputsDigest(root);
      seen.add(d);
      return d;
    };
    const first = digest();
    // Outputs, caches and tests are not inputs of dist/.
    mkdirSync(join(root, "dist"), { recursive: true });
    writeFileSync(join(root, "dist", "a.js"), "x");
    mkdirSync(join(root, "test"), { recursive: true });
    writeFileSync(join(root, "test", "a.test.ts"), "x");
    expect(digest()).toBe(first);

    writeFileSync(join(root, "src", "core", "a.ts"), "export const a = 2;\n");
    digest();
    writeFileSync(join(root, "src", "core", "b.ts"), "");
    digest();
    rmSync(join(root, "src", "core", "b.ts"));
    writeFileSync(join(root, "src", "c.ts"), "");
    digest();
    writeFileSync(join(root, "tsconfig.json"), '{"compilerOptions":{}}');
    digest();
    expect(seen.size).toBe(5);
  });
});

describe("the built package", () => {
  it("has every bin of package.json executable: `npx fastvlm-eval` in a clone runs it directly", () => {
    const root = join(import.meta.dirname, "..", "..");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      bin: Record<string, string>;
    };
    expect(Object.keys(pkg.bin).length).toBeGreaterThan(0);
    for (const bin of Object.values(pkg.bin)) {
      // The suite's set-up built dist/ (scripts/build.ts), so the file is there.
      const mode = statSync(join(root, bin)).mode;
      expect({ bin, executable: (mode & 0o111) === 0o111 }).toEqual({ bin, executable: true });
    }
  });
});
