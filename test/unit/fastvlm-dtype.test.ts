import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { CARD_DTYPE, chooseLocalDtype, graphFile, parseDtype } from "../../src/models/fastvlm/dtype.js";

describe("parseDtype", () => {
  it("applies a single dtype to every graph", () => {
    expect(parseDtype("q4")).toEqual({
      vision_encoder: "q4",
      embed_tokens: "q4",
      decoder_model_merged: "q4",
    });
  });

  it("parses graph=dtype pairs with aliases, leaving other graphs out", () => {
    expect(parseDtype("vision=fp16, decoder=q4,embed=fp16")).toEqual({
      vision_encoder: "fp16",
      decoder_model_merged: "q4",
      embed_tokens: "fp16",
    });
    expect(parseDtype("decoder_model_merged=q4f16")).toEqual({ decoder_model_merged: "q4f16" });
  });

  it("reports every problem at once", () => {
    try {
      parseDtype("vison=fp16,decoder=q3,embed");
      throw new Error("no error");
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      const msg = (err as Error).message;
      expect(msg).toContain("unknown graph 'vison'");
      expect(msg).toContain("unknown dtype 'q3'");
      expect(msg).toContain("'embed' is not graph=dtype");
    }
    expect(() => parseDtype("int4")).toThrow(/Unknown dtype 'int4'/);
    expect(() => parseDtype("")).toThrow(UsageError);
  });

  it("maps dtypes to the onnx-community file names", () => {
    expect(graphFile("decoder_model_merged", "q4")).toBe("onnx/decoder_model_merged_q4.onnx");
    expect(graphFile("vision_encoder", "fp32")).toBe("onnx/vision_encoder.onnx");
    expect(graphFile("embed_tokens", "q8")).toBe("onnx/embed_tokens_quantized.onnx");
  });
});

describe("chooseLocalDtype", () => {
  const folder = (files: string[]) => (f: string) => files.includes(f);

  it("uses fp32 when only unsuffixed graphs exist", () => {
    const r = chooseLocalDtype(
      folder(["onnx/vision_encoder.onnx", "onnx/embed_tokens.onnx", "onnx/decoder_model_merged.onnx"]),
      {},
    );
    expect(r).toEqual({
      dtype: { vision_encoder: "fp32", embed_tokens: "fp32", decoder_model_merged: "fp32" },
      missing: [],
    });
  });

  it("prefers the card's recommendation where its file exists, else fp32", () => {
    const r = chooseLocalDtype(
      folder([
        "onnx/vision_encoder.onnx",
        "onnx/vision_encoder_fp16.onnx",
        "onnx/embed_tokens.onnx",
        "onnx/embed_tokens_fp16.onnx",
        "onnx/decoder_model_merged_q4.onnx",
        "onnx/decoder_model_merged.onnx",
      ]),
      {},
    );
    expect(r.dtype).toEqual({
      vision_encoder: "fp32",
      embed_tokens: CARD_DTYPE.embed_tokens,
      decoder_model_merged: "q4",
    });
  });

  it("lists missing graphs, including explicitly chosen dtypes without a file", () => {
    const r = chooseLocalDtype(folder(["onnx/vision_encoder.onnx"]), { embed_tokens: "q4" });
    expect(r.missing).toEqual(["onnx/embed_tokens_q4.onnx", "onnx/decoder_model_merged.onnx"]);
  });
});
