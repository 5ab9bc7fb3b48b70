/** Python semantics helpers, against values printed by CPython 3.11. */
import { describe, expect, it } from "vitest";
import {
  decimalValue,
  pyFloat,
  pyLen,
  pyLower,
  pyRound,
  pySplit,
  pyStrip,
  pyUpper,
  statisticsMean,
} from "../../../scorers/python.js";

describe("pyRound = Python round(x, n)", () => {
  // [x, round(x, 2), round(x, 5)] from CPython.
  const table: [number, number, number][] = [
    [0.125, 0.12, 0.125],
    [0.375, 0.38, 0.375],
    [0.625, 0.62, 0.625],
    [0.875, 0.88, 0.875],
    [2.675, 2.67, 2.675],
    [1.005, 1.0, 1.005],
    [-0.125, -0.12, -0.125],
    [-2.675, -2.67, -2.675],
    [0.015625, 0.02, 0.01562],
    [0.046875, 0.05, 0.04688],
    [1 / 3, 0.33, 0.33333],
    [2 / 3, 0.67, 0.66667],
    [123.456, 123.46, 123.456],
    [-0.001, -0.0, -0.001],
    [1e-7, 0.0, 0.0],
    [0.5, 0.5, 0.5],
    [2.5, 2.5, 2.5],
    [12345.678901, 12345.68, 12345.6789],
    [0.1 + 0.2, 0.3, 0.3],
    [-1e-9, -0.0, -0.0],
    [4503599627370495.5, 4503599627370495.5, 4503599627370495.5],
    [1e300, 1e300, 1e300],
    [0.285, 0.28, 0.285],
    [1.115, 1.11, 1.115],
  ];
  it.each(table)("round(%s)", (x, r2, r5) => {
    expect(Object.is(pyRound(x, 2), r2) || pyRound(x, 2) === r2).toBe(true);
    expect(pyRound(x, 5)).toBe(r5);
  });
  it("keeps the sign of a negative zero result", () => {
    expect(Object.is(pyRound(-0.001, 2), -0)).toBe(true);
  });
  it("passes non-finite values through", () => {
    expect(pyRound(Number.POSITIVE_INFINITY, 2)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(pyRound(Number.NaN, 2))).toBe(true);
  });
});

describe("pyFloat = Python float(str)", () => {
  const table: [string, number | null][] = [
    ["1", 1],
    ["1.5", 1.5],
    ["  2  ", 2],
    ["1_000", 1000],
    ["1__0", null],
    ["_1", null],
    ["1e5", 100000],
    ["1E+05", 100000],
    [".5", 0.5],
    ["5.", 5],
    [".", null],
    ["1e", null],
    ["0x10", null],
    ["\u0661\u0662", 12],
    ["\u0663.\u0665", 3.5],
    ["1\u00a0", 1],
    ["1\x1c", null],
    ["abc", null],
    ["", null],
    ["1,000", null],
    ["1.2.3", null],
    ["--1", null],
    ["+-1", null],
    ["1e1_0", 1e10],
    ["nan_", null],
    ["\u{1D7CF}\u{1D7D0}", 12],
  ];
  it.each(table)("float(%j)", (s, want) => {
    expect(pyFloat(s)).toBe(want);
  });
  it("inf, infinity and nan in any case", () => {
    expect(pyFloat("inf")).toBe(Number.POSITIVE_INFINITY);
    expect(pyFloat("-Infinity")).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(pyFloat("+nan"))).toBe(true);
  });
});

describe("statisticsMean = statistics.mean (exact), vs sum/len", () => {
  it.each([
    [[1 / 3, 2 / 3, 1, 0, 1 / 3, 1 / 3, 2 / 3, 1, 1, 1], 0.6333333333333333],
    [[0.1, 0.2, 0.3], 0.2],
    [Array(10).fill(1 / 3), 0.3333333333333333],
    [Array(10).fill(0.1), 0.1],
  ])("mean(%j)", (xs, want) => {
    expect(statisticsMean(xs as number[])).toBe(want);
  });
  it("differs from the naive sum where Python's does", () => {
    const xs = Array(10).fill(0.1);
    expect(xs.reduce((a, b) => a + b, 0) / 10).toBe(0.09999999999999999);
    expect(statisticsMean(xs)).toBe(0.1);
  });
});

describe("whitespace, case and length", () => {
  it("strip uses Python's whitespace set", () => {
    expect(pyStrip("\x1c\x1d\x1e\x1f\x85\u00a0\u2000\u3000 a \u2028\u2029\u202f\u205f\u1680")).toBe("a");
    expect(pyStrip("\u200ba\ufeff")).toBe("\u200ba\ufeff");
  });
  it("split drops empty fields and splits on Unicode spaces", () => {
    expect(pySplit("  a\u00a0b\x1cc\n\nd  ")).toEqual(["a", "b", "c", "d"]);
    expect(pySplit("   ")).toEqual([]);
    expect(pySplit("a\u200bb")).toEqual(["a\u200bb"]);
  });
  it("len counts code points", () => {
    expect(pyLen("\u{1F600}a")).toBe(2);
    expect(pyLen(pyUpper("stra\u00dfe"))).toBe(7);
    expect(pyLen(pyUpper("\ufb01"))).toBe(2);
  });
  it("lower: final sigma like CPython (ΟΔΟΣ → οδος), İ → i + U+0307", () => {
    expect(pyLower("\u039f\u0394\u039f\u03a3")).toBe("\u03bf\u03b4\u03bf\u03c2");
    expect(pyLower("\u03a3")).toBe("\u03c3");
    expect(pyLower("\u0130")).toBe("i\u0307");
  });
  it("decimal digits of every script", () => {
    expect(decimalValue("7")).toBe(7);
    expect(decimalValue("\u0669")).toBe(9);
    expect(decimalValue("\u{1D7D8}")).toBe(0); // second run of mathematical digits
    expect(decimalValue("\u{1D7E1}")).toBe(9);
    expect(decimalValue("\u00b2")).toBe(-1); // superscript two is No, not Nd
  });
});
