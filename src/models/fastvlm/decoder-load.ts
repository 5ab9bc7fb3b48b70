/**
 * Loading the decoder for a `--logits` mode: as shipped, or with the in-memory Slice patch (graph-patch.ts)
 * that makes it compute the last position's logits only.
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { warn } from "../../core/log.js";
import type { LogitsMode } from "./constants.js";
import {
  decodeModel,
  graphInputNames,
  LOGITS_TO_KEEP_INPUTS,
  type SlicedGraph,
  sliceLastLogits,
} from "./graph-patch.js";
import { type StagedModel, type StageOptions, stagePatchedModel } from "./graph-stage.js";
import { readSkeleton } from "./onnx-skeleton.js";
import { createSession, type OrtSession } from "./ort.js";

const warnedLogits = new Set<string>();

/** The decoder session and how many logits rows it computes. */
export interface DecoderLoad {
  /** The session. */
  session: OrtSession;
  /** Effective mode: `last` when the graph keeps one row (its own input or the patch). */
  logits: LogitsMode;
  /** Whether the in-memory Slice patch was applied. */
  patched: boolean;
}

const keepsLogits = (names: readonly string[]): boolean =>
  names.some((n) => (LOGITS_TO_KEEP_INPUTS as readonly string[]).includes(n));

/**
 * Creates the decoder session for `mode`. `last` on a graph without a logits-to-keep input applies the
 * Slice patch (graph-patch.ts); when that is not possible it warns once per file and loads as shipped.
 * Exported for the bench floor, which must run the very graph the engine runs.
 */
export async function createDecoder(
  path: string,
  sessionOpts: Parameters<typeof createSession>[1],
  mode: LogitsMode,
  stage: StageOptions | undefined,
): Promise<DecoderLoad> {
  const asShipped = async (): Promise<DecoderLoad> => {
    const session = await createSession(path, sessionOpts);
    return {
      session,
      logits: keepsLogits(session.inputs.map((m) => m.name)) ? "last" : "all",
      patched: false,
    };
  };
  if (mode === "all" || !existsSync(path)) return asShipped();
  const fallback = (reason: string): Promise<DecoderLoad> => {
    if (!warnedLogits.has(path)) {
      warnedLogits.add(path);
      warn(`--logits last: cannot patch ${path} (${reason}); computing logits for all positions instead.`);
    }
    return asShipped();
  };
  const prepared = prepareDecoderPatch(path, stage);
  if (prepared.kind === "keeps") return asShipped();
  if (prepared.kind === "unpatchable") return fallback(prepared.reason);
  const staged = prepared.staged;
  try {
    const session =
      staged.kind === "path"
        ? await createSession(staged.path, sessionOpts)
        : await createSession(path, sessionOpts, { bytes: staged.bytes, externalData: staged.externalData });
    return { session, logits: "last", patched: true };
  } catch (err) {
    return fallback(`ONNX Runtime rejected the patched graph: ${(err as Error).message}`);
  } finally {
    staged.cleanup();
  }
}

/** Outcome of prepareDecoderPatch. */
type PreparedPatch =
  | { kind: "keeps" }
  | { kind: "unpatchable"; reason: string }
  | { kind: "staged"; staged: StagedModel };

/**
 * Reads the decoder's skeleton (large inline weights become references into the file itself, see
 * onnx-skeleton.ts), patches it and stages it next to a hard link of the original, so the weights are
 * neither decoded nor copied.
 */
function prepareDecoderPatch(path: string, stage: StageOptions | undefined): PreparedPatch {
  const self = `${basename(path)}.inline-weights`;
  let patch: SlicedGraph;
  try {
    const model = decodeModel(readSkeleton(path, self).bytes);
    if (keepsLogits(graphInputNames(model))) return { kind: "keeps" };
    const result = sliceLastLogits(model);
    if (!result.ok) return { kind: "unpatchable", reason: result.reason };
    patch = result;
  } catch (err) {
    // Not decodable here: loading as shipped reports the file problem properly.
    return { kind: "unpatchable", reason: `not readable as ONNX: ${(err as Error).message}` };
  }
  try {
    return { kind: "staged", staged: stagePatchedModel(path, patch, { ...stage, self }) };
  } catch (err) {
    return { kind: "unpatchable", reason: (err as Error).message };
  }
}
