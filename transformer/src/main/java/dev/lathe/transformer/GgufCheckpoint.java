package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
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
      DType dtype = options.weightDtype();
      if (dtype == null) {
        dtype =
            stores(g, GgmlType.Q4_0)
                ? DType.Q4_0
                : stores(g, GgmlType.Q8_0)
                    ? DType.Q8_0
                    : stores(g, GgmlType.BF16) ? DType.BF16 : DType.F32;
      }
      String arch = g.string("general.architecture");
      LlamaModel model =
          dtype == DType.F32
              ? new LlamaModel(c, weights(g, c), dtype)
              : heldAsStored(g, c, dtype, options.mapWeights());
      return new LoadedModel(model, arch, c, GenerationConfig.EMPTY);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * The config the metadata of {@code file} describes, without reading its tensors.
   *
   * @throws IOException when it cannot be read or describes no model Lathe runs (naming the file)
   */
  public static LlamaConfig config(Path file) throws IOException {
    try (GgufFile g = GgufFile.open(file)) {
      return config(g);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
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
    String p = arch + ".";
    int dim = g.integer(p + "embedding_length");
    int heads = g.integer(p + "attention.head_count");
    GgufFile.TensorInfo embedding = g.tensors().get("token_embd.weight");
    if (embedding == null || embedding.ne().length != 2) {
      throw new IllegalArgumentException(g.path() + ": tensor token_embd.weight is missing");
    }
    int headDim = g.integer(p + "attention.key_length", dim / heads);
    double theta = g.number(p + "rope.freq_base", 10000);
    return new LlamaConfig(
        dim,
        g.integer(p + "feed_forward_length"),
        g.integer(p + "block_count"),
        heads,
        g.integer(p + "attention.head_count_kv", heads),
        headDim,
        (int) embedding.ne()[1],
        g.integer(p + "context_length"),
        (float) g.number(p + "attention.layer_norm_rms_epsilon", 1e-5),
        theta,
        GgufRopeScaling.read(g, arch, headDim, theta),
        style,
        g.has("blk.0.attn_q.bias"),
        g.has("blk.0.attn_output.bias"),
        g.has("blk.0.attn_q_norm.weight"),
        !g.has("output.weight"));
  }

  /**
   * The GGUF architecture a Lathe model type is written as: {@code llama} for llama, mistral and
   * llama2.c models (llama.cpp runs Mistral's dense models as llama), else the type itself.
   */
  public static String architecture(String modelType) {
    String arch =
        switch (modelType) {
          case "llama", "mistral", ModelFamily.Llama.LLAMA2C -> "llama";
          default -> modelType;
        };
    if (!ARCHITECTURES.containsKey(arch)) {
      throw new IllegalArgumentException(
          "a "
              + modelType
              + " model cannot be written as GGUF: Lathe writes Llama-family models (llama,"
              + " mistral, llama2c, qwen2, qwen3)");
    }
    return arch;
  }

  /**
   * Writes a Llama-family model as a GGUF file llama.cpp and {@link #load} read: the {@code
   * <arch>.*} hyper-parameters, {@code general.*}, {@code metadata} (the tokenizer, a name...) and
   * the tensors under {@link LlamaTensorNames#GGUF} names, q/k rows in the pairing the architecture
   * runs ({@link RopePairing}; llama's interleaved, qwen's rotate-half). Matrices are stored as
   * {@code matrices} (F32, F16, BF16, Q8_0 or Q4_0; a matrix whose rows are not whole blocks of 32
   * is stored F16, as llama.cpp's converter does), norms and biases as F32.
   */
  public static void save(
      Path file,
      String modelType,
      LlamaConfig c,
      LlamaWeights w,
      GgmlType matrices,
      Map<String, ?> metadata)
      throws IOException {
    String arch = architecture(modelType);
    if (!FILE_TYPES.containsKey(matrices)) {
      throw new IllegalArgumentException(
          "Lathe writes GGUF matrices as " + FILE_TYPES.keySet() + ", not " + matrices);
    }
    if (c.qkNorm() != arch.equals("qwen3")
        || (arch.equals("qwen2") && (!c.attentionBias() || c.outputBias()))) {
      throw new IllegalArgumentException(
          "a "
              + modelType
              + " model with qkNorm="
              + c.qkNorm()
              + ", attentionBias="
              + c.attentionBias()
              + " does not fit GGUF architecture "
              + arch);
    }
    boolean llama3 = c.ropeScaling().type().equals("llama3");
    if (llama3 && (!arch.equals("llama") || !GgufRopeScaling.readsBack(c))) {
      throw new IllegalArgumentException(
          "RoPE scaling llama3 "
              + c.ropeScaling()
              + " cannot be written to GGUF "
              + arch
              + " so that it reads back: Lathe writes it as llama.cpp's rope_freqs.weight for"
              + " llama models with low_freq_factor 1 and two blended frequencies");
    }
    Rope.Style style = ARCHITECTURES.get(arch);
    LlamaWeights runs = RopePairing.convert(c, w, style);
    GgufWriter out = new GgufWriter();
    out.put("general.architecture", arch);
    out.put("general.file_type", FILE_TYPES.get(matrices));
    if (matrices == GgmlType.Q8_0 || matrices == GgmlType.Q4_0) {
      out.put("general.quantization_version", 2);
    }
    String p = arch + ".";
    out.put(p + "context_length", c.contextLength());
    out.put(p + "embedding_length", c.dim());
    out.put(p + "block_count", c.layers());
    out.put(p + "feed_forward_length", c.hiddenDim());
    out.put(p + "attention.head_count", c.heads());
    out.put(p + "attention.head_count_kv", c.kvHeads());
    out.put(p + "attention.key_length", c.headDim());
    out.put(p + "attention.value_length", c.headDim());
    out.put(p + "rope.dimension_count", c.headDim());
    out.put(p + "rope.freq_base", (float) c.ropeTheta());
    out.put(p + "attention.layer_norm_rms_epsilon", c.normEps());
    out.put(p + "vocab_size", c.vocabSize());
    out.putAll(GgufRopeScaling.metadata(arch, c.ropeScaling()));
    out.putAll(metadata);
    if (llama3) {
      float[] f = GgufRopeScaling.factors(c);
      out.tensor(
          new GgufWriter.Tensor(GgufRopeScaling.FREQS, new long[] {f.length}, GgmlType.F32, f));
    }
    LlamaTensorNames.GGUF
        .tensors(c.withRope(c.ropeScaling(), style), runs)
        .forEach(
            (name, e) -> {
              GgmlType type = GgmlType.F32;
              if (e.shape().length == 2) {
                boolean blocks = e.shape()[1] % matrices.blockValues == 0;
                type = blocks ? matrices : GgmlType.F16;
              }
              out.tensor(new GgufWriter.Tensor(name, e.shape(), type, e.values()));
            });
    out.write(file);
  }

  /** llama.cpp's {@code general.file_type} (enum llama_ftype) of a file whose matrices are t. */
  private static final Map<GgmlType, Integer> FILE_TYPES =
      Map.of(
          GgmlType.F32, 0, GgmlType.F16, 1, GgmlType.Q4_0, 2, GgmlType.Q8_0, 7, GgmlType.BF16, 32);

  /**
   * The model of {@code g} with its matrices held in {@code dtype} (BF16, Q8_0 or Q4_0): a matrix
   * the file stores in that type is held as stored (bf16 values read from the mapped file when
   * {@code map}, otherwise copied; blocks as they are), nothing widened and rounded again; any
   * other is read as f32 and rounded or quantized (a matrix whose rows are not whole blocks stays
   * f32).
   */
  private static LlamaModel heldAsStored(GgufFile g, LlamaConfig c, DType dtype, boolean map) {
    GgmlType stored =
        switch (dtype) {
          case BF16 -> GgmlType.BF16;
          case Q8_0 -> GgmlType.Q8_0;
          case Q4_0 -> GgmlType.Q4_0;
          default -> throw new IllegalArgumentException(dtype + " is not held as stored");
        };
    LlamaTensorNames.Matrices<WeightMatrix> matrices =
        (name, rows, cols) -> {
          if (g.typeOf(name) != stored) {
            return WeightMatrix.of(g.floats(name, rows, cols), (int) rows, (int) cols, dtype);
          }
          if (dtype != DType.BF16) {
            return WeightMatrix.ofBlocks(g.blocks(name, rows, cols));
          }
          return map
              ? WeightMatrix.ofMapped(g.mappedBf16(name, rows, cols), (int) rows, (int) cols)
              : WeightMatrix.ofBf16(g.bf16(name, rows, cols), (int) rows, (int) cols);
        };
    LlamaTensorNames names = LlamaTensorNames.GGUF;
    return LlamaModel.held(c, names.read(c, g::floats, matrices, names.embedding()), dtype);
  }

  private static LlamaWeights weights(GgufFile g, LlamaConfig c) {
    return LlamaTensorNames.GGUF.read(c, g::floats, LlamaTensorNames.GGUF.embedding());
  }

  /** Values per Q8_0 or Q4_0 block. */
  private static final int BLOCK = 32;

  /**
   * The bytes the tensors of {@code file} take once {@link #load loaded} with default options: 4
   * per value for vectors and for matrices of an F32/F16 file, 2 per matrix value of a file that
   * stores its matrices as BF16, 1 + 4/32 per matrix value of a Q8_0 file and 1/2 + 4/32 of a Q4_0
   * file (blocks of 32 with an f32 scale each; a matrix whose rows are not whole blocks is held as
   * f32).
   */
  public static long heldBytes(Path file) throws IOException {
    try (GgufFile g = GgufFile.open(file)) {
      boolean q4 = stores(g, GgmlType.Q4_0);
      boolean q8 = !q4 && stores(g, GgmlType.Q8_0);
      boolean bf16 = !q4 && !q8 && stores(g, GgmlType.BF16);
      long bytes = 0;
      for (GgufFile.TensorInfo t : g.tensors().values()) {
        boolean matrix = t.ne().length >= 2;
        boolean blocks = matrix && (q4 || q8);
        if (blocks && t.ne()[0] % BLOCK == 0) {
          bytes += (q4 ? t.elements() / 2 : t.elements()) + t.elements() / BLOCK * 4;
        } else if (blocks) {
          bytes += 4 * t.elements(); // rows that are not whole blocks are held as f32
        } else {
          bytes += (matrix && bf16 ? 2 : 4) * t.elements();
        }
      }
      return bytes;
    }
  }

  /**
   * Whether a matrix of {@code g} is stored as {@code type}. A Q8_0 or Q4_0 file is held in its
   * type, each such matrix as its blocks ({@link #heldAsStored}).
   */
  private static boolean stores(GgufFile g, GgmlType type) {
    return g.tensors().values().stream().anyMatch(t -> t.ne().length >= 2 && t.type() == type);
  }
}
