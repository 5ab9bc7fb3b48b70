import { describe, expect, it } from "vitest";
import { globToRegExp, parseCardConfigs, splitFiles } from "../../src/hub/card.js";
import { parseYamlBlock } from "../../src/hub/yaml.js";

// Shapes as the Hub writes them (datasets-library push_to_hub) and as people hand-write them.
const GQA_LIKE = `---
license: mit
dataset_info:
- config_name: testdev_balanced_images
  features:
  - name: id
    dtype: string
  - name: image
    dtype: image
  splits:
  - name: testdev
    num_bytes: 65601217.0
    num_examples: 398
  download_size: 65553408
  dataset_size: 65601217.0
configs:
- config_name: testdev_balanced_images
  data_files:
  - split: testdev
    path: testdev_balanced_images/testdev-*
- config_name: testdev_balanced_instructions
  data_files:
  - split: testdev
    path: testdev_balanced_instructions/testdev-*
tags:
- vqa
---

# GQA
`;

const INDENTED = `---
configs:
  - config_name: default   # the main one
    default: true
    data_files:
      - split: "validation"
        path: "data/validation-*.parquet"
      - split: test
        path:
          - data/test-00000-of-00002.parquet
          - 'data/test-00001-of-00002.parquet'
  - config_name: Full
    data_files:
      adversarial: Full/adversarial-*
      popular: [Full/popular-*, "Full/popular_extra-*"]
pretty_name: x
---
`;

const PLAIN = `---
configs:
- config_name: csvs
  data_files: "raw/*.csv"
- config_name: listed
  data_files:
  - a.parquet
  - b.parquet
---
`;

describe("parseCardConfigs", () => {
  it("reads push_to_hub cards with dataset_info before configs", () => {
    const configs = parseCardConfigs(GQA_LIKE);
    expect(configs).toEqual([
      { name: "testdev_balanced_images", dataFiles: { testdev: ["testdev_balanced_images/testdev-*"] } },
      {
        name: "testdev_balanced_instructions",
        dataFiles: { testdev: ["testdev_balanced_instructions/testdev-*"] },
      },
    ]);
  });

  it("reads indented lists, quotes, comments, path lists and split maps", () => {
    const configs = parseCardConfigs(INDENTED);
    expect(configs[0]).toEqual({
      name: "default",
      default: true,
      dataFiles: {
        validation: ["data/validation-*.parquet"],
        test: ["data/test-00000-of-00002.parquet", "data/test-00001-of-00002.parquet"],
      },
    });
    expect(configs[1]).toEqual({
      name: "Full",
      dataFiles: { adversarial: ["Full/adversarial-*"], popular: ["Full/popular-*", "Full/popular_extra-*"] },
    });
  });

  it("treats a bare path or path list as the train split", () => {
    expect(parseCardConfigs(PLAIN)).toEqual([
      { name: "csvs", dataFiles: { train: ["raw/*.csv"] } },
      { name: "listed", dataFiles: { train: ["a.parquet", "b.parquet"] } },
    ]);
  });

  it("answers [] for cards without front matter or configs, and CRLF cards parse", () => {
    expect(parseCardConfigs("# just a readme\n")).toEqual([]);
    expect(parseCardConfigs("---\nlicense: mit\n---\n")).toEqual([]);
    expect(parseCardConfigs(GQA_LIKE.replace(/\n/g, "\r\n"))).toHaveLength(2);
  });

  it("throws on a malformed configs block", () => {
    expect(() => parseCardConfigs("---\nconfigs:\n  foo: bar\n---\n")).toThrow(/not a list/);
    expect(() =>
      parseCardConfigs("---\nconfigs:\n- config_name: x\n  data_files:\n  - path: a\n---\n"),
    ).toThrow(/split/);
  });

  it("parses nested YAML the way a YAML library would", () => {
    expect(parseYamlBlock("a:\n- x\n- y: 1\n  z: [p, 'q, r']\nb: ~\n")).toEqual({
      a: ["x", { y: "1", z: ["p", "q, r"] }],
      b: null,
    });
  });
});

describe("globToRegExp", () => {
  it("keeps * inside a segment and lets ** cross folders", () => {
    expect(globToRegExp("data/test-*").test("data/test-00000-of-00001.parquet")).toBe(true);
    expect(globToRegExp("data/test-*").test("data/test/x.parquet")).toBe(false);
    expect(globToRegExp("data/test-*").test("data/train-0.parquet")).toBe(false);
    expect(globToRegExp("**/*.parquet").test("a/b/c.parquet")).toBe(true);
    expect(globToRegExp("**/*.parquet").test("c.parquet")).toBe(true);
    expect(globToRegExp("data/{test,val}-?.parquet").test("data/val-1.parquet")).toBe(true);
    expect(globToRegExp("data/[ab].parquet").test("data/c.parquet")).toBe(false);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });
});

