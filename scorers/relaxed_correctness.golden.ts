/**
 * Golden cases of relaxed_correctness (ChartQA, lmms-eval 75571cfe): Python `float()` on both sides, trailing
 * `%` ÷ 100, 5 % relative tolerance for a truthy float target, else string equality; and the split means.
 * Each `why` names the rule; check_golden_card.py confirms every expected value with the reference code.
 */
import type { GoldenSet } from "./golden.js";
import type { RelaxedRef } from "./relaxed_correctness.js";

const h = (answer: string): RelaxedRef => ({ answer, type: "human_test" });
const rows = [
  { prediction: "12", reference: { answer: "12", type: "human_test" } },
  { prediction: "13", reference: { answer: "12", type: "human_test" } },
  { prediction: "no", reference: { answer: "No", type: "augmented_test" } },
];

export const golden: GoldenSet<RelaxedRef> = {
  cases: [
    { why: "identical number", prediction: "12", reference: h("12"), score: 1 },
    { why: "within 5% above", prediction: "12.6", reference: h("12"), score: 1 },
    { why: "just over 5% above", prediction: "12.61", reference: h("12"), score: 0 },
    { why: "within 5% below", prediction: "11.4", reference: h("12"), score: 1 },
    { why: "just over 5% below", prediction: "11.39", reference: h("12"), score: 0 },
    { why: "runner strips whitespace", prediction: "  12\n", reference: h("12"), score: 1 },
    { why: "float() accepts exponent", prediction: "1e3", reference: h("1000"), score: 1 },
    { why: "float() accepts a plus sign", prediction: "+3", reference: h("3"), score: 1 },
    {
      why: "float() accepts underscores between digits",
      prediction: "1_000",
      reference: h("1000"),
      score: 1,
    },
    {
      why: "a thousands comma does not parse: string compare",
      prediction: "1,000",
      reference: h("1000"),
      score: 0,
    },
    { why: "a currency sign does not parse", prediction: "$5", reference: h("5"), score: 0 },
    { why: "percent divides by 100 on both sides", prediction: "45%", reference: h("45%"), score: 1 },
    { why: "45% is 0.45, not 45", prediction: "45%", reference: h("45"), score: 0 },
    { why: "0.45 against 45%", prediction: "0.45", reference: h("45%"), score: 1 },
    { why: "every trailing % is stripped", prediction: "45%%", reference: h("0.45"), score: 1 },
    { why: "a lone % is not a number: string compare", prediction: "%", reference: h("%"), score: 1 },
    { why: "a zero target falls back to string equality", prediction: "0.0", reference: h("0"), score: 0 },
    { why: "a zero target matches its own string", prediction: "0", reference: h("0"), score: 1 },
    { why: "a negative zero target is also falsy", prediction: "0", reference: h("-0"), score: 0 },
    { why: "45. parses as 45", prediction: "45.", reference: h("45"), score: 1 },
    { why: "a nan prediction is never within tolerance", prediction: "nan", reference: h("5"), score: 0 },
    {
      why: "a nan target is truthy; nan distance is False",
      prediction: "nan",
      reference: h("nan"),
      score: 0,
    },
    { why: "inf minus inf is nan", prediction: "inf", reference: h("inf"), score: 0 },
    { why: "Unicode digits parse", prediction: "١٢", reference: h("12"), score: 1 },
    { why: "words: case-insensitive", prediction: "YES", reference: h("Yes"), score: 1 },
    { why: "words: exact otherwise", prediction: "Yes.", reference: h("Yes"), score: 0 },
    { why: "a number against a word target", prediction: "2018", reference: h("Brazil"), score: 0 },
    {
      why: "a word against a number target: string compare",
      prediction: "twelve",
      reference: h("12"),
      score: 0,
    },
    { why: "12abc is not a number", prediction: "12abc", reference: h("12abc"), score: 1 },
    { why: "0x10 is not a Python float", prediction: "0x10", reference: h("16"), score: 0 },
    { why: "infinity spelled out parses", prediction: "Infinity", reference: h("5"), score: 0 },
    { why: "empty prediction", prediction: "", reference: h("5"), score: 0 },
    { why: "negative numbers: relative to |t|", prediction: "-5.2", reference: h("-5"), score: 1 },
    { why: "exactly 5% above (float rounding of 10.5/10)", prediction: "10.5", reference: h("10"), score: 1 },
  ],
  aggregates: [
    {
      why: "each split metric averages its own split only",
      samples: rows,
      expected: {
        relaxed_overall: 2 / 3,
        relaxed_human_split: 0.5,
        relaxed_augmented_split: 1,
        parse_failure_rate: 0,
      },
      complete: true,
    },
    {
      why: "a split metric exists only when the split has samples",
      samples: rows.slice(0, 2),
      expected: { relaxed_overall: 0.5, relaxed_human_split: 0.5, parse_failure_rate: 0 },
      complete: true,
    },
  ],
};
