/**
 * Golden cases for every scorer: inputs and the exact expected values worked out from the reference rules
 * (each comment says why). They are also checked against the reference Python by make_oracle.py's sibling
 * check (fixtures/check_golden.py) so a case can't encode our own misreading.
 */

/** A golden case of a scorer with a plain per-sample score. */
export interface Golden<Ref> {
  /** What the case pins. */
  why: string;
  /** Raw model output (before the runner's strip). */
  prediction: string;
  /** Reference as the task builds it. */
  reference: Ref;
  /** Expected score. */
  score: number;
  /** Expected `parsed`, where it matters. */
  parsed?: unknown;
}

const ten = (...answers: string[]): string[] => answers;
const rep = (a: string, n: number): string[] => Array.from({ length: n }, () => a);

export const EXACT_MATCH: Golden<{ answer: string }>[] = [
  { why: "identical", prediction: "yes", reference: { answer: "yes" }, score: 1 },
  { why: "case", prediction: "Yes", reference: { answer: "yes" }, score: 1 },
  { why: "case and ASCII punctuation", prediction: "YES.", reference: { answer: "yes" }, score: 1 },
  { why: "runner strips spaces", prediction: "  yes  ", reference: { answer: "yes" }, score: 1 },
  {
    why: "Python strip: NBSP and ideographic space",
    prediction: "\u00a0yes\u3000",
    reference: { answer: "yes" },
    score: 1,
  },
  { why: "Python strip: \\x1c is whitespace", prediction: "yes\x1c", reference: { answer: "yes" }, score: 1 },
  { why: "Python strip: \\x85 is whitespace", prediction: "\x85yes", reference: { answer: "yes" }, score: 1 },
  {
    why: "zero-width space is not whitespace",
    prediction: "\u200byes",
    reference: { answer: "yes" },
    score: 0,
  },
  { why: "BOM is not whitespace", prediction: "\ufeffyes", reference: { answer: "yes" }, score: 0 },
  { why: "hyphen deleted, not spaced", prediction: "t-shirt", reference: { answer: "tshirt" }, score: 1 },
  { why: "no whitespace collapsing", prediction: "T shirt", reference: { answer: "t-shirt" }, score: 0 },
  { why: "trailing period", prediction: "2.", reference: { answer: "2" }, score: 1 },
  { why: "no number words", prediction: "two", reference: { answer: "2" }, score: 0 },
  { why: "no article removal", prediction: "the cat", reference: { answer: "cat" }, score: 0 },
  { why: "! deleted", prediction: "cat!", reference: { answer: "Cat" }, score: 1 },
  { why: "Unicode quotes stay", prediction: "\u201ccat\u201d", reference: { answer: "cat" }, score: 0 },
  { why: "apostrophe deleted", prediction: "cat's", reference: { answer: "cats" }, score: 1 },
  { why: "empty prediction", prediction: "", reference: { answer: "yes" }, score: 0 },
  { why: "both empty", prediction: "", reference: { answer: "" }, score: 1 },
  { why: "non-ASCII case", prediction: "\u00c9COLE", reference: { answer: "\u00e9cole" }, score: 1 },
  {
    why: "ß has no single-letter upper form to undo",
    prediction: "STRASSE",
    reference: { answer: "stra\u00dfe" },
    score: 0,
  },
  {
    why: "ß lower-cases to itself",
    prediction: "Stra\u00dfe",
    reference: { answer: "stra\u00dfe" },
    score: 1,
  },
  {
    why: "NumPy fixed width: İ lower-cases to i + U+0307, cut to 1 char",
    prediction: "\u0130",
    reference: { answer: "i" },
    score: 1,
  },
  {
    why: "NumPy fixed width cuts the last letter",
    prediction: "\u0130stanbul",
    reference: { answer: "istanbul" },
    score: 0,
  },
  { why: "double space kept", prediction: "a b", reference: { answer: "a  b" }, score: 0 },
  { why: "newline stripped", prediction: "yes\n", reference: { answer: "yes" }, score: 1 },
  { why: "parentheses deleted", prediction: "(left)", reference: { answer: "left" }, score: 1 },
  { why: "comma deleted", prediction: "left,", reference: { answer: "left" }, score: 1 },
  { why: "hyphen vs space", prediction: "left-hand", reference: { answer: "left hand" }, score: 0 },
  { why: "dollar deleted", prediction: "$5", reference: { answer: "5" }, score: 1 },
  { why: "percent deleted", prediction: "5%", reference: { answer: "5" }, score: 1 },
  {
    why: "final sigma on both sides",
    prediction: "\u039f\u0394\u039f\u03a3",
    reference: { answer: "\u03bf\u03b4\u03bf\u03c2" },
    score: 1,
  },
  { why: "astral characters", prediction: "\u{1F600}", reference: { answer: "\u{1F600}" }, score: 1 },
  { why: "trailing NUL dropped by NumPy", prediction: "yes\u0000", reference: { answer: "yes" }, score: 1 },
  { why: "wrong answer", prediction: "no", reference: { answer: "yes" }, score: 0 },
  {
    why: "long answer, punctuation and case only differ",
    prediction: "The Quick, Brown Fox -- Jumps Over The Lazy Dog!",
    reference: { answer: "the quick brown fox  jumps over the lazy dog" },
    score: 1,
  },
];

