package dev.lathe.transformer;

/**
 * How {@link ModelLoader} holds a model in memory.
 *
 * @param weightDtype element type of the matmul weights (projections and the embedding/classifier
 *     table) in memory: {@link DType#F32}, {@link DType#BF16}, {@link DType#Q8_0} or {@link
 *     DType#Q4_0} (quantized on load; a GGUF tensor stored in that type is held as its blocks), or
 *     null for the checkpoint's own (BF16 when its projections are stored in BF16, Q8_0 or Q4_0
 *     when a GGUF file stores them so, F32 otherwise). Norm weights and biases are always f32.
 * @param mapWeights whether matrices held in bf16 that the file stores as BF16 (a safetensors or
 *     GGUF file) are read straight from the mapped file, as views, instead of copied onto the heap:
 *     the model then loads without reading its weights, its pages are shared with other processes
 *     mapping the file, and the heap holds none of them. Products give the same bits either way.
 *     Off by default: on the benchmark machine a batched decode step (the server's) ran about a
 *     fifth slower from the mapping than from heap arrays (BENCHMARKS.md), and training keeps its
 *     base in arrays.
 * @param kvDtype how the model's key/value caches hold keys and values ({@link KvDtype#F32} by
 *     default; {@link KvDtype#BF16} halves their memory)
 */
public record LoadOptions(DType weightDtype, boolean mapWeights, KvDtype kvDtype) {

  /** The checkpoint's own dtype, on the heap. */
  public static final LoadOptions DEFAULT = new LoadOptions(null);

  /** Options holding the weights as {@code weightDtype}, on the heap. */
  public LoadOptions(DType weightDtype) {
    this(weightDtype, false);
  }

  /** Options holding the weights as {@code weightDtype}, mapped or not, with f32 caches. */
  public LoadOptions(DType weightDtype, boolean mapWeights) {
    this(weightDtype, mapWeights, KvDtype.F32);
  }

  public LoadOptions {
    if (kvDtype == null) {
      throw new IllegalArgumentException("kvDtype is required: F32 or BF16");
    }
    if (weightDtype == DType.F16) {
      throw new IllegalArgumentException(
          "weightDtype F16 is not supported in memory: use F32, BF16, Q8_0, Q4_0 or null"
              + " (checkpoint's own)");
    }
  }

  /** These options with BF16 matrices read from the mapped file or not, as {@code map} says. */
  public LoadOptions mapped(boolean map) {
    return new LoadOptions(weightDtype, map, kvDtype);
  }

  /** These options with the caches holding keys and values as {@code kv}. */
  public LoadOptions withKvDtype(KvDtype kv) {
    return new LoadOptions(weightDtype, mapWeights, kv);
  }

  /** Options holding the weights as {@code dtype}. */
  public static LoadOptions weights(DType dtype) {
    return new LoadOptions(dtype);
  }

  /**
   * Options holding the weights as the type named {@code name} ({@code f32}, {@code bf16}, {@code
   * q8_0} or {@code q4_0}, any case), or an error naming {@code where} (the flag or config field it
   * came from).
   */
  public static LoadOptions named(String name, String where) {
    return switch (name.toLowerCase(java.util.Locale.ROOT)) {
      case "f32" -> weights(DType.F32);
      case "bf16" -> weights(DType.BF16);
      case "q8_0" -> weights(DType.Q8_0);
      case "q4_0" -> weights(DType.Q4_0);
      default ->
          throw new IllegalArgumentException(
              where + " " + name + " is not a weight type: use f32, bf16, q8_0 or q4_0");
    };
  }
}
