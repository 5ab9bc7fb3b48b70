/**
 * Golden cases of ai2d (lmms-eval 75571cfe): the `^\s*([A-Z])\.` MultiChoiceRegexFilter on the raw text, then
 * exact_match's normalisation. Each `why` names the rule; check_golden_card.py confirms every expected value
 * with the reference code.
 */
import type { LetterRef } from "./ai2d.js";
import type { GoldenSet } from "./golden.js";

const L = (answer: string): LetterRef => ({ answer });

export const golden: GoldenSet<LetterRef> = {
  cases: [
    { why: "letter", prediction: "B", reference: L("B"), score: 1 },
    { why: "lower-case letter", prediction: "b", reference: L("B"), score: 1 },
    { why: "letter and period", prediction: "B.", reference: L("B"), score: 1 },
    { why: "parentheses are punctuation", prediction: "(B)", reference: L("B"), score: 1 },
    { why: "filter takes the letter before a period", prediction: "B. larva", reference: L("B"), score: 1 },
    { why: "filter allows leading whitespace", prediction: "  B. larva", reference: L("B"), score: 1 },
    {
      why: "filter allows a leading NBSP (Python \\s)",
      prediction: "\u00a0C. x",
      reference: L("C"),
      score: 1,
    },
    { why: "filter needs an upper-case letter", prediction: "b. larva", reference: L("B"), score: 0 },
    {
      why: "right paren: punctuation deleted, the words stay",
      prediction: "B) larva",
      reference: L("B"),
      score: 0,
    },
    { why: "a sentence", prediction: "The answer is B", reference: L("B"), score: 0 },
    { why: "wrong letter", prediction: "C", reference: L("B"), score: 0 },
    { why: "wrong letter with period", prediction: "C. pupa", reference: L("B"), score: 0 },
    { why: "colon is punctuation", prediction: "B:", reference: L("B"), score: 1 },
    { why: "quotes are punctuation", prediction: "'B'", reference: L("B"), score: 1 },
    { why: "Unicode quotes are not", prediction: "\u201cB\u201d", reference: L("B"), score: 0 },
    { why: "empty", prediction: "", reference: L("A"), score: 0 },
    { why: "two letters", prediction: "AB", reference: L("A"), score: 0 },
    {
      why: "filter: first letter-period wins even with more text",
      prediction: "A.B.",
      reference: L("A"),
      score: 1,
    },
    {
      why: "filter on the raw text: the newline counts as \\s",
      prediction: "\n\nD.",
      reference: L("D"),
      score: 1,
    },
    { why: "full-width letter is not ASCII", prediction: "Ｂ", reference: L("B"), score: 0 },
    { why: "letter E", prediction: "E", reference: L("E"), score: 1 },
    { why: "option text instead of the letter", prediction: "larva", reference: L("A"), score: 0 },
    { why: "letter with a trailing space and period", prediction: "A .", reference: L("A"), score: 0 },
    { why: "\\x1c is Python whitespace for the filter", prediction: "\x1cB. x", reference: L("B"), score: 1 },
    { why: "zero-width space blocks the filter", prediction: "\u200bB. x", reference: L("B"), score: 0 },
    { why: "Answer: B keeps the words", prediction: "Answer: B", reference: L("B"), score: 0 },
    { why: "B, is B after punctuation removal", prediction: "B,", reference: L("B"), score: 1 },
    { why: "a letter and a dash", prediction: "-B-", reference: L("B"), score: 1 },
    { why: "filter only at the start", prediction: "so B. is right", reference: L("B"), score: 0 },
    { why: "lower-case Kelvin-free K", prediction: "k", reference: L("K"), score: 1 },
  ],
};
