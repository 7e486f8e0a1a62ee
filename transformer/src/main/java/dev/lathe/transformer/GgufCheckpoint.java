package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a Llama-family model from a GGUF file ({@link GgufFile}): the config from the {@code
 * <arch>.*} metadata, the weights from llama.cpp's tensor names ({@code token_embd.weight}, {@code
 * blk.N.attn_q.weight}, …, {@code output_norm.weight}, {@code output.weight}, absent when tied).
 * Every tensor is dequantized to f32 on load, whatever its stored type; the matmul weights are then
 * held as {@link LoadOptions} asks (by default BF16 when the file stores its matrices as BF16, else
 * F32). A model read for training is therefore an f32 (or bf16) model, never a quantized one.
 *
 * <p>RoPE: llama.cpp's converter permutes the q/k rows of a Hugging Face {@code llama} checkpoint
 * so that its interleaved RoPE (pairs 2i, 2i+1, as Meta's and llama2.c's code) computes HF's
 * rotate-half rotation. Lathe loads such a file as is with {@link Rope.Style#INTERLEAVED} (weights
 * bit-identical to the file, as llama.cpp runs them); saving it as a Hugging Face directory undoes
 * the permutation ({@link HfCheckpointWriter}). {@code qwen2}/{@code qwen3} files are not permuted
 * and use rotate-half (llama.cpp's NEOX RoPE).
 */
public final class GgufCheckpoint {
  private GgufCheckpoint() {}

  /** {@code general.architecture} values Lathe runs, with the RoPE pairing llama.cpp uses. */
  private static final Map<String, Rope.Style> ARCHITECTURES =
      Map.of(
          "llama", Rope.Style.INTERLEAVED,
          "qwen2", Rope.Style.ROTATE_HALF,
          "qwen3", Rope.Style.ROTATE_HALF);

  /** Loads {@code file} as {@code options} say. */
  public static LoadedModel load(Path file, LoadOptions options) throws IOException {
    try (GgufFile g = GgufFile.open(file)) {
      LlamaConfig c = config(g);
      LlamaWeights w = weights(g, c);
      DType dtype = options.weightDtype();
      if (dtype == null) {
        dtype =
            stores(g, GgmlType.Q8_0)
                ? DType.Q8_0
                : stores(g, GgmlType.BF16) ? DType.BF16 : DType.F32;
      }
      String arch = g.string("general.architecture");
      return new LoadedModel(new LlamaModel(c, w, dtype), arch, c, GenerationConfig.EMPTY);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** The config the metadata of {@code g} describes. */
  static LlamaConfig config(GgufFile g) {
    String arch = g.string("general.architecture");
    Rope.Style style = ARCHITECTURES.get(arch);
    if (style == null) {
      throw new IllegalArgumentException(
          g.path()
              + ": general.architecture "
              + arch
              + " is not supported: Lathe runs GGUF "
              + ARCHITECTURES.keySet().stream().sorted().toList()
              + " models");
    }
    if (g.has("rope_freqs.weight") || g.metadata().containsKey(arch + ".rope.scaling.type")) {
      throw new IllegalArgumentException(
          g.path()
              + ": RoPE frequency scaling (rope_freqs.weight or "
              + arch
              + ".rope.scaling.type) is not supported from GGUF yet: use the Hugging Face"
              + " checkpoint of this model");
    }
    String p = arch + ".";
    int dim = g.integer(p + "embedding_length");
    int heads = g.integer(p + "attention.head_count");
    GgufFile.TensorInfo embedding = g.tensors().get("token_embd.weight");
    if (embedding == null || embedding.ne().length != 2) {
      throw new IllegalArgumentException(g.path() + ": tensor token_embd.weight is missing");
    }
    return new LlamaConfig(
        dim,
        g.integer(p + "feed_forward_length"),
        g.integer(p + "block_count"),
        heads,
        g.integer(p + "attention.head_count_kv", heads),
        g.integer(p + "attention.key_length", dim / heads),
        (int) embedding.ne()[1],
        g.integer(p + "context_length"),
        (float) g.number(p + "attention.layer_norm_rms_epsilon", 1e-5),
        g.number(p + "rope.freq_base", 10000),
        RopeScaling.NONE,
        style,
        g.has("blk.0.attn_q.bias"),
        g.has("blk.0.attn_output.bias"),
        g.has("blk.0.attn_q_norm.weight"),
        !g.has("output.weight"));
  }

  private static LlamaWeights weights(GgufFile g, LlamaConfig c) {
    return LlamaTensorNames.GGUF.read(c, g::floats, LlamaTensorNames.GGUF.embedding());
  }

  /**
   * Whether a matrix of {@code g} is stored as {@code type}. A Q8_0 file is held in Q8_0: its
   * blocks are read as f32 and quantized again, which gives back the same bytes and scales (GGUF's
   * quantizer makes a block's largest value 127 steps, so the scale and every step come back
   * exactly).
   */
  private static boolean stores(GgufFile g, GgmlType type) {
    return g.tensors().values().stream().anyMatch(t -> t.ne().length >= 2 && t.type() == type);
  }
}
