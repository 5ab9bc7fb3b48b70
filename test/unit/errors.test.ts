import { describe, expect, it } from "vitest";
import {
  DataError,
  didYouMean,
  didYouMeanText,
  errorText,
  GateFailedError,
  HarnessError,
  HubError,
  InternalError,
  InterruptedError,
  ModelError,
  OfflineError,
  TooManyFailuresError,
  UsageError,
  unknownName,
} from "../../src/core/errors.js";

describe("errors", () => {
  // The exit statuses are a public contract (README, docs/architecture.md): written out here, not read from EXIT.
  it.each([
    [() => new UsageError("m", "h"), "USAGE", 2],
    [() => new DataError("m", "h"), "DATA", 2],
    [() => new HubError("m", "h"), "HUB", 3],
    [() => new OfflineError("m", "h"), "OFFLINE", 3],
    [() => new ModelError("m", "h"), "MODEL", 4],
    [() => new TooManyFailuresError("m", "h"), "TOO_MANY_FAILURES", 5],
    [() => new GateFailedError("m", "h"), "GATE_FAILED", 1],
    [() => new InterruptedError("m", "h"), "INTERRUPTED", 130],
  ] as const)("%#: code %s, exit %i, message, hint, name and cause kept", (make, code, exit) => {
    const err = make();
    expect(err).toBeInstanceOf(HarnessError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.exitCode).toBe(exit);
    expect(err.message).toBe("m");
    expect(err.hint).toBe("h");
    expect(err.name).toBe(err.constructor.name);
    expect(err.name).not.toBe("HarnessError");
  });

  it("InternalError exits 70 and always asks for a bug report", () => {
    const cause = new RangeError("index 3");
    const err = new InternalError("scorer threw", { cause });
    expect([err.code, err.exitCode, err.name]).toEqual(["INTERNAL", 70, "InternalError"]);
    expect(err.hint).toMatch(/bug in fastvlm-eval/);
    expect(err.cause).toBe(cause);
  });

  it("errorText names the class of an Error and stringifies anything else", () => {
    expect(errorText(new DataError("bad row"))).toBe("DataError: bad row");
    expect(errorText(new TypeError("x is undefined"))).toBe("TypeError: x is undefined");
    expect(errorText("plain")).toBe("plain");
    expect(errorText(42)).toBe("42");
  });

  it("suggests close names", () => {
    expect(didYouMean("docvq", ["gqa", "docvqa", "textvqa"])).toEqual(["docvqa"]);
    expect(didYouMean("zzzzzz", ["gqa", "docvqa", "textvqa"])).toEqual([]);
    expect(didYouMeanText("popee", ["pope", "mmmu"])).toBe("Did you mean 'pope'?");
    expect(didYouMeanText("zzzzzz", ["pope", "mmmu"])).toBe("");
    const err = unknownName("task", "mmmmu", ["mmmu", "pope"]);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe("Unknown task 'mmmmu'. Did you mean 'mmmu'?");
    expect(err.hint).toContain("mmmu, pope");
    expect(unknownName("task", "zzzzzz", ["mmmu"]).message).toBe("Unknown task 'zzzzzz'.");
  });
});
