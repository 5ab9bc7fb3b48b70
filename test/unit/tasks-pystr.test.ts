/** Python semantics the prompts depend on: ast.literal_eval of string lists, str.capitalize, str.strip. */
import { describe, expect, it } from "vitest";
import { isPySpace, pyCapitalize, pyStrip } from "../../tasks/_common.js";
import { PyLiteralError, parsePyStringList } from "../../tasks/pyliteral.js";

describe("parsePyStringList (ast.literal_eval of a list of str)", () => {
  const ok: [string, string[]][] = [
    ["[]", []],
    ["  [ ]  ", []],
    ["['a', 'b']", ["a", "b"]],
    [`["b's", 'say "hi"']`, ["b's", 'say "hi"']],
    ["['it\\'s', \"q\\\"q\"]", ["it's", 'q"q']],
    ["['back\\\\slash']", ["back\\slash"]],
    ["['a\\nb\\tc\\rd']", ["a\nb\tc\rd"]],
    ["['caf\\xe9', '\\u00e9t\\u00e9', '\\U0001F600']", ["café", "été", "😀"]],
    ["['\\101\\0']", ["A\0"]],
    ["['unknown \\d escape']", ["unknown \\d escape"]],
    ["['a' 'b', \"c\" 'd']", ["ab", "cd"]],
    ["['x',]", ["x"]],
    ["[\n  'multi',\n  'line'\n]", ["multi", "line"]],
    ["[u'uni', r'raw\\n']", ["uni", "raw\\n"]],
    ["['''tri'ple''']", ["tri'ple"]],
    ["['<image 1>', '<image 2>']", ["<image 1>", "<image 2>"]],
    ["['line\\\ncontinued']", ["linecontinued"]],
    ["['Ünïcödé — ok']", ["Ünïcödé — ok"]],
  ];
  for (const [text, want] of ok) {
    it(`parses ${JSON.stringify(text)}`, () => {
      expect(parsePyStringList(text)).toEqual(want);
    });
  }

  const bad: [string, RegExp][] = [
    ["", /expected '\['/],
    ["'a'", /expected '\['/],
    ["['a'", /unterminated list/],
    ["['a]", /unterminated string/],
    ["['a' 1]", /expected ',' or '\]'/],
    ["[1, 2]", /expected a string/],
    ["[b'x']", /bytes/],
    ["[f'x']", /f-strings/],
    ["['a'] x", /after the list/],
    ["['a' , , 'b']", /expected a string/],
    ["['\\x4']", /truncated \\x/],
    ["['\\N{DASH}']", /\\N\{name\}/],
    ["['new\nline']", /newline inside a string/],
    ["[['nested']]", /expected a string/],
  ];
  for (const [text, re] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(() => parsePyStringList(text)).toThrow(PyLiteralError);
      expect(() => parsePyStringList(text)).toThrow(re);
    });
  }
});

describe("pyCapitalize (Python 3.8+ str.capitalize)", () => {
  // Expected values computed with CPython 3.
  const cases: [string, string][] = [
    ["", ""],
    ["what brand is this NOKIA phone?", "What brand is this nokia phone?"],
    ["WHAT", "What"],
    ["1st PLACE", "1st place"],
    ["ßa", "Ssa"],
    ["ǆa", "ǅa"],
    ["ǄA", "ǅa"],
    ["ﬁX", "Fix"],
    ["ᾳΣ", "ᾼς"],
    ["აB", "აb"],
    ["ŉA", "ʼNa"],
    ["ΑΣ ΣΑ", "Ας σα"],
    ["İSTANBUL", "İstanbul"],
    ["éCOLE", "École"],
    ["😀 SMILE", "😀 smile"],
    [" leading", " leading"],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => {
      expect(pyCapitalize(input)).toBe(want);
    });
  }
});

describe("pyStrip (str.strip with Python's whitespace)", () => {
  it("strips ASCII and Unicode whitespace Python knows", () => {
    expect(pyStrip(" \t\n\r\v\f x \u3000\u2028\u00a0\u0085\u001c\u001f")).toBe("x");
  });
  it("keeps U+FEFF and zero-width space, which JS trim() would (partly) strip", () => {
    expect(pyStrip("\ufeffx\ufeff")).toBe("\ufeffx\ufeff");
    expect("\ufeffx".trim()).toBe("x");
    expect(pyStrip("\u200bx")).toBe("\u200bx");
  });
  it("agrees with isPySpace", () => {
    expect(isPySpace("\u0085")).toBe(true);
    expect(isPySpace("\ufeff")).toBe(false);
    expect(isPySpace("a")).toBe(false);
  });
});
