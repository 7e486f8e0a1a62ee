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
  Q8_0(1),
  /**
   * GGUF's Q4_0: blocks of 32 four-bit values (two per byte) with one f16 scale, held in memory
   * only; {@link #bytes()} is not defined for it (half a byte per value).
   */
  Q4_0(0);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Size of one element in bytes (0 for Q4_0, whose elements are half a byte). */
  public int bytes() {
    return bytes;
  }

  /** Whether this type is a GGUF block format held in memory only (Q8_0, Q4_0). */
  public boolean blocks() {
    return this == Q8_0 || this == Q4_0;
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