describe("splitFiles", () => {
  const paths = [
    "README.md",
    "DocVQA/test-00000-of-00002.parquet",
    "DocVQA/validation-00001-of-00002.parquet",
    "DocVQA/validation-00000-of-00002.parquet",
    "data/test-00000-of-00001.parquet",
  ];

  it("uses the card's patterns and sorts by name", () => {
    const configs = [{ name: "DocVQA", dataFiles: { validation: ["DocVQA/validation-*"] } }];
    const r = splitFiles(configs, paths, "DocVQA", "validation");
    expect(r).toEqual({
      ok: true,
      files: ["DocVQA/validation-00000-of-00002.parquet", "DocVQA/validation-00001-of-00002.parquet"],
      patterns: ["DocVQA/validation-*"],
    });
  });

  it("names the available configs and splits when one is missing", () => {
    const configs = [{ name: "DocVQA", dataFiles: { validation: ["DocVQA/validation-*"] } }];
    const r1 = splitFiles(configs, paths, "InfographicVQA", "validation");
    expect(r1.ok === false && r1.problem).toMatch(/no config 'InfographicVQA'.*DocVQA/);
    const r2 = splitFiles(configs, paths, "DocVQA", "train");
    expect(r2.ok === false && r2.problem).toMatch(/no split 'train'.*validation/);
  });

  it("falls back to the folder conventions without card configs", () => {
    expect(splitFiles([], paths, "DocVQA", "validation")).toMatchObject({
      ok: true,
      files: [paths[3], paths[2]],
    });
    expect(splitFiles([], paths, "default", "test")).toMatchObject({
      files: ["data/test-00000-of-00001.parquet"],
    });
    expect(splitFiles([], paths, "default", "dev").ok).toBe(false);
  });
});

describe("card variants other datasets use", () => {
  const VARIANTS = [
    "---",
    "# a comment before the keys",
    '"configs":',
    "- config_name: 'main'   # quoted value, trailing comment",
    "  default: true",
    '  "data_files":',
    "  - {split: test, path: data/test-*}",
    "  - {split: 'validation', path: [data/val-0.parquet, 'data/val-1.parquet']}",
    "- config_name: solo",
    "  data_files: solo/*.parquet",
    "- config_name: dirs",
    "  data_dir: ./Dir/",
    "dataset_info:",
    "  features:",
    "  - name: image",
    "    dtype: image",
    "  - name: configs",
    "    dtype: string",
    "---",
    "# Card",
  ].join("\r\n");

  it("reads quoted keys, flow-mapping entries, default: true, data_dir and keys after configs (CRLF)", () => {
    expect(parseCardConfigs(VARIANTS)).toEqual([
      {
        name: "main",
        default: true,
        dataFiles: { test: ["data/test-*"], validation: ["data/val-0.parquet", "data/val-1.parquet"] },
      },
      { name: "solo", dataFiles: { train: ["solo/*.parquet"] } },
      { name: "dirs", dataFiles: {}, dataDir: "Dir" },
    ]);
  });

  it("a task's 'default' config is the card's default: true config, or its only config", () => {
    const paths = [
      "data/test-00000.parquet",
      "data/train-0.parquet",
      "Dir/test-0.parquet",
      "Dir/x/y.parquet",
    ];
    const configs = parseCardConfigs(VARIANTS);
    expect(splitFiles(configs, paths, "default", "test")).toMatchObject({
      ok: true,
      files: ["data/test-00000.parquet"],
    });
    const only = [{ name: "custom", dataFiles: { test: ["data/test-*"] } }];
    expect(splitFiles(only, paths, "default", "test")).toMatchObject({ ok: true });
    // Two configs, neither named nor marked default: no guessing.
    const two = [...only, { name: "other", dataFiles: { test: ["x/*"] } }];
    expect(splitFiles(two, paths, "default", "test").ok).toBe(false);
    // A named config is never swapped for the default one.
    expect(splitFiles(configs, paths, "missing", "test").ok).toBe(false);
  });

  it("a config with only data_dir uses the split conventions under that folder", () => {
    const paths = ["Dir/test-00000-of-00001.parquet", "Dir/validation/0000.parquet", "data/test-0.parquet"];
    const configs = parseCardConfigs(VARIANTS);
    expect(splitFiles(configs, paths, "dirs", "test")).toMatchObject({ files: [paths[0]] });
    expect(splitFiles(configs, paths, "dirs", "validation")).toMatchObject({ files: [paths[1]] });
  });

  it("a list of {split, path} entries with path lists, and a bare list of paths as train", () => {
    const card =
      "---\nconfigs:\n- config_name: a\n  data_files:\n  - split: test\n    path:\n    - t/0.parquet\n    - t/1.parquet\n- config_name: b\n  data_files:\n  - b/0.parquet\n  - b/1.parquet\n---\n";
    expect(parseCardConfigs(card)).toEqual([
      { name: "a", dataFiles: { test: ["t/0.parquet", "t/1.parquet"] } },
      { name: "b", dataFiles: { train: ["b/0.parquet", "b/1.parquet"] } },
    ]);
  });

  it("without front matter, the tree conventions find <config>/<split>-*, <config>/<split>/*.parquet and data/<split>-*", () => {
    const paths = [
      "GQA_q/testdev-00000-of-00001.parquet",
      "imgs/testdev/0000.parquet",
      "data/validation-00000-of-00001.parquet",
    ];
    const configs = parseCardConfigs("# no front matter\r\nconfigs: not yaml here\r\n");
    expect(configs).toEqual([]);
    expect(splitFiles(configs, paths, "GQA_q", "testdev")).toMatchObject({ files: [paths[0]] });
    expect(splitFiles(configs, paths, "imgs", "testdev")).toMatchObject({ files: [paths[1]] });
    expect(splitFiles(configs, paths, "default", "validation")).toMatchObject({ files: [paths[2]] });
  });
});
