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
 * references into the original file, so only a few MB of structure are decoded and re-encoded.
 * Staging: ORT resolves `location` against the model's folder and refuses data reached through a symlink
 * that leads outside it (the Hub cache's snapshot → blobs layout), and onnxruntime-node 1.30 takes
 * external data from memory only as bytes (a path string is rejected), so the patched .onnx goes to a
 * temp folder with hard links to the real files (the original itself included), or, where links fail,
 * the data is read into memory.
 */
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, normalize, sep } from "node:path";
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
  const nodes = graph.node ?? [];
  const producer = new Map<string, OnnxNs.INodeProto>();
  const consumers = new Map<string, number>();
  for (const n of nodes) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  }
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ""));
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  // Walk back from logits; every tensor on the way must feed only the next node (else other
  // consumers would see the sliced shape).
  const chain: string[] = ["logits"];
  let node = producer.get("logits");
  for (;;) {
    if (!node) break;
    let x: string | undefined;
    if (PASS_THROUGH.has(node.opType ?? "")) x = node.input?.[0];
    else if (node.opType === "Add") x = biasAddInput(node, inits, producer);
    else break;
    if (!x) return fail(`${node.opType} in front of logits has no input the patch can follow`);
    chain.push(x);
    node = producer.get(x);
  }
  if (!node || !HEADS.has(node.opType ?? "")) {
    return fail(
      `logits is not produced by a MatMul/Gemm through Identity/Cast or a bias Add (found ${node?.opType ?? "a graph input or initializer"})`,
    );
  }
  for (const t of chain.slice(1)) {
    if ((consumers.get(t) ?? 0) !== 1 || outputs.has(t))
      return fail(`${t} between the lm_head and logits is also used elsewhere`);
  }
  const head = node;
  const x = head.input?.[0];
  if (!x || inits.has(x)) return fail(`the ${head.opType} in front of logits has a constant first input`);
  const w = head.input?.[1] ? inits.get(head.input[1]) : undefined;
  if (head.opType === "MatMul" && w && (w.dims ?? []).length !== 2)
    return fail(`the MatMul weight in front of logits is not 2-D`);
  // Position axis of the activation: second to last ([…, L, H]); a transposed Gemm A is [H, L].
  const transA =
    head.opType === "Gemm" && head.attribute?.some((a) => a.name === "transA" && Number(a.i) === 1);
  const axis = transA ? -1n : -2n;

  const taken = new Set<string>([
    ...producer.keys(),
    ...inits.keys(),
    ...(graph.input ?? []).map((i) => i.name ?? ""),
  ]);
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const starts = fresh("logits_last_position_starts");
  const ends = fresh("logits_last_position_ends");
  const axes = fresh("logits_last_position_axes");
  const sliced = fresh(`${x}_last_position`);
  graph.initializer = [
    ...(graph.initializer ?? []),
    i64(starts, -1n),
    i64(ends, 9223372036854775807n),
    i64(axes, axis),
  ];
  const slice: OnnxNs.INodeProto = {
    name: fresh("logits_last_position_slice"),
    opType: "Slice",
    domain: "",
    input: [x, starts, ends, axes],
    output: [sliced],
  };
  head.input![0] = sliced;
  const at = nodes.indexOf(head);
  graph.node = [...nodes.slice(0, at), slice, ...nodes.slice(at)];
  // Shapes recorded for the chain (value_info or the output) would contradict the new one.
  const chainSet = new Set([...chain, ...(head.output ?? [])]);
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => !chainSet.has(v.name ?? ""));
  const logitsOut = graph.output?.find((o) => o.name === "logits");
  const dims = logitsOut?.type?.tensorType?.shape?.dim;
  const dim = dims && dims.length >= 2 ? dims[dims.length - 2] : undefined;
  if (dim) {
    dim.dimValue = null;
    dim.dimParam = "logits_positions";
  }
  if (!taken.has(NEXT_TOKEN_OUTPUT) && !outputs.has(NEXT_TOKEN_OUTPUT)) {
    // ArgMax keeps the first maximum, as the JS loop does; float16 logits are widened exactly first.
    let scores = "logits";
    if (logitsOut?.type?.tensorType?.elemType !== FLOAT) {
      scores = fresh("logits_float");
      graph.node.push({
        name: fresh("logits_float_cast"),
        opType: "Cast",
        domain: "",
        input: ["logits"],
        output: [scores],
        attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
      });
    }
    graph.node.push({
      name: fresh("logits_argmax_node"),
      opType: "ArgMax",
      domain: "",
      input: [scores],
      output: [NEXT_TOKEN_OUTPUT],
      attribute: [
        { name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: -1 },
        { name: "keepdims", type: onnx.AttributeProto.AttributeType.INT, i: 0 },
      ],
    });
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
  return {
    ok: true,
    bytes: onnx.ModelProto.encode(model).finish(),
    externalFiles: externalDataFiles(model),
    op: head.opType ?? "",
  };
}