export const VQA: Golden<{ answers: string[] }>[] = [
  { why: "all ten agree", prediction: "red", reference: { answers: rep("red", 10) }, score: 1 },
  { why: "final period deleted", prediction: "Red.", reference: { answers: rep("red", 10) }, score: 1 },
  {
    why: "3 matches → 0.9",
    prediction: "red",
    reference: { answers: [...rep("red", 3), ...rep("blue", 7)] },
    score: 0.9,
  },
  { why: "1 match → 0.3", prediction: "red", reference: { answers: ["red", ...rep("blue", 9)] }, score: 0.3 },
  {
    why: "2 matches → 0.6",
    prediction: "red",
    reference: { answers: [...rep("red", 2), ...rep("blue", 8)] },
    score: 0.6,
  },
  {
    why: "4 matches → 1",
    prediction: "red",
    reference: { answers: [...rep("red", 4), ...rep("blue", 6)] },
    score: 1,
  },
  { why: "number word", prediction: "two", reference: { answers: rep("2", 10) }, score: 1 },
  { why: "article 'the' dropped", prediction: "the dog", reference: { answers: rep("dog", 10) }, score: 1 },
  { why: "article 'a' dropped", prediction: "a dog", reference: { answers: rep("dog", 10) }, score: 1 },
  { why: "contraction dont → don't", prediction: "dont", reference: { answers: rep("don't", 10) }, score: 1 },
  {
    why: "mixed-case key Im never matches",
    prediction: "Im",
    reference: { answers: rep("i'm", 10) },
    score: 0,
  },
  {
    why: "hyphen with no space → space",
    prediction: "coca-cola",
    reference: { answers: rep("coca cola", 10) },
    score: 1,
  },
  {
    why: "hyphen next to a space → deleted",
    prediction: "coca - cola",
    reference: { answers: rep("coca cola", 10) },
    score: 1,
  },
  { why: "decimal kept", prediction: "3.5", reference: { answers: rep("3.5", 10) }, score: 1 },
  {
    why: "trailing period after digit deleted",
    prediction: "3.",
    reference: { answers: rep("3", 10) },
    score: 1,
  },
  { why: "thousands comma deleted", prediction: "1,000", reference: { answers: rep("1000", 10) }, score: 1 },
  {
    why: "'s split off on both sides",
    prediction: "cat's",
    reference: { answers: rep("cat 's", 10) },
    score: 1,
  },
  { why: "? deleted", prediction: "yes?", reference: { answers: rep("yes", 10) }, score: 1 },
  { why: "! → space", prediction: "Yes!", reference: { answers: rep("yes", 10) }, score: 1 },
  { why: "inner period deleted", prediction: "a.b", reference: { answers: rep("ab", 10) }, score: 1 },
  { why: "tabs and newlines", prediction: "\ttwo\n", reference: { answers: rep("2", 10) }, score: 1 },
  { why: "none → 0", prediction: "none", reference: { answers: rep("0", 10) }, score: 1 },
  { why: "one answer can never be matched", prediction: "red", reference: { answers: ["red"] }, score: 0 },
  { why: "no answers → 0", prediction: "red", reference: { answers: [] }, score: 0 },
  { why: "eleven answers", prediction: "red", reference: { answers: rep("red", 11) }, score: 1 },
  {
    why: "two answers: each sees one match",
    prediction: "red",
    reference: { answers: ["red", "red"] },
    score: 1 / 3,
  },
  { why: "empty matches empty", prediction: "", reference: { answers: rep("", 10) }, score: 1 },
  { why: "on the left", prediction: "on the left", reference: { answers: rep("on left", 10) }, score: 1 },
  { why: "he's", prediction: "He's", reference: { answers: rep("he 's", 10) }, score: 1 },
  {
    why: "hes → he's but gold he's → he 's",
    prediction: "hes",
    reference: { answers: rep("he's", 10) },
    score: 0,
  },
  { why: "NBSP stripped", prediction: "\u00a0red\u00a0", reference: { answers: rep("red", 10) }, score: 1 },
  { why: "zero-width space kept", prediction: "red\u200b", reference: { answers: rep("red", 10) }, score: 0 },
  {
    why: "= next to a space → deleted",
    prediction: "x = 5",
    reference: { answers: rep("x 5", 10) },
    score: 1,
  },
  { why: "= without spaces → space", prediction: "x=5", reference: { answers: rep("x 5", 10) }, score: 1 },
  {
    why: "only 32 periods are removed: the 33rd survives, so the period-free gold no longer matches",
    prediction: `${"a.".repeat(33)}b`,
    reference: { answers: rep(`${"a".repeat(33)}b`, 10) },
    score: 0,
    parsed: `${"a".repeat(33)}.b`,
  },
  {
    why: "mixed set",
    prediction: "Two",
    reference: { answers: ten("2", "2", "two", "3", "2", "2", "II", "2", "two", "2") },
    score: 1,
  },
];

