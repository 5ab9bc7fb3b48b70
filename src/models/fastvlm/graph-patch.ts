/**
 * In-memory decoder patch for `--logits last`: the shipped decoder computes `logits` for every prompt
 * position at prefill ([1, L, vocab], ≈ 172 MB fp32 for L ≈ 283 at vocab 151936) though greedy decoding
 * reads only the last row. The patch puts a Slice (last position, on the position axis) in front of the
 * lm_head MatMul/Gemm/MatMulNBits, found by walking back from the `logits` output through Identity/Cast
 * and through an Add of a constant bias over the vocab (an lm_head bias, which broadcasts the same over
 * one position as over all). Names and
 * graph inputs/outputs stay the same; `logits` becomes [batch, 1, vocab], and one output is added:
 * `logits_argmax`, the greedy token, so the engine can skip fetching logits at all.
 *
 * The patch works on the decoder's skeleton (onnx-skeleton.ts): inline weights become external-data
 * references into the original file, so only a few MB of structure are decoded and re-encoded;
 * graph-stage.ts puts the result where ONNX Runtime can load it.
 */
import { createRequire } from "node:module";
import type { onnx as OnnxNs } from "onnx-proto";

const require = createRequire(import.meta.url);
const { onnx } = require("onnx-proto") as { onnx: typeof OnnxNs };

/**
 * Output the patch adds: ArgMax over the vocab of the kept logits row (int64 [batch, 1]), so the greedy
 * token is picked inside ONNX Runtime instead of by a JS loop over 151,936 floats per step.
 */
export const NEXT_TOKEN_OUTPUT = "logits_argmax";

/** Decoder inputs that already select the kept positions (fed 1 whatever the mode). */
export const LOGITS_TO_KEEP_INPUTS = ["num_logits_to_keep", "logits_to_keep"] as const;

/** A successful patch. */
export interface SlicedGraph {
  /** Always true. */
  ok: true;
  /** The re-encoded model. */
  bytes: Uint8Array;
  /** External data `location`s of the model (as written in it), in first-use order. */
  externalFiles: string[];
  /** The op the Slice was put in front of (MatMul, Gemm, MatMulNBits). */
  op: string;
}

/** A graph the patch does not apply to. */
export interface Unpatchable {
  /** Always false. */
  ok: false;
  /** Why, for a warning. */
  reason: string;
}

const PASS_THROUGH = new Set(["Identity", "Cast"]);
const FLOAT = 1;
const HEADS = new Set(["MatMul", "Gemm", "MatMulNBits"]);
const INT64 = 7;

function i64(name: string, v: bigint): OnnxNs.ITensorProto {
  return { name, dims: [1], dataType: INT64, rawData: new Uint8Array(BigInt64Array.of(v).buffer) };
}

/**
 * The non-constant input of an `Add(x, bias)` whose bias is a constant (an initializer, possibly through
 * Identity/Cast) with every dimension but the last equal to 1, so it is the same for every position; else
 * undefined (an Add of something position-dependent cannot be moved behind the Slice).
 */
function biasAddInput(
  add: OnnxNs.INodeProto,
  inits: Map<string, OnnxNs.ITensorProto>,
  producer: Map<string, OnnxNs.INodeProto>,
): string | undefined {
  const constDims = (name: string): number[] | null => {
    let n = name;
    for (let hops = 0; hops < 4; hops++) {
      const t = inits.get(n);
      if (t) return (t.dims ?? []).map(Number);
      const p = producer.get(n);
      if (!p || !PASS_THROUGH.has(p.opType ?? "") || !p.input?.[0]) return null;
      n = p.input[0];
    }
    return null;
  };
  const [a, b] = add.input ?? [];
  if (!a || !b || (add.input ?? []).length !== 2) return undefined;
  const perPosition = (dims: number[] | null): boolean => dims?.slice(0, -1).every((d) => d === 1) ?? false;
  if (perPosition(constDims(b)) && constDims(a) === null) return a;
  if (perPosition(constDims(a)) && constDims(b) === null) return b;
  return undefined;
}

/** External data locations of every initializer (and subgraph initializer) of a model. */
export function externalDataFiles(model: OnnxNs.IModelProto): string[] {
  const files: string[] = [];
  const visit = (g: OnnxNs.IGraphProto | null | undefined): void => {
    if (!g) return;
    for (const t of g.initializer ?? []) {
      if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
      const loc = t.externalData?.find((e) => e.key === "location")?.value;
      if (loc && !files.includes(loc)) files.push(loc);
    }
    for (const n of g.node ?? []) for (const a of n.attribute ?? []) visit(a.g);
  };
  visit(model.graph);
  return files;
}

