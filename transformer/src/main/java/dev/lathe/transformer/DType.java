package dev.lathe.transformer;

/** Element types of stored tensors this engine reads and writes (safetensors names). */
public enum DType {
  /** IEEE 754 single precision. */
  F32(4),
  /** bfloat16: the upper 16 bits of an F32. */
  BF16(2),
  /** IEEE 754 half precision. */
  F16(2),
  /**
   * GGUF's Q8_0: blocks of 32 signed bytes with one f16 scale, held in memory only (no safetensors
   * dtype); {@link #bytes()} counts the byte per value, not the scales.
   */
  Q8_0(1);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }

  /** The type named {@code name} in a safetensors header, or a clear error. */
  static DType of(String name, String where) {
    return switch (name) {
      case "F32" -> F32;
      case "BF16" -> BF16;
      case "F16" -> F16;
      default ->
          throw new IllegalArgumentException(
              where + ": dtype " + name + " is not supported (F32, BF16 and F16 are)");
    };
  }
}