export const ANLS: Golden<{ answers: string[] }>[] = [
  { why: "identical", prediction: "abc", reference: { answers: ["abc"] }, score: 1 },
  { why: "case-insensitive", prediction: "ABC", reference: { answers: ["abc"] }, score: 1 },
  { why: "one edit of three", prediction: "abd", reference: { answers: ["abc"] }, score: 1 - 1 / 3 },
  { why: "exactly 0.5 is kept", prediction: "ab", reference: { answers: ["abcd"] }, score: 0.5 },
  { why: "below 0.5 → 0", prediction: "a", reference: { answers: ["abc"] }, score: 0 },
  { why: "runner strips the prediction", prediction: "  abc  ", reference: { answers: ["abc"] }, score: 1 },
  {
    why: "raw answer length (7) is the denominator",
    prediction: "abd",
    reference: { answers: ["  abc  "] },
    score: 1 - 1 / 7,
  },
  {
    why: "ß vs ss: 2 edits over len('STRASSE') = 7",
    prediction: "stra\u00dfe",
    reference: { answers: ["strasse"] },
    score: 1 - 2 / 7,
  },
  { why: "ß vs ss alone", prediction: "\u00df", reference: { answers: ["ss"] }, score: 0 },
  { why: "emoji identical", prediction: "\u{1F600}", reference: { answers: ["\u{1F600}"] }, score: 1 },
  {
    why: "emoji is one code point: 1 edit / 2 = 0.5",
    prediction: "\u{1F600}x",
    reference: { answers: ["\u{1F600}y"] },
    score: 0.5,
  },
  { why: "emoji insertion", prediction: "ab\u{1F600}", reference: { answers: ["ab"] }, score: 1 - 1 / 3 },
  { why: "empty prediction", prediction: "", reference: { answers: ["abc"] }, score: 0 },
  { why: "both empty → 1", prediction: "", reference: { answers: [""] }, score: 1 },
  { why: "best of several", prediction: "abc", reference: { answers: ["xyz", "abc"] }, score: 1 },
  {
    why: "best of several, partial",
    prediction: "abd",
    reference: { answers: ["xyz", "abc"] },
    score: 1 - 1 / 3,
  },
  {
    why: "whitespace collapsed before the distance",
    prediction: "Dr.  Smith",
    reference: { answers: ["dr. smith"] },
    score: 1,
  },
  { why: "4 edits / 10", prediction: "The answer", reference: { answers: ["answer"] }, score: 1 - 4 / 10 },
  { why: "comma costs one edit", prediction: "1,000", reference: { answers: ["1000"] }, score: 1 - 1 / 5 },
  {
    why: "long answer, one edit",
    prediction: "abcdefghij",
    reference: { answers: ["abcdefghi"] },
    score: 1 - 1 / 10,
  },
  {
    why: "ligature: 2 edits over len('FI') = 2",
    prediction: "\ufb01",
    reference: { answers: ["fi"] },
    score: 0,
  },
  {
    why: "İ lower-cases to i + combining dot",
    prediction: "\u0130",
    reference: { answers: ["i\u0307"] },
    score: 1,
  },
  {
    why: "NBSP splits the answer",
    prediction: "abc",
    reference: { answers: ["ab\u00a0c"] },
    score: 1 - 1 / 4,
  },
  {
    why: "zero-width space is a character",
    prediction: "ab\u200bc",
    reference: { answers: ["abc"] },
    score: 1 - 1 / 4,
  },
  { why: "yes vs no", prediction: "yes", reference: { answers: ["no"] }, score: 0 },
  { why: "two answers tie", prediction: "abcd", reference: { answers: ["abce", "xbcd"] }, score: 1 - 1 / 4 },
  { why: "upper-case prediction", prediction: "ABCD", reference: { answers: ["abcd"] }, score: 1 },
  { why: "stripped prediction length is used", prediction: " x", reference: { answers: ["xy"] }, score: 0.5 },
  {
    why: "answer's trailing space counts",
    prediction: "x",
    reference: { answers: ["xy "] },
    score: 1 - 1 / 3,
  },
  { why: "2 edits of 3 → 0", prediction: "xyz", reference: { answers: ["x"] }, score: 0 },
  {
    why: "final sigma",
    prediction: "\u039f\u0394\u039f\u03a3",
    reference: { answers: ["\u03bf\u03b4\u03bf\u03c2"] },
    score: 1,
  },
  { why: "3 edits of 6 = 0.5 kept", prediction: "abcdef", reference: { answers: ["abcxyz"] }, score: 0.5 },
  {
    why: "long answer: 30 substitutions over 100 characters",
    prediction: `${"x".repeat(30)}${"a".repeat(70)}`,
    reference: { answers: ["a".repeat(100)] },
    score: 1 - 30 / 100,
  },
  {
    why: "long prediction against a short answer",
    prediction: "The total amount due on the invoice is 1,234.56 dollars",
    reference: { answers: ["1,234.56"] },
    score: 0,
  },
];