/** Graph input names of a decoded model. */
export function graphInputNames(model: OnnxNs.IModelProto): string[] {
  return (model.graph?.input ?? []).map((i) => i.name ?? "");
}

/** Decodes model bytes. */
export function decodeModel(bytes: Uint8Array): OnnxNs.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** Who produces and who reads each tensor of a graph. */
interface GraphIndex {
  /** Tensor name → the node that outputs it. */
  producer: Map<string, OnnxNs.INodeProto>;
  /** Tensor name → how many node inputs read it. */
  consumers: Map<string, number>;
  /** Graph output names. */
  outputs: Set<string>;
  /** Initializer name → initializer. */
  inits: Map<string, OnnxNs.ITensorProto>;
}

function indexGraph(graph: OnnxNs.IGraphProto): GraphIndex {
  const producer = new Map<string, OnnxNs.INodeProto>();
  const consumers = new Map<string, number>();
  for (const n of graph.node ?? []) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  }
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ""));
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  return { producer, consumers, outputs, inits };
}

/** The lm_head the Slice goes in front of, and the tensors from its output to `logits`. */
interface LmHead {
  /** The MatMul/Gemm/MatMulNBits node. */
  head: OnnxNs.INodeProto;
  /** Its activation input (the tensor to slice). */
  x: string;
  /** `logits` and the tensors walked back through to reach the head. */
  chain: string[];
}

/**
 * Walks back from `logits` through Identity/Cast and constant bias Adds to the lm_head; every tensor on
 * the way must feed only the next node (else other consumers would see the sliced shape).
 */
function findLmHead(index: GraphIndex): LmHead | Unpatchable {
  const fail = (reason: string): Unpatchable => ({ ok: false, reason });
  const chain: string[] = ["logits"];
  let node = index.producer.get("logits");
  for (;;) {
    if (!node) break;
    let x: string | undefined;
    if (PASS_THROUGH.has(node.opType ?? "")) x = node.input?.[0];
    else if (node.opType === "Add") x = biasAddInput(node, index.inits, index.producer);
    else break;
    if (!x) return fail(`${node.opType} in front of logits has no input the patch can follow`);
    chain.push(x);
    node = index.producer.get(x);
  }
  if (!node || !HEADS.has(node.opType ?? "")) {
    return fail(
      `logits is not produced by a MatMul/Gemm through Identity/Cast or a bias Add (found ${node?.opType ?? "a graph input or initializer"})`,
    );
  }
  for (const t of chain.slice(1)) {
    if ((index.consumers.get(t) ?? 0) !== 1 || index.outputs.has(t))
      return fail(`${t} between the lm_head and logits is also used elsewhere`);
  }
  const head = node;
  const x = head.input?.[0];
  if (!x || index.inits.has(x))
    return fail(`the ${head.opType} in front of logits has a constant first input`);
  const w = head.input?.[1] ? index.inits.get(head.input[1]) : undefined;
  if (head.opType === "MatMul" && w && (w.dims ?? []).length !== 2)
    return fail(`the MatMul weight in front of logits is not 2-D`);
  return { head, x, chain };
}

/** Position axis of the activation: second to last ([…, L, H]); a transposed Gemm A is [H, L]. */
function positionAxis(head: OnnxNs.INodeProto): bigint {
  const transA =
    head.opType === "Gemm" && head.attribute?.some((a) => a.name === "transA" && Number(a.i) === 1);
  return transA ? -1n : -2n;
}

/** Makes names no tensor of the graph has yet; `has` tells whether a name is taken. */
interface Namer {
  /** `base`, or `base_<k>` for the first free k; the name is taken from then on. */
  fresh: (base: string) => string;
  /** Whether a name is taken (by the graph or by `fresh`). */
  has: (name: string) => boolean;
}

function namer(graph: OnnxNs.IGraphProto, index: GraphIndex): Namer {
  const taken = new Set<string>([
    ...index.producer.keys(),
    ...index.inits.keys(),
    ...(graph.input ?? []).map((i) => i.name ?? ""),
  ]);
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  return { fresh, has: (name) => taken.has(name) };
}

