import { describe, expect, it } from "vitest";
import { float32ToHalf, floatToHalf, halfToFloat, halfToFloat32 } from "../../src/models/fastvlm/fp16.js";

describe("float16 conversion", () => {
  it("round-trips every finite half exactly and keeps NaN a NaN", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToHalf(halfToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      const nan = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (nan) expect((back[h]! & 0x7c00) === 0x7c00 && (back[h]! & 0x3ff) !== 0).toBe(true);
      else if (back[h] !== h) throw new Error(`half ${h.toString(16)} came back as ${back[h]!.toString(16)}`);
    }
  });

  it("decodes known bit patterns", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it("rounds to nearest, ties to even, with overflow and subnormals", () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even (down)
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(floatToHalf(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65519)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // tie between max and 2^16 → even → infinity
    expect(floatToHalf(1e10)).toBe(0x7c00);
    expect(floatToHalf(-1e10)).toBe(0xfc00);
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // tie → even (zero)
    expect(floatToHalf(1.5 * 2 ** -24)).toBe(0x0002); // tie → even (2)
    expect(floatToHalf(2 ** -14)).toBe(0x0400); // smallest normal
    expect(floatToHalf(2 ** -14 - 2 ** -24)).toBe(0x03ff); // largest subnormal
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it("converts arrays through views with an offset", () => {
    const buf = new Float32Array([9, 1, -2, 0.5]);
    const view = buf.subarray(1);
    expect([...float32ToHalf(view)]).toEqual([0x3c00, 0xc000, 0x3800]);
    const out = new Float32Array(3);
    halfToFloat32(new Uint16Array([0x3c00, 0xc000, 0x3800]), out);
    expect([...out]).toEqual([1, -2, 0.5]);
  });
});
