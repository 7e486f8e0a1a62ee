package dev.lathe.transformer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF bytes for tests, field by field from the format's definition (see {@link GgufFile}):
 * metadata of a few types and tensors of raw bytes at aligned offsets.
 */
final class GgufBuilder {
  private record Tensor(String name, long[] ne, int type, byte[] data) {}

  private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
  private int kvCount;
  private final List<Tensor> tensors = new ArrayList<>();
  private int version = 3;
  private int alignment = 32;

  GgufBuilder version(int v) {
    version = v;
    return this;
  }

  GgufBuilder alignment(int a) {
    alignment = a;
    return u32("general.alignment", a);
  }

  GgufBuilder string(String key, String value) {
    key(key, 8);
    str(kv, value);
    return this;
  }

  GgufBuilder u32(String key, int value) {
    key(key, 4);
    kv.writeBytes(le(4).putInt(value).array());
    return this;
  }

  GgufBuilder f32(String key, float value) {
    key(key, 6);
    kv.writeBytes(le(4).putFloat(value).array());
    return this;
  }

  GgufBuilder strings(String key, List<String> values) {
    key(key, 9);
    kv.writeBytes(le(12).putInt(8).putLong(values.size()).array());
    values.forEach(v -> str(kv, v));
    return this;
  }

  GgufBuilder floats(String key, float[] values) {
    key(key, 9);
    kv.writeBytes(le(12).putInt(6).putLong(values.length).array());
    for (float v : values) {
      kv.writeBytes(le(4).putFloat(v).array());
    }
    return this;
  }

  GgufBuilder ints(String key, int[] values) {
    key(key, 9);
    kv.writeBytes(le(12).putInt(5).putLong(values.length).array());
    for (int v : values) {
      kv.writeBytes(le(4).putInt(v).array());
    }
    return this;
  }

  /** A raw key/value entry: the key, then {@code type} and the already encoded value bytes. */
  GgufBuilder raw(String key, int type, byte[] value) {
    key(key, type);
    kv.writeBytes(value);
    return this;
  }

  /** Tensor {@code name} with GGUF dims {@code ne} (fastest first), ggml type id and raw bytes. */
  GgufBuilder tensor(String name, long[] ne, int type, byte[] data) {
    tensors.add(new Tensor(name, ne, type, data));
    return this;
  }

  /** An F32 tensor of row-major shape {@code shape}. */
  GgufBuilder f32Tensor(String name, float[] values, long... shape) {
    long[] ne = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      ne[i] = shape[shape.length - 1 - i];
    }
    ByteBuffer b = le(4 * values.length);
    for (float v : values) {
      b.putFloat(v);
    }
    return tensor(name, ne, 0, b.array());
  }

  byte[] build() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(le(20).putInt(version).putLong(tensors.size()).putLong(kvCount).array());
    out.writeBytes(kv.toByteArray());
    long offset = 0;
    List<Long> offsets = new ArrayList<>();
    for (Tensor t : tensors) {
      str(out, t.name);
      out.writeBytes(le(4).putInt(t.ne.length).array());
      for (long d : t.ne) {
        out.writeBytes(le(8).putLong(d).array());
      }
      out.writeBytes(le(12).putInt(t.type).putLong(offset).array());
      offsets.add(offset);
      offset = pad(offset + t.data.length);
    }
    out.writeBytes(new byte[(int) (pad(out.size()) - out.size())]);
    for (Tensor t : tensors) {
      out.writeBytes(t.data);
      out.writeBytes(new byte[(int) (pad(t.data.length) - t.data.length)]);
    }
    return out.toByteArray();
  }

  private long pad(long n) {
    return (n + alignment - 1) / alignment * alignment;
  }

  private void key(String key, int type) {
    kvCount++;
    str(kv, key);
    kv.writeBytes(le(4).putInt(type).array());
  }

  private static void str(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(le(8).putLong(b.length).array());
    out.writeBytes(b);
  }

  static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