/** Puts `Slice(x, -1, max, axis)` in front of the head and feeds the head from it. */
function insertLastPositionSlice(graph: OnnxNs.IGraphProto, lm: LmHead, names: Namer): void {
  const { head, x } = lm;
  const starts = names.fresh("logits_last_position_starts");
  const ends = names.fresh("logits_last_position_ends");
  const axes = names.fresh("logits_last_position_axes");
  const sliced = names.fresh(`${x}_last_position`);
  graph.initializer = [
    ...(graph.initializer ?? []),
    i64(starts, -1n),
    i64(ends, 9223372036854775807n),
    i64(axes, positionAxis(head)),
  ];
  const slice: OnnxNs.INodeProto = {
    name: names.fresh("logits_last_position_slice"),
    opType: "Slice",
    domain: "",
    input: [x, starts, ends, axes],
    output: [sliced],
  };
  head.input![0] = sliced;
  const nodes = graph.node ?? [];
  const at = nodes.indexOf(head);
  graph.node = [...nodes.slice(0, at), slice, ...nodes.slice(at)];
}

/**
 * Shapes recorded for the chain (value_info or the output) would contradict the new one: drops them and
 * makes the position dimension of `logits` symbolic.
 */
function forgetChainShapes(graph: OnnxNs.IGraphProto, lm: LmHead): void {
  const chainSet = new Set([...lm.chain, ...(lm.head.output ?? [])]);
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => !chainSet.has(v.name ?? ""));
  const dims = graph.output?.find((o) => o.name === "logits")?.type?.tensorType?.shape?.dim;
  const dim = dims && dims.length >= 2 ? dims[dims.length - 2] : undefined;
  if (dim) {
    dim.dimValue = null;
    dim.dimParam = "logits_positions";
  }
}

/**
 * Adds the `logits_argmax` output. ArgMax keeps the first maximum, as the JS loop does; float16 logits
 * are widened exactly first.
 */
function addArgmaxOutput(graph: OnnxNs.IGraphProto, names: Namer): void {
  const nodes = graph.node ?? [];
  let scores = "logits";
  const logitsOut = graph.output?.find((o) => o.name === "logits");
  if (logitsOut?.type?.tensorType?.elemType !== FLOAT) {
    scores = names.fresh("logits_float");
    nodes.push({
      name: names.fresh("logits_float_cast"),
      opType: "Cast",
      domain: "",
      input: ["logits"],
      output: [scores],
      attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
    });
  }
  nodes.push({
    name: names.fresh("logits_argmax_node"),
    opType: "ArgMax",
    domain: "",
    input: [scores],
    output: [NEXT_TOKEN_OUTPUT],
    attribute: [
      { name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: -1 },
      { name: "keepdims", type: onnx.AttributeProto.AttributeType.INT, i: 0 },
    ],
  });
  graph.node = nodes;
  graph.output = [
    ...(graph.output ?? []),
    {
      name: NEXT_TOKEN_OUTPUT,
      type: {
        tensorType: {
          elemType: INT64,
          shape: { dim: [{ dimParam: "batch_size" }, { dimParam: "logits_positions" }] },
        },
      },
    },
  ];
}

/**
 * Patches a decoded model in place so the lm_head sees only the last position, and encodes it.
 * Returns `{ ok: false, reason }` (model untouched) when the graph does not have the expected shape.
 */
export function sliceLastLogits(model: OnnxNs.ModelProto): SlicedGraph | Unpatchable {
  const fail = (reason: string): Unpatchable => ({ ok: false, reason });
  const graph = model.graph;
  if (!graph) return fail("the model has no graph");
  const opset = (model.opsetImport ?? []).find((o) => (o.domain ?? "") === "")?.version;
  if (opset !== undefined && opset !== null && Number(opset) < 10)
    return fail(`opset ${String(opset)} predates Slice with tensor inputs`);
  const index = indexGraph(graph);
  const lm = findLmHead(index);
  if ("ok" in lm) return lm;
  const names = namer(graph, index);
  insertLastPositionSlice(graph, lm, names);
  forgetChainShapes(graph, lm);
  if (!names.has(NEXT_TOKEN_OUTPUT) && !index.outputs.has(NEXT_TOKEN_OUTPUT)) addArgmaxOutput(graph, names);
  return {
    ok: true,
    bytes: onnx.ModelProto.encode(model).finish(),
    externalFiles: externalDataFiles(model),
    op: lm.head.opType ?? "",
  };
}
