/**
 * Graph names, dtypes and their file suffixes (the transformers.js / onnx-community convention),
 * and the `--dtype` parser.
 */
import { UsageError } from "../../core/errors.js";

/** The three ONNX graphs of a FastVLM export, in load order. */
export const GRAPHS = ["vision_encoder", "embed_tokens", "decoder_model_merged"] as const;

/** One of the three graphs. */
export type GraphName = (typeof GRAPHS)[number];

/** Filename suffix per dtype (transformers.js DEFAULT_DTYPE_SUFFIX_MAPPING). */
export const DTYPE_SUFFIX = {
  fp32: "",
  fp16: "_fp16",
  q8: "_quantized",
  int8: "_int8",
  uint8: "_uint8",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
} as const;

/** A weight dtype of an exported graph. */
export type Dtype = keyof typeof DTYPE_SUFFIX;

/** dtype per graph. */
export type DtypeMap = Record<GraphName, Dtype>;

/** What `--dtype` can say: some or all graphs. */
export type DtypeSpec = Partial<DtypeMap>;

/** Short names accepted on the command line. */
export const GRAPH_ALIASES: Record<string, GraphName> = {
  vision: "vision_encoder",
  vision_encoder: "vision_encoder",
  embed: "embed_tokens",
  embed_tokens: "embed_tokens",
  decoder: "decoder_model_merged",
  decoder_model_merged: "decoder_model_merged",
};

/** The onnx-community model card's recommendation for FastVLM. */
export const CARD_DTYPE: DtypeMap = {
  embed_tokens: "fp16",
  vision_encoder: "q4",
  decoder_model_merged: "q4",
};

const DTYPES = Object.keys(DTYPE_SUFFIX) as Dtype[];

function isDtype(s: string): s is Dtype {
  return Object.hasOwn(DTYPE_SUFFIX, s);
}

/** The file of one graph in one dtype, relative to the model folder. */
export function graphFile(graph: GraphName, dtype: Dtype): string {
  return `onnx/${graph}${DTYPE_SUFFIX[dtype]}.onnx`;
}

/**
 * Parses `--dtype`: a single dtype for every graph (`q4`), or `graph=dtype` pairs separated by
 * commas (`vision=fp16,decoder=q4,embed=fp16`). Graphs not named are left out of the result
 * (the caller fills them with its default). Every problem is reported at once.
 */
export function parseDtype(spec: string): DtypeSpec {
  const text = spec.trim();
  if (text === "")
    throw new UsageError("--dtype is empty.", `Use one of ${DTYPES.join(", ")}, or graph=dtype pairs.`);
  if (!text.includes("=")) {
    if (!isDtype(text)) {
      throw new UsageError(`Unknown dtype '${text}' in --dtype.`, `Valid dtypes: ${DTYPES.join(", ")}.`);
    }
    return { vision_encoder: text, embed_tokens: text, decoder_model_merged: text };
  }
  const out: DtypeSpec = {};
  const problems: string[] = [];
  for (const part of text.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq < 0) {
      problems.push(`'${item}' is not graph=dtype`);
      continue;
    }
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const graph = GRAPH_ALIASES[key];
    if (!graph) problems.push(`unknown graph '${key}' (use vision, embed or decoder)`);
    if (!isDtype(value)) problems.push(`unknown dtype '${value}' (use ${DTYPES.join(", ")})`);
    if (graph && isDtype(value)) {
      if (out[graph] !== undefined && out[graph] !== value) problems.push(`${graph} is given twice`);
      out[graph] = value;
    }
  }
  if (problems.length > 0) {
    throw new UsageError(
      `Invalid --dtype '${spec}': ${problems.join("; ")}.`,
      "Example: --dtype q4, or --dtype vision=fp16,decoder=q4,embed=fp16.",
    );
  }
  return out;
}

/**
 * Picks each graph's dtype for a local folder from the files present: an explicit choice wins;
 * otherwise the card's recommendation when its file exists, else fp32 when present, else the only
 * dtype found. Returns the map plus the graphs with no file at all (the caller reports them).
 */
export function chooseLocalDtype(
  present: (file: string) => boolean,
  explicit: DtypeSpec,
): { dtype: DtypeMap; missing: string[] } {
  const dtype = { ...CARD_DTYPE };
  const missing: string[] = [];
  for (const g of GRAPHS) {
    const want = explicit[g];
    if (want) {
      dtype[g] = want;
      if (!present(graphFile(g, want))) missing.push(graphFile(g, want));
      continue;
    }
    const candidates: Dtype[] = [CARD_DTYPE[g], "fp32", ...DTYPES];
    const found = candidates.find((d) => present(graphFile(g, d)));
    if (found) dtype[g] = found;
    else missing.push(graphFile(g, "fp32"));
  }
  return { dtype, missing };
}
