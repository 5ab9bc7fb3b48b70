/**
 * The schemas are compiled without the meta-schema check (start-up cost), so this test makes that check:
 * each is valid JSON Schema 2020-12, and the lazy checker reports every problem of a bad value.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { schemaCheck } from "../../src/core/schema-check.js";
import { runRecordSchema, sampleRecordSchema } from "../../src/core/schemas/records.js";
import { leaderboardSchema } from "../../src/report/leaderboard-schema.js";

describe("schemaCheck", () => {
  for (const [name, schema] of Object.entries({ runRecordSchema, sampleRecordSchema, leaderboardSchema })) {
    it(`${name} is valid JSON Schema 2020-12`, () => {
      const ajv = new Ajv2020({ allErrors: true, strict: false });
      expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    });
  }

  it("reports every problem with its path, and nothing for a valid value", () => {
    const check = schemaCheck(
      {
        type: "object",
        properties: { a: { type: "integer" }, b: { type: "string" } },
        required: ["a", "b"],
      },
      { strict: true },
    );
    expect(check({ a: 1, b: "x" })).toEqual([]);
    expect(check({ a: "one" })).toEqual(["/ must have required property 'b'", "/a must be integer"]);
  });

  it("a broken schema fails at its first use, not at import", () => {
    const check = schemaCheck({ type: "no-such-type" }, { strict: true });
    expect(() => check(1)).toThrow(/type/);
  });
});
