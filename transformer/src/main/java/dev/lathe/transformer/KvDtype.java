package dev.lathe.transformer;

import java.util.Locale;

/**
 * How a model's key/value caches hold keys and values: f32 (the default), or bf16, which halves a
 * cache's memory and the bytes each decode step reads from it, at bf16's precision (about three
 * significant digits; the widening back to f32 is exact). vLLM and Hugging Face keep a bf16 model's
 * cache in bf16; llama.cpp keeps f16 by default.
 */
public enum KvDtype {
  F32(4),
  BF16(2);

  private final int bytes;

  KvDtype(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes of one key or value element. */
  public int bytes() {
    return bytes;
  }

  /** The name configs and flags use: {@code f32} or {@code bf16}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The type named {@code name} ({@code f32} or {@code bf16}, any case), or an error naming {@code
   * where} (the flag or config field it came from).
   */
  public static KvDtype named(String name, String where) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "f32" -> F32;
      case "bf16" -> BF16;
      default ->
          throw new IllegalArgumentException(
              where + " " + name + " is not a key/value cache type: use f32 or bf16");
    };
  }
}
