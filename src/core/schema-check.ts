/**
 * JSON Schema validators, compiled on first use. Compiling the record schemas costs ~100 ms, paid at start-up
 * by every command when done at import, though most commands validate nothing or only later.
 */
import { Ajv2020, type Options, type ValidateFunction } from "ajv/dist/2020.js";

/** Validates a value against one schema: every problem, as `<json path> <message>` (empty when valid). */
export type SchemaCheck = (value: unknown) => string[];

/**
 * A checker for `schema`, compiled at its first call. The meta-schema check is off: the schemas are this
 * project's own constants (their tests compile them), and checking them against draft 2020-12 is half the cost.
 */
export function schemaCheck(schema: object, options: Pick<Options, "strict"> = {}): SchemaCheck {
  let validate: ValidateFunction | null = null;
  return (value) => {
    validate ??= new Ajv2020({ allErrors: true, validateSchema: false, ...options }).compile(schema);
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
  };
}
