/**
 * Checks the three graphs' inputs and outputs (names, element types, ranks, widths) against what the decode
 * loop feeds and reads, so a wrong export fails at load with every problem listed, not mid-generation.
 */
import { ModelError } from "../../core/errors.js";
import type { FastVLMConfig } from "./config.js";
import type { GraphName } from "./dtype.js";
import { LOGITS_TO_KEEP_INPUTS } from "./graph-patch.js";
import type { IoMeta, OrtSession } from "./ort.js";

interface Expect {
  name: string;
  types: string[];
  rank: number | number[];
}

function checkIo(
  graph: GraphName,
  file: string,
  kind: "input" | "output",
  have: IoMeta[],
  want: Expect[],
): string[] {
  const problems: string[] = [];
  const byName = new Map(have.map((m) => [m.name, m]));
  const missing: string[] = [];
  for (const w of want) {
    const m = byName.get(w.name);
    if (!m) {
      missing.push(`'${w.name}'`);
      continue;
    }
    if (m.type === null || !w.types.includes(m.type)) {
      problems.push(
        `${graph} ${kind} '${w.name}' is ${m.type ?? "not a tensor"}, expected ${w.types.join(" or ")}`,
      );
    }
    const ranks = Array.isArray(w.rank) ? w.rank : [w.rank];
    if (m.shape && !ranks.includes(m.shape.length)) {
      problems.push(
        `${graph} ${kind} '${w.name}' has rank ${m.shape.length}, expected ${ranks.join(" or ")}`,
      );
    }
  }
  if (missing.length > 0) {
    const shown = missing.length > 8 ? [...missing.slice(0, 8), `… (${missing.length} in all)`] : missing;
    problems.unshift(
      `${graph} (${file}) has no ${kind} ${shown.join(", ")} (its ${kind}s: ${have.map((h) => h.name).join(", ") || "none"})`,
    );
  }
  return problems;
}

const FLOATS = ["float32", "float16"];

/** Checks the three graphs against what the decode loop feeds and reads; every problem at once. */
export function checkGraphs(
  sessions: Record<GraphName, OrtSession>,
  cfg: FastVLMConfig,
  files: Record<GraphName, string>,
): void {
  const problems: string[] = [];
  problems.push(
    ...checkIo("vision_encoder", files.vision_encoder, "input", sessions.vision_encoder.inputs, [
      { name: "pixel_values", types: FLOATS, rank: 4 },
    ]),
    ...checkIo("vision_encoder", files.vision_encoder, "output", sessions.vision_encoder.outputs, [
      { name: "image_features", types: FLOATS, rank: [2, 3] },
    ]),
    ...checkIo("embed_tokens", files.embed_tokens, "input", sessions.embed_tokens.inputs, [
      { name: "input_ids", types: ["int64"], rank: 2 },
    ]),
    ...checkIo("embed_tokens", files.embed_tokens, "output", sessions.embed_tokens.outputs, [
      { name: "inputs_embeds", types: FLOATS, rank: 3 },
    ]),
  );
  const decIn: Expect[] = [
    { name: "inputs_embeds", types: FLOATS, rank: 3 },
    { name: "attention_mask", types: ["int64"], rank: 2 },
    { name: "position_ids", types: ["int64"], rank: 2 },
  ];
  const decOut: Expect[] = [{ name: "logits", types: FLOATS, rank: 3 }];
  for (let i = 0; i < cfg.layers; i++) {
    for (const kind of ["key", "value"]) {
      decIn.push({ name: `past_key_values.${i}.${kind}`, types: FLOATS, rank: 4 });
      decOut.push({ name: `present.${i}.${kind}`, types: FLOATS, rank: 4 });
    }
  }
  const dec = sessions.decoder_model_merged;
  problems.push(
    ...checkIo("decoder_model_merged", files.decoder_model_merged, "input", dec.inputs, decIn),
    ...checkIo("decoder_model_merged", files.decoder_model_merged, "output", dec.outputs, decOut),
  );
  const known = new Set<string>([...decIn.map((e) => e.name), "use_cache_branch", ...LOGITS_TO_KEEP_INPUTS]);
  const extra = dec.inputs.filter((m) => !known.has(m.name)).map((m) => m.name);
  if (extra.length > 0) {
    problems.push(
      `decoder_model_merged has inputs the decode loop does not feed: ${extra.join(", ")} (num_hidden_layers in config.json is ${cfg.layers})`,
    );
  }
  const width = (metas: IoMeta[], name: string): number | string | undefined =>
    metas.find((m) => m.name === name)?.shape?.[2];
  for (const [graph, w] of [
    ["vision_encoder image_features", width(sessions.vision_encoder.outputs, "image_features")],
    ["embed_tokens inputs_embeds", width(sessions.embed_tokens.outputs, "inputs_embeds")],
    ["decoder_model_merged inputs_embeds", width(dec.inputs, "inputs_embeds")],
  ] as const) {
    if (typeof w === "number" && w !== cfg.hidden)
      problems.push(`${graph} width is ${w}, config.json hidden_size is ${cfg.hidden}`);
  }
  if (problems.length > 0) {
    throw new ModelError(
      `The model graphs do not match what FastVLM decoding needs:\n  - ${problems.join("\n  - ")}`,
      "Use an onnx-community FastVLM export (vision_encoder, embed_tokens, decoder_model_merged with past_key_values).",
    );
  }
}