export const POPE: Golden<{ answer: string; category: string }>[] = [
  ...[
    ["yes", "yes", 1],
    ["Yes", "yes", 1],
    ["YES", "yes", 1],
    [" yes ", "yes", 1],
    ["yes\n", "yes", 1],
    ["Yes.", "yes", 0],
    ["Yes, there is", "yes", 0],
    ["Yes, there is a dog.", "yes", 0],
    ["no", "no", 1],
    ["No", "no", 1],
    ["NO", "no", 1],
    ["no", "yes", 0],
    ["yes", "no", 0],
    ["", "yes", 0],
    ["", "no", 0],
    ["y", "yes", 0],
    ["\u00a0no\u3000", "no", 1],
    ["nope", "no", 0],
    ["no.", "no", 0],
    ["\u200byes", "yes", 0],
    ["yes", "Yes", 1],
    ["No, there is not", "no", 0],
    ["yes yes", "yes", 0],
    ["\tYes\t", "yes", 1],
    ["Yes!", "yes", 0],
    ["yes\u0000", "yes", 0],
    ["YeS", "yes", 1],
    ["n o", "no", 0],
    ["no\r\n", "no", 1],
    ["\x1cno\x1d", "no", 1],
  ].map(([prediction, answer, score]) => ({
    why: `${JSON.stringify(prediction)} vs ${answer}`,
    prediction: prediction as string,
    reference: { answer: answer as string, category: "random" },
    score: score as number,
  })),
];

/** A hand-built POPE set with every branch: TP, FP, FN, TN, neither, empty categories. */
export const POPE_SET: { prediction: string; answer: string; category: string }[] = [
  { prediction: "yes", answer: "yes", category: "adversarial" }, // TP
  { prediction: "no", answer: "yes", category: "adversarial" }, // FN
  { prediction: "yes", answer: "no", category: "adversarial" }, // FP
  { prediction: "no", answer: "no", category: "adversarial" }, // TN
  { prediction: "Yes.", answer: "yes", category: "adversarial" }, // neither: not a TP, not an FN
  { prediction: "no", answer: "no", category: "popular" }, // TN
  { prediction: "maybe", answer: "no", category: "popular" }, // neither
  { prediction: "yes", answer: "yes", category: "random" }, // TP
  { prediction: "Yes", answer: "yes", category: "random" }, // TP
  { prediction: "yes", answer: "no", category: "random" }, // FP
];

