import { expect, it } from "vitest";
import { humanBytes } from "../../src/core/bytes.js";

it("humanBytes picks the largest 1024-step unit that keeps the value at least 1", () => {
  expect(humanBytes(0)).toBe("0 B");
  expect(humanBytes(1023)).toBe("1023 B");
  expect(humanBytes(1024)).toBe("1.0 KB");
  expect(humanBytes(1536)).toBe("1.5 KB");
  expect(humanBytes(66 * 2 ** 20 + 2 ** 19)).toBe("66.5 MB");
  expect(humanBytes(2 ** 30 - 1)).toBe("1024.0 MB");
  expect(humanBytes(1.25 * 2 ** 30)).toBe("1.3 GB");
  expect(humanBytes(2 ** 50)).toBe("1024.0 TB");
});
