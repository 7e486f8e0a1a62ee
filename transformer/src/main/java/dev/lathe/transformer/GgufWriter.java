package dev.lathe.transformer;

import dev.lathe.tensor.Bf16;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF v3 file (the layout {@link GgufFile} reads): header, metadata, tensor infos,
 * padding to the alignment (32, or {@code general.alignment} when set), then each tensor's data at
 * an aligned offset. The file is written under a temporary name beside its target and renamed into
 * place, so a failed write leaves nothing behind.
 *
 * <p>Metadata values are typed by their Java class, as llama.cpp expects its keys: {@code String}
 * STRING, {@code Integer} UINT32 (never negative), {@code Long} UINT64, {@code Float} FLOAT32,
 * {@code Double} FLOAT64, {@code Boolean} BOOL, a {@code List<String>} an ARRAY of STRING, {@code
 * float[]} an ARRAY of FLOAT32 and {@code int[]} an ARRAY of INT32.
 *
 * <p>Tensors are stored as {@link GgmlType#F32}, {@link GgmlType#F16} (round to nearest even),
 * {@link GgmlType#BF16}, {@link GgmlType#Q8_0} ({@link GgufQuants#quantizeQ8_0}) or {@link
 * GgmlType#Q4_0} ({@link GgufQuants#quantizeQ4_0}).
 */
public final class GgufWriter {

  /**
   * One tensor: its name, row-major shape (the reverse of GGUF's {@code ne}), stored type, values.
   */
  public record Tensor(String name, long[] shape, GgmlType type, float[] values) {
    public Tensor {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      if (shape.length < 1 || shape.length > 4 || n != values.length) {
        throw new IllegalArgumentException(
            "tensor "
                + name
                + ": shape of "
                + shape.length
                + " dims, "
                + n
                + " values expected, "
                + values.length
                + " given");
      }
      if (type.bytes(shape[shape.length - 1], n) < 0) {
        throw new IllegalArgumentException(
            "tensor "
                + name
                + ": rows of "
                + shape[shape.length - 1]
                + " values are not whole "
                + type
                + " blocks of "
                + type.blockValues);
      }
    }

    long bytes() {
      return type.bytes(shape[shape.length - 1], values.length);
    }
  }

  private static final Set<GgmlType> WRITABLE =
      Set.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0);
  private static final int CHUNK = 1 << 20; // values encoded per write; a multiple of 32

  private final Map<String, Object> metadata = new LinkedHashMap<>();
  private final List<Tensor> tensors = new ArrayList<>();

  /** Adds metadata {@code key}; the value's class gives its GGUF type (see the class comment). */
  public GgufWriter put(String key, Object value) {
    typeOf(key, value);
    if (metadata.put(key, value) != null) {
      throw new IllegalArgumentException("metadata key " + key + " is set twice");
    }
    return this;
  }

  /** Adds every entry of {@code entries} in its order. */
  public GgufWriter putAll(Map<String, ?> entries) {
    entries.forEach(this::put);
    return this;
  }

  /** Adds a tensor. */
  public GgufWriter tensor(Tensor t) {
    if (!WRITABLE.contains(t.type())) {
      throw new IllegalArgumentException(
          "tensor "
              + t.name()
              + ": Lathe writes GGUF tensors as "
              + WRITABLE
              + ", not "
              + t.type());
    }
    if (tensors.stream().anyMatch(o -> o.name().equals(t.name()))) {
      throw new IllegalArgumentException("tensor " + t.name() + " is added twice");
    }
    tensors.add(t);
    return this;
  }

  /** Writes the file. */
  public void write(Path file) throws IOException {
    long alignment =
        metadata.get("general.alignment") instanceof Integer a ? a : GgufFile.DEFAULT_ALIGNMENT;
    if (alignment <= 0 || Long.bitCount(alignment) != 1) {
      throw new IllegalArgumentException("general.alignment " + alignment + " is no power of two");
    }
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.writeBytes(le(4).putInt(GgufFile.MAGIC).array());
    head.writeBytes(le(20).putInt(3).putLong(tensors.size()).putLong(metadata.size()).array());
    for (Map.Entry<String, Object> e : metadata.entrySet()) {
      string(head, e.getKey());
      int type = typeOf(e.getKey(), e.getValue());
      head.writeBytes(le(4).putInt(type).array());
      value(head, type, e.getValue());
    }
    long offset = 0;
    List<Long> offsets = new ArrayList<>();
    for (Tensor t : tensors) {
      string(head, t.name());
      long[] shape = t.shape();
      head.writeBytes(le(4).putInt(shape.length).array());
      for (int d = shape.length - 1; d >= 0; d--) {
        head.writeBytes(le(8).putLong(shape[d]).array());
      }
      head.writeBytes(le(12).putInt(t.type().id).putLong(offset).array());
      offsets.add(offset);
      offset = pad(offset + t.bytes(), alignment);
    }
    head.writeBytes(new byte[(int) (pad(head.size(), alignment) - head.size())]);
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, file.getFileName() + ".", ".tmp");
    try {
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        writeFully(out, ByteBuffer.wrap(head.toByteArray()));
        long dataStart = head.size();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < tensors.size(); i++) {
          out.position(dataStart + offsets.get(i));
          Tensor t = tensors.get(i);
          float[] v = t.values();
          for (int from = 0; from < v.length; from += CHUNK) {
            buf.clear();
            encode(t, from, Math.min(CHUNK, v.length - from), buf);
            writeFully(out, buf.flip());
          }
        }
        long end = pad(out.position(), alignment);
        if (end > out.position()) { // a file ends on an aligned size, as llama.cpp writes it
          writeFully(out, ByteBuffer.allocate((int) (end - out.position())));
        }
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void encode(Tensor t, int from, int n, ByteBuffer out) {
    float[] v = t.values();
    switch (t.type()) {
      case F32 -> {
        for (int i = from; i < from + n; i++) {
          out.putFloat(v[i]);
        }
      }
      case F16 -> {
        for (int i = from; i < from + n; i++) {
          short h = Float.floatToFloat16(v[i]);
          if (Float.isInfinite(Float.float16ToFloat(h)) && !Float.isInfinite(v[i])) {
            throw new IllegalArgumentException(
                "tensor "
                    + t.name()
                    + "["
                    + i
                    + "] = "
                    + v[i]
                    + " is beyond f16's range ±65504:"
                    + " export it as f32 or q8_0");
          }
          out.putShort(h);
        }
      }
      case BF16 -> {
        for (int i = from; i < from + n; i++) {
          out.putShort(Bf16.fromFloat(v[i]));
        }
      }
      case Q8_0 -> GgufQuants.quantizeQ8_0(v, from, n, out);
      case Q4_0 -> GgufQuants.quantizeQ4_0(v, from, n, out);
      default -> throw new AssertionError(t.type());
    }
  }

  private static int typeOf(String key, Object v) {
    return switch (v) {
      case String s -> 8;
      case Integer i when i >= 0 -> 4;
      case Long l when l >= 0 -> 10;
      case Float f -> 6;
      case Double d -> 12;
      case Boolean b -> 7;
      case float[] a -> 9;
      case int[] a -> 9;
      case List<?> list when list.stream().allMatch(String.class::isInstance) -> 9;
      default ->
          throw new IllegalArgumentException(
              "metadata "
                  + key
                  + ": cannot write "
                  + v
                  + " ("
                  + v.getClass().getSimpleName()
                  + "): GGUF values are strings, non-negative Integer/Long, Float, Double,"
                  + " Boolean, string lists, float[] and int[]");
    };
  }

  private static void value(ByteArrayOutputStream out, int type, Object v) {
    switch (v) {
      case String s -> string(out, s);
      case Integer i -> out.writeBytes(le(4).putInt(i).array());
      case Long l -> out.writeBytes(le(8).putLong(l).array());
      case Float f -> out.writeBytes(le(4).putFloat(f).array());
      case Double d -> out.writeBytes(le(8).putDouble(d).array());
      case Boolean b -> out.write(b ? 1 : 0);
      case float[] a -> {
        out.writeBytes(le(12).putInt(6).putLong(a.length).array());
        ByteBuffer b = le(4 * a.length);
        for (float x : a) {
          b.putFloat(x);
        }
        out.writeBytes(b.array());
      }
      case int[] a -> {
        out.writeBytes(le(12).putInt(5).putLong(a.length).array());
        ByteBuffer b = le(4 * a.length);
        for (int x : a) {
          b.putInt(x);
        }
        out.writeBytes(b.array());
      }
      case List<?> list -> {
        out.writeBytes(le(12).putInt(8).putLong(list.size()).array());
        list.forEach(s -> string(out, (String) s));
      }
      default -> throw new AssertionError(type);
    }
  }

  private static void string(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(le(8).putLong(b.length).array());
    out.writeBytes(b);
  }

  private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      out.write(b);
    }
  }

  private static long pad(long n, long alignment) {
    return (n + alignment - 1) / alignment * alignment;
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
