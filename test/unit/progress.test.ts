import { afterEach, describe, expect, it, vi } from "vitest";
import { stderrProgress } from "../../src/runner/progress.js";

/** Captures what is written to stderr and stdout while `fn` runs. */
async function capture(fn: () => Promise<void>): Promise<{ err: string; out: string }> {
  let err = "";
  let out = "";
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await fn();
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
  return { err, out };
}

afterEach(() => vi.restoreAllMocks());

describe("stderrProgress without a TTY", () => {
  it("prints a line per tick at interval 0 and one at stop, counting from the samples already done", async () => {
    const { err, out } = await capture(async () => {
      const p = await stderrProgress({ tty: false, intervalSec: 0 });
      p.start("textvqa", 3, 1, () => ({ name: "accuracy", value: 0.5 }));
      p.tick(false);
      p.tick(true);
      p.stop();
    });
    expect(out).toBe("");
    const lines = err.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    const shape =
      /^textvqa: (\d+)\/3 \| \d+\.\d\d samples\/s \| ETA (?:\d+s|\?) \| accuracy 0\.5000 \| failures (\d)$/;
    expect(lines.map((l) => shape.exec(l)?.slice(1))).toEqual([
      ["2", "0"],
      ["3", "1"],
      ["3", "1"],
    ]);
  });

  it("leaves the metric out when there is none, and prints nothing at stop for an empty pass", async () => {
    const { err } = await capture(async () => {
      const p = await stderrProgress({ tty: false, intervalSec: 0 });
      p.start("pope", 1, 0);
      p.tick(false);
      p.start("empty", 0, 0);
      p.stop();
    });
    const lines = err.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^pope: 1\/1 \| \d+\.\d\d samples\/s \| ETA (?:\d+s|\?) \| failures 0$/);
  });

  it("prints no line before the interval has passed, only at stop", async () => {
    const { err } = await capture(async () => {
      const p = await stderrProgress({ tty: false, intervalSec: 3600 });
      p.start("gqa", 2, 0);
      p.tick(false);
      p.tick(false);
      p.stop();
    });
    expect(err).toMatch(/^gqa: 2\/2 \| [^\n]* \| failures 0\n$/);
  });
});

describe("stderrProgress with a TTY bar", () => {
  it("starts, ticks and stops a pass without writing to stdout, and stops twice safely", async () => {
    const { out } = await capture(async () => {
      const p = await stderrProgress({ tty: true });
      p.start("mmmu", 2, 0, () => null);
      p.tick(false);
      p.tick(true);
      p.stop();
      p.stop();
      p.tick(false);
    });
    expect(out).toBe("");
  });
});