/** How to create a session from a staged patched model. */
export type StagedModel =
  | {
      /** Create by path: the patched .onnx in a temp folder, next to (hard links of) its data files. */
      kind: "path";
      /** The patched .onnx. */
      path: string;
      /** Removes the temp folder (call once the session exists; idempotent). */
      cleanup: () => void;
    }
  | {
      /** Create from bytes with the data files in memory (the temp folder could not be written). */
      kind: "bytes";
      /** The patched model. */
      bytes: Uint8Array;
      /** For ORT's `externalData` option: location as in the model → file contents. */
      externalData: { path: string; data: Uint8Array }[];
      /** No-op (nothing on disk). */
      cleanup: () => void;
    };

/** Options of stagePatchedModel. */
export interface StageOptions {
  /** Parent of the temp folder (default: the OS temp folder). */
  tempRoot?: string;
  /** false: skip hard links and read external data into memory (tests); inline graphs still go to disk. */
  links?: boolean;
  /** The location under which the patched model refers to the original file itself (a skeleton). */
  self?: string;
}

/** A location that stays inside the model's folder (ORT's own rule). */
function safeLocation(loc: string): boolean {
  const n = normalize(loc);
  return !isAbsolute(n) && n !== ".." && !n.startsWith(`..${sep}`);
}

/** Whether the file at `path` is readable (throws with the path otherwise). */
function checkReadable(path: string): void {
  const fd = openSync(path, "r");
  try {
    readSync(fd, Buffer.alloc(1), 0, 1, 0);
  } finally {
    closeSync(fd);
  }
}

const STAGE_PREFIX = ".fastvlm-eval-logits-";
/** Temp folders older than this were left by a process killed while loading (a load takes seconds). */
const STALE_MS = 60 * 60 * 1000;

/** Removes stale temp folders of ours under `root` (their hard links would keep deleted blobs alive). */
function removeStale(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(STAGE_PREFIX)) continue;
    const dir = join(root, name);
    try {
      if (Date.now() - statSync(dir).mtimeMs > STALE_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

/**
 * Writes the patched .onnx into a fresh temp folder next to hard links of its data files. Returns null
 * (nothing left behind) when that fails: another file system (EXDEV), no link permission, a full or
 * read-only disk.
 */
function stageOnDisk(
  original: string,
  bytes: Uint8Array,
  sources: readonly { loc: string; real: string }[],
  tempRoot: string,
): StagedModel | null {
  let dir: string | undefined;
  const cleanup = (): void => {
    // Where open files cannot be removed (Windows, while ORT maps the weights), the folder stays.
    try {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    } catch {}
  };
  try {
    removeStale(tempRoot);
    dir = mkdtempSync(join(tempRoot, STAGE_PREFIX));
    for (const s of sources) {
      const target = join(dir, s.loc);
      mkdirSync(dirname(target), { recursive: true });
      linkSync(s.real, target);
      checkReadable(target);
    }
    const path = join(dir, basename(original));
    writeFileSync(path, bytes);
    return { kind: "path", path, cleanup };
  } catch {
    cleanup();
    return null;
  }
}

/**
 * Prepares a patched model for session creation. `original` is the shipped .onnx path (may be a
 * symlink); its external data files are found next to it and followed to their real files, and
 * `opts.self` names the original's own real file. The temp folder goes to the OS temp folder, else (hard
 * links cannot cross file systems) next to the original's real file. Memory (bytes, data files read in)
 * is the fallback when neither works: ORT parsing a ~1 GB model from a buffer peaks about 2 GB higher
 * than reading the same file by path.
 */
export function stagePatchedModel(
  original: string,
  patched: SlicedGraph,
  opts: StageOptions = {},
): StagedModel {
  const noop = (): void => undefined;
  const problems = patched.externalFiles.filter((f) => !safeLocation(f));
  if (problems.length > 0)
    throw new Error(`external data locations outside the model folder: ${problems.join(", ")}`);
  const sources = patched.externalFiles.map((loc) => ({
    loc,
    real: realpathSync(loc === opts.self ? original : join(dirname(original), loc)),
  }));
  if (sources.length === 0 || opts.links !== false) {
    const roots = [opts.tempRoot ?? tmpdir(), dirname(realpathSync(original))];
    for (const root of opts.tempRoot === undefined ? roots : roots.slice(0, 1)) {
      const staged = stageOnDisk(original, patched.bytes, sources, root);
      if (staged) return staged;
    }
  }
  return {
    kind: "bytes",
    bytes: patched.bytes,
    externalData: sources.map((s) => ({ path: s.loc, data: new Uint8Array(readFileSync(s.real)) })),
    cleanup: noop,
  };
}