/** Expected aggregates of POPE_SET (worked out by hand, checked with the reference's functions). */
export const POPE_SET_EXPECTED: Record<string, number> = {
  accuracy: 0.5, // 5 of 10 correct
  precision: 0.6, // TP 3 / (TP 3 + FP 2)
  recall: 0.75, // TP 3 / (TP 3 + FN 1)
  f1: (2 * (0.6 * 0.75)) / (0.6 + 0.75),
  yes_ratio: 0.5, // 5 of 10 ground truths are yes
  parse_failure_rate: 0.2,
  "accuracy/adversarial": 0.4,
  "precision/adversarial": 0.5,
  "recall/adversarial": 0.5,
  "f1/adversarial": 0.5,
  "yes_ratio/adversarial": 0.6,
  "accuracy/popular": 0.5,
  "precision/popular": 0, // no predicted yes: 0, not NaN
  "recall/popular": 0, // no ground-truth yes: 0
  "f1/popular": 0,
  "yes_ratio/popular": 0,
  "accuracy/random": 2 / 3,
  "precision/random": 2 / 3,
  "recall/random": 1,
  "f1/random": (2 * ((2 / 3) * 1)) / (2 / 3 + 1),
  "yes_ratio/random": 2 / 3,
};

export const SEED: Golden<{ answer: string; questionTypeId: number; dataType: string }>[] = [
  ...(
    [
      ["A", "A", 1, "A"],
      ["a", "A", 1, "a"],
      ["B.", "B", 1, "B"],
      ["(B)", "B", 0, "("],
      ["The answer is B", "B", 0, "T"],
      [" C ", "C", 1, "C"],
      ["", "A", 0, ""],
      ["D) dog", "D", 1, "D"],
      ["\u{1F600}", "A", 0, "\u{1F600}"],
      ["\u{1F600}x", "A", 0, "\u{1F600}"],
      ["Answer: A", "A", 1, "A"],
      ["Answer: B", "B", 0, "A"],
      ["b)", "B", 1, "b"],
      ["\u00a0B", "B", 1, "B"],
      ["\u200bB", "B", 0, "\u200b"],
      ["AB", "B", 0, "A"],
      ["B\nC", "B", 1, "B"],
      ["\u0391", "A", 0, "\u0391"],
      ["D", "D", 1, "D"],
      ["C", "D", 0, "C"],
      ["c.", "C", 1, "c"],
      ["\tA\t", "A", 1, "A"],
      ["A, because", "A", 1, "A"],
      ["Option C", "C", 0, "O"],
      ["[A]", "A", 0, "["],
      ["d", "D", 1, "d"],
      ["\u3000D\u3000", "D", 1, "D"],
      ["1", "A", 0, "1"],
      ["E", "E", 1, "E"],
      ["B", " B ", 1, "B"],
    ] as const
  ).map(([prediction, answer, score, parsed]) => ({
    why: `${JSON.stringify(prediction)} vs ${answer}`,
    prediction,
    reference: { answer, questionTypeId: 1, dataType: "image" },
    score,
    parsed,
  })),
];

const DNA = ["DNA", "RNA", "protein", "lipid"];
const IMAGES = ["<image 1>", "<image 2>", "<image 3>"];

