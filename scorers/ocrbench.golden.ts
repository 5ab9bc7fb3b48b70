/**
 * Golden cases of ocrbench (lmms-eval 75571cfe): substring match; HME100k rows case-sensitive with every
 * space removed, the others folding full-width ASCII and lower-cased; accuracy and the count, overall and
 * per category. Each `why` names the rule; check_golden_card.py confirms every expected value with the
 * reference code.
 */
import type { GoldenSet } from "./golden.js";
import type { OcrBenchRef } from "./ocrbench.js";

const ocr = (answers: string[], dataset = "IIIT5K"): OcrBenchRef => ({
  answers,
  dataset,
  questionType:
    dataset === "HME100k" ? "Handwritten Mathematical Expression Recognition" : "Regular Text Recognition",
});
const cat = (prediction: string, questionType: string) => ({
  prediction,
  reference: { answers: ["x"], dataset: "IIIT5K", questionType },
});

export const golden: GoldenSet<OcrBenchRef> = {
  cases: [
    { why: "exact", prediction: "CENTRAL", reference: ocr(["CENTRAL"]), score: 1 },
    { why: "lower-cased both sides", prediction: "central", reference: ocr(["CENTRAL"]), score: 1 },
    {
      why: "substring of a sentence",
      prediction: "The word is CENTRAL.",
      reference: ocr(["central"]),
      score: 1,
    },
    { why: "prediction shorter than the answer", prediction: "cent", reference: ocr(["central"]), score: 0 },
    { why: "any of the answers", prediction: "12/5/98", reference: ocr(["12/05/1998", "12/5/98"]), score: 1 },
    { why: "full-width letters fold", prediction: "Ｈｅｌｌｏ", reference: ocr(["hello"]), score: 1 },
    {
      why: "full-width in the answer folds too",
      prediction: "hello",
      reference: ocr(["Ｈｅｌｌｏ"]),
      score: 1,
    },
    {
      why: "ideographic space folds to a space",
      prediction: "hello\u3000world",
      reference: ocr(["hello world"]),
      score: 1,
    },
    { why: "full-width dollar folds", prediction: "＄5.00", reference: ocr(["$5.00"]), score: 1 },
    { why: "no NFKC: the fi ligature stays", prediction: "ﬁle", reference: ocr(["file"]), score: 0 },
    {
      why: "newline in the answer becomes a space",
      prediction: "total $5",
      reference: ocr(["total\n$5"]),
      score: 1,
    },
    {
      why: "newline in the prediction becomes a space",
      prediction: "total\n$5",
      reference: ocr(["total $5"]),
      score: 1,
    },
    {
      why: "spaces count outside HME100k",
      prediction: "helloworld",
      reference: ocr(["hello world"]),
      score: 0,
    },
    { why: "the answer is stripped", prediction: "a", reference: ocr([" a "]), score: 1 },
    { why: "an empty answer is in everything", prediction: "zzz", reference: ocr([""]), score: 1 },
    { why: "empty prediction, non-empty answer", prediction: "", reference: ocr(["a"]), score: 0 },
    { why: "CJK substring", prediction: "東京タワー", reference: ocr(["東京"]), score: 1 },
    {
      why: "İ lower-cases to two code points",
      prediction: "istanbul",
      reference: ocr(["İstanbul"]),
      score: 0,
    },
    { why: "İ against its own lower form", prediction: "i̇stanbul", reference: ocr(["İstanbul"]), score: 1 },
    {
      why: "HME100k removes every space",
      prediction: "x ^ {2} + 1",
      reference: ocr(["x ^ { 2 } + 1"], "HME100k"),
      score: 1,
    },
    {
      why: "HME100k is case-sensitive",
      prediction: "X^{2}+1",
      reference: ocr(["x^{2}+1"], "HME100k"),
      score: 0,
    },
    { why: "HME100k substring", prediction: "$$x^{2}+1$$", reference: ocr(["x^{2}+1"], "HME100k"), score: 1 },
    {
      why: "HME100k removes newlines too",
      prediction: "\\frac{a}\n{b}",
      reference: ocr(["\\frac{a}{b}"], "HME100k"),
      score: 1,
    },
    { why: "HME100k does not fold full-width", prediction: "ｘ", reference: ocr(["x"], "HME100k"), score: 0 },
    { why: "HME100k keeps tabs", prediction: "a\tb", reference: ocr(["ab"], "HME100k"), score: 0 },
    {
      why: "dataset name match is exact (hme100k is not HME100k)",
      prediction: "X^2",
      reference: ocr(["x^2"], "hme100k"),
      score: 1,
    },
    { why: "punctuation matters", prediction: "hello", reference: ocr(["hello!"]), score: 0 },
    { why: "digits", prediction: "0412", reference: ocr(["412"]), score: 1 },
    {
      why: "prediction runner-stripped with Python whitespace",
      prediction: "\u00a0central\u2003",
      reference: ocr(["central"]),
      score: 1,
    },
    {
      why: "zero-width space is not stripped but still a substring match",
      prediction: "\u200bcentral",
      reference: ocr(["central"]),
      score: 1,
    },
    {
      why: "zero-width space inside breaks the match",
      prediction: "cen\u200btral",
      reference: ocr(["central"]),
      score: 0,
    },
  ],
  aggregates: [
    {
      why: "correct / N, the count, and per category",
      samples: [
        cat("x", "Doc-oriented VQA"),
        cat("y", "Doc-oriented VQA"),
        cat("x", "Regular Text Recognition"),
        cat("", "Regular Text Recognition"),
      ],
      expected: {
        ocrbench_accuracy: 0.5,
        ocrbench_score: 2,
        parse_failure_rate: 0.25,
        "ocrbench_accuracy/Doc-oriented VQA": 0.5,
        "ocrbench_accuracy/Regular Text Recognition": 0.5,
      },
      complete: true,
    },
  ],
};
