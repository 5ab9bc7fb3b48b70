/**
 * The EvalAI / VQA answer normaliser (lmms-eval `EvalAIAnswerProcessor`, from MMF), with its quirks:
 *  - `'s` becomes ` 's`; commas and question marks are deleted first;
 *  - the punctuation pass looks at the text *before* the pass: a mark is deleted everywhere when it
 *    appears next to a space anywhere in that text, otherwise replaced by a space everywhere
 *    (or everywhere when a comma sits between two digits, which after step 1 only VQAv2's direct call can see);
 *  - the period pattern's look-behind is misspelled, so every "." not followed by a (Unicode) digit is
 *    deleted, and `re.UNICODE` lands in the `count` argument: at most 32 periods are removed;
 *  - number words zero–ten (and "none") map to digits, articles a/an/the are dropped, and the contraction
 *    table applies to lower-case keys only (the mixed-case keys such as "Im" can never match).
 */
import { pyLower, pySplit, pyStrip } from "./python.js";

/** Contraction table keys that can match (the reference's lower-case keys) and their replacements. */
const CONTRACTIONS: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  aint: "ain't",
  arent: "aren't",
  cant: "can't",
  couldve: "could've",
  couldnt: "couldn't",
  "couldn'tve": "couldn't've",
  "couldnt've": "couldn't've",
  didnt: "didn't",
  doesnt: "doesn't",
  dont: "don't",
  hadnt: "hadn't",
  "hadnt've": "hadn't've",
  "hadn'tve": "hadn't've",
  hasnt: "hasn't",
  havent: "haven't",
  hed: "he'd",
  "hed've": "he'd've",
  "he'dve": "he'd've",
  hes: "he's",
  howd: "how'd",
  howll: "how'll",
  hows: "how's",
  isnt: "isn't",
  itd: "it'd",
  "itd've": "it'd've",
  "it'dve": "it'd've",
  itll: "it'll",
  "let's": "let's",
  maam: "ma'am",
  mightnt: "mightn't",
  "mightnt've": "mightn't've",
  "mightn'tve": "mightn't've",
  mightve: "might've",
  mustnt: "mustn't",
  mustve: "must've",
  neednt: "needn't",
  notve: "not've",
  oclock: "o'clock",
  oughtnt: "oughtn't",
  "ow's'at": "'ow's'at",
  "'ows'at": "'ow's'at",
  "'ow'sat": "'ow's'at",
  shant: "shan't",
  "shed've": "she'd've",
  "she'dve": "she'd've",
  "she's": "she's",
  shouldve: "should've",
  shouldnt: "shouldn't",
  "shouldnt've": "shouldn't've",
  "shouldn'tve": "shouldn't've",
  // The reference maps this one backwards; kept as is.
  "somebody'd": "somebodyd",
  "somebodyd've": "somebody'd've",
  "somebody'dve": "somebody'd've",
  somebodyll: "somebody'll",
  somebodys: "somebody's",
  someoned: "someone'd",
  "someoned've": "someone'd've",
  "someone'dve": "someone'd've",
  someonell: "someone'll",
  someones: "someone's",
  somethingd: "something'd",
  "somethingd've": "something'd've",
  "something'dve": "something'd've",
  somethingll: "something'll",
  thats: "that's",
  thered: "there'd",
  "thered've": "there'd've",
  "there'dve": "there'd've",
  therere: "there're",
  theres: "there's",
  theyd: "they'd",
  "theyd've": "they'd've",
  "they'dve": "they'd've",
  theyll: "they'll",
  theyre: "they're",
  theyve: "they've",
  twas: "'twas",
  wasnt: "wasn't",
  "wed've": "we'd've",
  "we'dve": "we'd've",
  weve: "we've",
  werent: "weren't",
  whatll: "what'll",
  whatre: "what're",
  whats: "what's",
  whatve: "what've",
  whens: "when's",
  whered: "where'd",
  wheres: "where's",
  whereve: "where've",
  whod: "who'd",
  "whod've": "who'd've",
  "who'dve": "who'd've",
  wholl: "who'll",
  whos: "who's",
  whove: "who've",
  whyll: "why'll",
  whyre: "why're",
  whys: "why's",
  wont: "won't",
  wouldve: "would've",
  wouldnt: "wouldn't",
  "wouldnt've": "wouldn't've",
  "wouldn'tve": "wouldn't've",
  yall: "y'all",
  "yall'll": "y'all'll",
  "y'allll": "y'all'll",
  "yall'd've": "y'all'd've",
  "y'alld've": "y'all'd've",
  "y'all'dve": "y'all'd've",
  youd: "you'd",
  "youd've": "you'd've",
  "you'dve": "you'd've",
  youll: "you'll",
  youre: "you're",
  youve: "you've",
});