/** MMMU multiple choice: expected letter and rule. */
export const MMMU_MC: {
  why: string;
  prediction: string;
  options: string[];
  letter: string;
  rule: string;
}[] = [
  { why: "bare letter", prediction: "A", options: DNA, letter: "A", rule: "letter_space" },
  { why: "bracketed", prediction: "(B)", options: DNA, letter: "B", rule: "bracket" },
  { why: "letter + period", prediction: "B.", options: DNA, letter: "B", rule: "letter_space" },
  {
    why: "sentence ending in a letter",
    prediction: "The answer is C",
    options: DNA,
    letter: "C",
    rule: "letter_space",
  },
  {
    why: "lmms-eval quirk: 'DNA is' yields A",
    prediction: "DNA is the answer",
    options: DNA,
    letter: "A",
    rule: "letter_space",
  },
  { why: "two brackets: last wins", prediction: "(A) or (C)", options: DNA, letter: "C", rule: "bracket" },
  { why: "two brackets reversed", prediction: "(C) or (A)", options: DNA, letter: "A", rule: "bracket" },
  { why: "two letters: last ' X ' wins", prediction: "C D", options: DNA, letter: "D", rule: "letter_space" },
  { why: "'A.' is not 'A '", prediction: "A. B.", options: DNA, letter: "B", rule: "letter_space" },
  {
    why: "option text in a long answer",
    prediction: "I think it is protein because of many reasons",
    options: DNA,
    letter: "C",
    rule: "option_text",
  },
  {
    why: "two option texts: the later one",
    prediction: "It is RNA, not DNA, that we want to pick here",
    options: DNA,
    letter: "A",
    rule: "option_text",
  },
  { why: "empty output → random", prediction: "", options: DNA, letter: "?", rule: "random_fallback" },
  { why: "no letter → random", prediction: "none", options: DNA, letter: "?", rule: "random_fallback" },
  { why: "Answer: D", prediction: "Answer: D", options: DNA, letter: "D", rule: "letter_space" },
  { why: "quotes stripped", prediction: "'B'", options: DNA, letter: "B", rule: "letter_space" },
  { why: "periods stripped", prediction: ".A.", options: DNA, letter: "A", rule: "letter_space" },
  {
    why: "lower-case letter is not a choice",
    prediction: "b",
    options: DNA,
    letter: "?",
    rule: "random_fallback",
  },
  { why: "(E) with four options", prediction: "(E)", options: DNA, letter: "?", rule: "random_fallback" },
  { why: "all letters: last wins", prediction: "A B C D", options: DNA, letter: "D", rule: "letter_space" },
  { why: "first 'X ' only", prediction: "DNA and RNA", options: DNA, letter: "A", rule: "letter_space" },
  {
    why: "image options, no match",
    prediction: "The answer is the second image shown",
    options: IMAGES,
    letter: "?",
    rule: "random_fallback",
  },
  {
    why: "image option text",
    prediction: "I choose <image 2> as the answer here",
    options: IMAGES,
    letter: "B",
    rule: "option_text",
  },
  {
    why: "tie (both rfind -1) → earlier letter",
    prediction: "XB YA",
    options: DNA,
    letter: "A",
    rule: "letter_space",
  },
  { why: "letter + period inside", prediction: "(see B.)", options: DNA, letter: "B", rule: "letter_period" },
  {
    why: "letter-period tie → earlier letter",
    prediction: "A.B.x",
    options: DNA,
    letter: "A",
    rule: "letter_period",
  },
  {
    why: "empty option text matches at the end",
    prediction: "one two three four five six",
    options: ["", "x"],
    letter: "A",
    rule: "option_text",
  },
  {
    why: "option text case-insensitive",
    prediction: "We can see that Protein is correct here",
    options: DNA,
    letter: "C",
    rule: "option_text",
  },
  {
    why: "exactly five words is not enough",
    prediction: "it is protein i think",
    options: DNA,
    letter: "?",
    rule: "random_fallback",
  },
  { why: "! stripped then bracket", prediction: "!(A)!", options: DNA, letter: "A", rule: "bracket" },
  { why: "trailing comma", prediction: "A,", options: DNA, letter: "A", rule: "letter_space" },
  {
    why: "Option B is correct",
    prediction: "Option B is correct",
    options: DNA,
    letter: "B",
    rule: "letter_space",
  },
  {
    why: "bracket beats later bare letter",
    prediction: "I'd say (B), though C is close",
    options: DNA,
    letter: "B",
    rule: "bracket",
  },
];

