/**
 * Golden cases of scienceqa (ScienceQA-IMG, lmms-eval 75571cfe): the exact letter, or an upper-case letter
 * followed by a period (Python `isupper()`). Each `why` names the rule; check_golden_card.py confirms every
 * expected value with the reference code.
 */
import type { LetterRef } from "./ai2d.js";
import type { GoldenSet } from "./golden.js";

const L = (answer: string): LetterRef => ({ answer });

export const golden: GoldenSet<LetterRef> = {
  cases: [
    { why: "letter", prediction: "A", reference: L("A"), score: 1 },
    { why: "lower-case letter", prediction: "a", reference: L("A"), score: 1 },
    { why: "upper-case letter and period", prediction: "B.", reference: L("B"), score: 1 },
    { why: "letter, period and text", prediction: "B. tiger", reference: L("B"), score: 1 },
    { why: "lower-case letter and period does not count", prediction: "b.", reference: L("B"), score: 0 },
    { why: "parentheses do not count", prediction: "(B)", reference: L("B"), score: 0 },
    { why: "right paren does not count", prediction: "B)", reference: L("B"), score: 0 },
    { why: "colon does not count", prediction: "B:", reference: L("B"), score: 0 },
    { why: "a sentence", prediction: "The answer is B", reference: L("B"), score: 0 },
    { why: "wrong letter with period", prediction: "C. x", reference: L("B"), score: 0 },
    { why: "wrong letter", prediction: "C", reference: L("B"), score: 0 },
    { why: "runner strip", prediction: "  B  ", reference: L("B"), score: 1 },
    { why: "runner strip, then the period rule", prediction: "\nB. x\n", reference: L("B"), score: 1 },
    { why: "space before the period", prediction: "B .", reference: L("B"), score: 0 },
    { why: "empty", prediction: "", reference: L("A"), score: 0 },
    { why: "option text", prediction: "tiger", reference: L("B"), score: 0 },
    { why: "two letters", prediction: "AB", reference: L("A"), score: 0 },
    { why: "letter and comma", prediction: "A,", reference: L("A"), score: 0 },
    { why: "A.B. takes the first", prediction: "A.B.", reference: L("A"), score: 1 },
    { why: "full-width letter", prediction: "Ａ", reference: L("A"), score: 0 },
    {
      why: "Kelvin sign is upper-case and lower-cases to k",
      prediction: "\u212a.",
      reference: L("K"),
      score: 1,
    },
    { why: "Kelvin sign alone lower-cases to k", prediction: "\u212a", reference: L("K"), score: 1 },
    { why: "Greek capital alpha is upper but not a", prediction: "Α.", reference: L("A"), score: 0 },
    { why: "letter E", prediction: "E", reference: L("E"), score: 1 },
    { why: "a digit then period", prediction: "1.", reference: L("A"), score: 0 },
    { why: "letter and two periods", prediction: "D..", reference: L("D"), score: 1 },
    { why: "quoted letter", prediction: "'B'", reference: L("B"), score: 0 },
    { why: "letter and newline text", prediction: "C.\nBecause", reference: L("C"), score: 1 },
    { why: "NBSP around is stripped", prediction: "\u00a0D\u00a0", reference: L("D"), score: 1 },
    { why: "zero-width space is not stripped", prediction: "\u200bD", reference: L("D"), score: 0 },
  ],
};
