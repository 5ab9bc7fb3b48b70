import { describe, expect, it } from "vitest";
import { didYouMean, EXIT, HubError, ModelError, UsageError, unknownName } from "../../src/core/errors.js";

describe("errors", () => {
  it("maps classes to the exit codes docs/architecture.md lists", () => {
    expect(new UsageError("x").exitCode).toBe(EXIT.usage);
    expect(new HubError("x").exitCode).toBe(3);
    expect(new ModelError("x").exitCode).toBe(4);
  });
  it("suggests close names", () => {
    expect(didYouMean("docvq", ["gqa", "docvqa", "textvqa"])).toEqual(["docvqa"]);
    const err = unknownName("task", "mmmmu", ["mmmu", "pope"]);
    expect(err.message).toContain("Did you mean 'mmmu'");
    expect(err.hint).toContain("mmmu, pope");
  });
});