const NUMBER_WORDS: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  none: "0",
  zero: "0",
  one: "1",
  two: "2",
  three: "3",
  four: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
  ten: "10",
});

const ARTICLES = new Set(["a", "an", "the"]);

/** The punctuation list of the reference, in its order (order does not change the result). */
const PUNCTUATIONS = [
  ";",
  "/",
  "[",
  "]",
  '"',
  "{",
  "}",
  "(",
  ")",
  "=",
  "+",
  "\\",
  "_",
  "-",
  ">",
  "<",
  "@",
  "`",
  ",",
  "?",
  "!",
];

/** Any of PUNCTUATIONS: when the text has none, the punctuation loop below changes nothing. */
const ANY_PUNCTUATION = new RegExp(`[${PUNCTUATIONS.map((p) => p.replace(/[\\\]^-]/g, "\\$&")).join("")}]`);

/** `COMMA_STRIP`: a run of commas between two (Unicode) digits. */
const COMMA_STRIP = /\p{Nd},+\p{Nd}/u;

/** `re.UNICODE` (= 32) passed as `count` to `PERIOD_STRIP.sub`. */
const PERIOD_STRIP_COUNT = 32;

/** Step 1 (`word_tokenize`): lower-case, drop , and ?, split off 's, strip. */
function wordTokenize(s: string): string {
  return pyStrip(pyLower(s).replaceAll(",", "").replaceAll("?", "").replaceAll("'s", " 's"));
}

/** Step 3 (`process_punctuation`), including the 32-period cap (VQAv2 calls it directly). */
export function processPunctuation(inText: string): string {
  let out = inText;
  // Most answers have no punctuation at all: one regex test instead of 21 scans (re-scoring hot path).
  if (ANY_PUNCTUATION.test(inText)) {
    // A comma between digits anywhere makes every mark deleted (only VQAv2 can get here with a comma left).
    const commaBetweenDigits = COMMA_STRIP.test(inText);
    for (const p of PUNCTUATIONS) {
      // The reference tests `p + " "` / `" " + p` against the text before this pass, not the running result.
      if (commaBetweenDigits || inText.includes(`${p} `) || inText.includes(` ${p}`))
        out = out.replaceAll(p, "");
      else out = out.replaceAll(p, " ");
    }
  }
  let removed = 0;
  // `\d` in Python `re` is any Unicode decimal digit.
  return out.replace(/\.(?!\p{Nd})/gu, (m) => (removed++ < PERIOD_STRIP_COUNT ? "" : m));
}

/** Step 4 (`process_digit_article`). */
export function processDigitArticle(inText: string): string {
  const words: string[] = [];
  for (const raw of pySplit(pyLower(inText))) {
    const word = NUMBER_WORDS[raw] ?? raw;
    if (!ARTICLES.has(word)) words.push(word);
  }
  return words.map((w) => CONTRACTIONS[w] ?? w).join(" ");
}

/** The full EvalAI normalisation of one answer. */
export function evalAiNormalize(answer: string): string {
  let item = wordTokenize(answer);
  item = pyStrip(item.replaceAll("\n", " ").replaceAll("\t", " "));
  item = processPunctuation(item);
  return processDigitArticle(item);
}
