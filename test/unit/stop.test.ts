/** The stop-string helper every backend uses. */
import { describe, expect, it } from "vitest";
import { cutAtStop, firstStop } from "../../src/models/stop.js";

describe("stop strings", () => {
  it("the earliest stop string wins, whatever order they are listed in", () => {
    const text = "answer: yes\n\nQuestion: ###";
    expect(firstStop(text, ["###", "\n\n"])).toBe(11);
    expect(firstStop(text, ["\n\n", "###"])).toBe(11);
    expect(cutAtStop(text, ["###", "\n\n"])).toBe("answer: yes");
  });

  it("empty stop strings are ignored and no match keeps the whole text", () => {
    expect(firstStop("abc", ["", "x"])).toBe(-1);
    expect(cutAtStop("abc", ["", "x"])).toBe("abc");
    expect(cutAtStop("abc", [])).toBe("abc");
    // A stop string at position 0 leaves an empty answer (an answer, not a failure).
    expect(cutAtStop("###abc", ["###"])).toBe("");
  });
});