/** MMMU open questions: expected score. */
export const MMMU_OPEN: { why: string; prediction: string; answer: string; score: number }[] = [
  { why: "plain number", prediction: "5", answer: "5", score: 1 },
  { why: "sentence", prediction: "The answer is 5.", answer: "5", score: 1 },
  { why: "comma number", prediction: "answer is 1,000", answer: "1000", score: 1 },
  { why: "'1,000' also yields '000' → 0.0", prediction: "it is 1,000", answer: "0", score: 1 },
  { why: "round(0.125, 2) = 0.12 (ties to even)", prediction: "so 0.125", answer: "0.12", score: 1 },
  { why: "round(2.675, 2) = 2.67 (binary value below)", prediction: "2.675", answer: "2.67", score: 1 },
  { why: "2.675 is not 2.68", prediction: "2.675", answer: "2.68", score: 0 },
  { why: "round(0.375, 2) = 0.38", prediction: "0.375", answer: "0.38", score: 1 },
  { why: "one-character gold", prediction: "x", answer: "x", score: 1 },
  { why: "one-character gold inside words", prediction: "the value x", answer: "x", score: 1 },
  { why: "one-character gold not at a word edge", prediction: "xylophone", answer: "x", score: 0 },
  { why: "case and trailing period", prediction: "It is blue.", answer: "Blue", score: 1 },
  { why: "could be", prediction: "It could be blue or new york", answer: "New York", score: 1 },
  { why: "scientific notation", prediction: "1e3", answer: "1000", score: 1 },
  { why: "Arabic-Indic digits are numbers to Python", prediction: "\u0661\u0662", answer: "12", score: 1 },
  { why: "inf equals inf", prediction: "inf", answer: "inf", score: 1 },
  { why: "nan never equals", prediction: "nan", answer: "nan", score: 0 },
  { why: "empty matches empty gold", prediction: "", answer: "", score: 1 },
  { why: "shortest tail wins", prediction: "The final answer is B", answer: "B", score: 1 },
  {
    why: "multi-line with =",
    prediction: "Therefore, the result is 3.14159.\nSo x = 7",
    answer: "3.14",
    score: 1,
  },
  { why: "comma numbers and trailing 000", prediction: "5,000,000 and 12,34", answer: "5000000", score: 1 },
  { why: "empty tail falls back to the whole text", prediction: "is .", answer: ".", score: 0 },
  { why: "equation", prediction: "x = 5", answer: "5", score: 1 },
  { why: "negative decimal", prediction: "-0.5", answer: "-0.5", score: 1 },
  { why: "number inside text", prediction: "about 5", answer: "5.0", score: 1 },
  { why: "list-literal gold is a plain string", prediction: "1.1", answer: "['1.1', '1.10']", score: 0 },
  {
    why: "list-literal gold as substring",
    prediction: "['1.1', '1.10']",
    answer: "['1.1', '1.10']",
    score: 1,
  },
  { why: "underscore digits in gold", prediction: "1000", answer: "1_000", score: 1 },
  { why: "trailing zero", prediction: "so 12.50", answer: "12.5", score: 1 },
  { why: "= on the last line", prediction: "x=5", answer: "5", score: 1 },
  { why: "gold comma removed: '1,5' is 15", prediction: "15", answer: "1,5", score: 1 },
  { why: "both round to 0.0", prediction: "0.0025", answer: "2.5e-3", score: 1 },
  { why: "wrong number", prediction: "The answer is 6", answer: "5", score: 0 },
];

const many = (subject: string, n: number, correct: number): [string, boolean][] =>
  Array.from({ length: n }, (_, i): [string, boolean] => [subject, i < correct]);

/** MMMU aggregates: (subject, correct) samples and the reference's printed accuracies. */
export const MMMU_AGG: { why: string; samples: [string, boolean][]; expected: Record<string, number> }[] = [
  {
    why: "per-discipline weighting and 5-decimal rounding (incl. exact ties: 1/64, 3/64)",
    samples: [
      ...many("Art", 3, 1),
      ...many("Art_Theory", 2, 2),
      ...many("Math", 7, 5),
      ...many("Physics", 64, 1),
      ...many("Accounting", 64, 3),
      ...many("Unknown_Subject", 1, 1),
    ],
    expected: {
      "Overall-Art and Design": 0.6,
      Art: 0.33333,
      Art_Theory: 1,
      "Overall-Business": 0.04688, // 3/64 = 0.046875: half-even keeps 8 (4687.5 → 4688)
      Accounting: 0.04688,
      "Overall-Science": 0.08451, // (5 + 1) / 71
      Math: 0.71429,
      Physics: 0.01562, // 1/64 = 0.015625: half-even → 0.01562 (toFixed would give 0.01563)
      "Overall-Health and Medicine": 0,
      "Overall-Humanities and Social Science": 0,
      "Overall-Tech and Engineering": 0,
      accuracy: 0.0922, // 13 / 141, the unknown subject counted only here
    },
  },
  {
    why: "no samples: every discipline 0",
    samples: [],
    expected: {
      "Overall-Art and Design": 0,
      "Overall-Business": 0,
      "Overall-Science": 0,
      "Overall-Health and Medicine": 0,
      "Overall-Humanities and Social Science": 0,
      "Overall-Tech and Engineering": 0,
      accuracy: 0,
    },
  },
];
