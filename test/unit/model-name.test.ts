import { expect, it } from "vitest";
import { checkModelName } from "../../src/models/registry.js";

it("checks --model forms without loading anything", () => {
  for (const ok of [
    "fastvlm-0.5b",
    "baseline:random",
    "baseline:constant=yes",
    "openai:http://h/v1#m",
    "./ckpt",
  ]) {
    expect(() => checkModelName(ok)).not.toThrow();
  }
  expect(() => checkModelName("fastvlm-05b")).toThrow(/Did you mean 'fastvlm-0.5b'/);
  expect(() => checkModelName("hf:org/model")).toThrow(/Unknown model prefix/);
});
