/**
 * The ONE file that imports onnxruntime-node. Everything else talks to ONNX Runtime through the small
 * surface below: session creation with clear errors, tensors, and metadata.
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import ort from "onnxruntime-node";
import { ModelError } from "../../core/errors.js";

/** Execution providers a user can ask for. */
export const DEVICES = ["cpu", "cuda", "coreml", "dml", "webgpu"] as const;

/** One of DEVICES. */
export type Device = (typeof DEVICES)[number];

/** Element types we exchange with the graphs. */
export type ElemType = "float32" | "float16" | "int64" | "bool";

/** A tensor as the engine sees it (ORT's Tensor, narrowed). */
export interface OrtTensor {
  /** Element type. */
  readonly type: string;
  /** Shape. */
  readonly dims: readonly number[];
  /** Flat data (Float32Array, Uint16Array for float16, BigInt64Array for int64). */
  readonly data: unknown;
  /** Releases the data (no-op for plain CPU tensors in some versions). */
  dispose?(): void;
}

/** Declared input/output of a graph. */
export interface IoMeta {
  /** Name as in the graph. */
  name: string;
  /** Element type, or null when not a tensor. */
  type: string | null;
  /** Shape with symbolic dims as strings; null when unknown. */
  shape: (number | string)[] | null;
}

/** A loaded graph. */
export interface OrtSession {
  /** The .onnx file it came from. */
  readonly path: string;
  /** Declared inputs. */
  readonly inputs: IoMeta[];
  /** Declared outputs. */
  readonly outputs: IoMeta[];
  /** Runs the graph (only the `fetches` outputs when given); safe to call concurrently. */
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  /** Frees the native session. */
  release(): Promise<void>;
}

/** Session settings. */
export interface SessionOptions {
  /** Execution provider. */
  device: Device;
  /** Intra-op threads (0 = ORT default). */
  threads: number;
  /** Inter-op threads (0 = ORT default). */
  interOpThreads?: number;
}

/** Builds a tensor. */
export function makeTensor(
  type: ElemType,
  data: Float32Array | Uint16Array | BigInt64Array | Uint8Array,
  dims: number[],
): OrtTensor {
  if (type === "bool") return new ort.Tensor("bool", data as Uint8Array, dims) as OrtTensor;
  return new ort.Tensor(type, data as Float32Array, dims) as OrtTensor;
}

function providerHint(device: Device): string {
  switch (device) {
    case "cuda":
      return (
        "CUDA needs Linux x64 and the CUDA 12 provider libraries, which onnxruntime-node downloads at install time: " +
        "remove `onnxruntime-node-install=skip` from .npmrc and run `npm install --onnxruntime-node-install=cuda12` " +
        "(needs network access to NuGet and CUDA 12 + cuDNN 9 on the machine). Or use --device cpu."
      );
    case "coreml":
      return "CoreML is available only on macOS (x64 and arm64). Use --device cpu elsewhere.";
    case "dml":
      return "DirectML is available only on Windows. Use --device cpu elsewhere.";
    case "webgpu":
      return "WebGPU in onnxruntime-node is experimental and needs a working Vulkan/Metal/D3D12 driver (libvulkan on Linux). Use --device cpu.";
    case "cpu":
      return "The CPU provider should always load; reinstall onnxruntime-node if it does not.";
  }
}

/** Throws a ModelError when the provider is not in this build of onnxruntime-node. */
export function checkDevice(device: Device): void {
  const backends = ort.listSupportedBackends().map((b) => b.name);
  const name = device === "dml" ? "dml" : device;
  if (!backends.includes(name)) {
    throw new ModelError(
      `Execution provider '${device}' is not available in this onnxruntime-node build on ${process.platform}/${process.arch} (available: ${backends.join(", ")}).`,
      providerHint(device),
    );
  }
}

function meta(list: readonly ort.InferenceSession.ValueMetadata[]): IoMeta[] {
  return list.map((m) =>
    m.isTensor
      ? {
          name: m.name,
          type: m.type,
          shape: [...m.shape].map((d) => (typeof d === "number" ? d : String(d))),
        }
      : { name: m.name, type: null, shape: null },
  );
}

/** A model given as bytes instead of read from `path` (a patched graph). */
export interface ModelBytes {
  /** The .onnx contents. */
  bytes: Uint8Array;
  /** External data files: `location` as written in the model → contents (onnxruntime-node takes bytes only). */
  externalData: { path: string; data: Uint8Array }[];
}

/**
 * Creates a session from a path (so `.onnx_data` next to it resolves), or from `from`'s bytes, in which
 * case `path` only names the model in errors and `from.externalData` must list every data file.
 */
export async function createSession(
  path: string,
  opts: SessionOptions,
  from?: ModelBytes,
): Promise<OrtSession> {
  if (!from && !existsSync(path)) {
    throw new ModelError(
      `Model file ${path} does not exist.`,
      "Check the model folder, or download it again.",
    );
  }
  if (opts.device !== "cpu") checkDevice(opts.device);
  const keepData = from?.externalData;
  let session: ort.InferenceSession;
  try {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [opts.device],
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      ...(opts.threads > 0 ? { intraOpNumThreads: opts.threads } : {}),
      ...(opts.interOpThreads && opts.interOpThreads > 0 ? { interOpNumThreads: opts.interOpThreads } : {}),
      logSeverityLevel: 3,
    };
    session = from
      ? // Always pass externalData with bytes: without it ORT resolves locations against the cwd.
        await ort.InferenceSession.create(from.bytes, { ...options, externalData: from.externalData })
      : await ort.InferenceSession.create(path, options);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const providerProblem =
      /provider|shared library|adapter|\.so|\.dll|dylib/i.test(why) && opts.device !== "cpu";
    throw new ModelError(
      `Could not load ${basename(path)} (${path}) with the ${opts.device} execution provider: ${why}`,
      providerProblem
        ? providerHint(opts.device)
        : "The file may be truncated or corrupt (delete it and download again), or not an ONNX model.",
      { cause: err },
    );
  }
  return {
    path,
    inputs: meta(session.inputMetadata),
    outputs: meta(session.outputMetadata),
    run: async (feeds, fetches) =>
      (await (fetches
        ? session.run(feeds as Record<string, ort.Tensor>, [...fetches])
        : session.run(feeds as Record<string, ort.Tensor>))) as Record<string, OrtTensor>,
    // In-memory external data stays referenced until release (ORT may use it in place); the model
    // bytes do not: ORT parses them into its own graph, and they can be ~1 GB.
    release: () => session.release().then(() => void keepData),
  };
}
