package dev.lathe.transformer;

/**
 * The ggml tensor types Lathe reads from GGUF files, with their ids (ggml's {@code enum ggml_type})
 * and block sizes: a block of {@code blockValues} values takes {@code blockBytes} bytes, and a
 * row's length must be a multiple of {@code blockValues}.
 */
public enum GgmlType {
  F32(0, 1, 4),
  F16(1, 1, 2),
  /** f16 scale d + 16 bytes of nibbles: value = (q - 8)·d. */
  Q4_0(2, 32, 2 + 16),
  /** f16 scale d + 32 int8: value = q·d. */
  Q8_0(8, 32, 2 + 32),
  /** f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles. */
  Q4_K(12, 256, 2 + 2 + 12 + 128),
  /** 128 bytes of low nibbles, 64 of high 2-bit pairs, 16 int8 scales, f16 d. */
  Q6_K(14, 256, 128 + 64 + 16 + 2),
  BF16(30, 1, 2);

  final int id;
  final int blockValues;
  final int blockBytes;

  GgmlType(int id, int blockValues, int blockBytes) {
    this.id = id;
    this.blockValues = blockValues;
    this.blockBytes = blockBytes;
  }

  /** The type with ggml id {@code id}, or null when Lathe does not read it. */
  static GgmlType of(int id) {
    for (GgmlType t : values()) {
      if (t.id == id) {
        return t;
      }
    }
    return null;
  }

  /**
   * Bytes of a tensor of {@code elements} values in rows of {@code rowLength}, or -1 when a row is
   * not whole blocks.
   */
  long bytes(long rowLength, long elements) {
    return rowLength % blockValues != 0 ? -1 : elements / blockValues * blockBytes;
  }

  /** ggml type id {@code id} with its name when known, for error messages. */
  static String describe(int id) {
    String[] names = {
      "F32", "F16", "Q4_0", "Q4_1", null, null, "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K",
      "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S",
      "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16"
    };
    String name = id >= 0 && id < names.length ? names[id] : null;
    return name == null ? String.valueOf(Integer.toUnsignedLong(id)) : id + " (" + name + ")";
  }
}
