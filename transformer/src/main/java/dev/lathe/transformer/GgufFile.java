package dev.lathe.transformer;

import dev.lathe.tensor.BlockMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped GGUF file (llama.cpp's format), version 2 or 3, little-endian:
 *
 * <pre>
 * "GGUF"  u32 version  u64 tensor_count  u64 kv_count
 * kv_count × (string key, u32 value_type, value)        string = u64 length + UTF-8 bytes
 * tensor_count × (string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset)
 * padding to general.alignment (default 32), then the tensor data; offsets are relative to it
 * </pre>
 *
 * Metadata values become Java values: every integer type a {@code Long}, FLOAT32 a {@code Float},
 * FLOAT64 a {@code Double}, BOOL a {@code Boolean}, STRING a {@code String}, ARRAY a {@code List}.
 * {@code ne[0]} is the fastest-varying dimension, so a PyTorch weight [out, in] has {@code ne =
 * [in, out]}; {@link TensorInfo#shape()} gives the row-major shape. Tensors are read as f32
 * whatever their {@link GgmlType} (quantized blocks are dequantized by {@link GgufQuants}).
 */
public final class GgufFile implements AutoCloseable {
  private static final ValueLayout.OfShort I16_LE =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Where one tensor lives: {@code ne} in GGUF order, the raw ggml type id, data offset. */
  public record TensorInfo(String name, long[] ne, int typeId, long offset) {

    /** Row-major shape (the reverse of {@code ne}). */
    public long[] shape() {
      long[] s = new long[ne.length];
      for (int i = 0; i < ne.length; i++) {
        s[i] = ne[ne.length - 1 - i];
      }
      return s;
    }

    /** Number of elements. */
    public long elements() {
      long n = 1;
      for (long d : ne) {
        n *= d;
      }
      return n;
    }

    /** The element type, or null when Lathe does not read this ggml type. */
    public GgmlType type() {
      return GgmlType.of(typeId);
    }
  }

  static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
  static final int DEFAULT_ALIGNMENT = 32;

  private final Path path;
  private final KeptMapping kept; // for weights read straight from the file
  private final Arena arena;
  private final MemorySegment data;
  private final Map<String, Object> metadata;
  private final Map<String, TensorInfo> tensors;

  private GgufFile(
      Path path,
      Arena arena,
      MemorySegment data,
      Map<String, Object> metadata,
      Map<String, TensorInfo> tensors) {
    this.path = path;
    this.kept = new KeptMapping(path);
    this.arena = arena;
    this.data = data;
    this.metadata = metadata;
    this.tensors = tensors;
  }

  /** Maps {@code path} and parses its header, metadata and tensor infos. */
  public static GgufFile open(Path path) throws IOException {
    Arena arena = Arena.ofShared();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
      Reader in = new Reader(path, all);
      int magic = in.u32("the magic");
      if (magic != MAGIC) {
        throw new IOException(
            path
                + ": not a GGUF file: byte 0 holds 0x"
                + Integer.toHexString(Integer.reverseBytes(magic))
                + ", a GGUF file starts with \"GGUF\" (0x47475546)");
      }
      int version = in.u32("the version");
      if (version != 2 && version != 3) {
        throw new IOException(
            path
                + ": GGUF version "
                + Integer.toUnsignedString(version)
                + " at byte 4 is not supported: Lathe reads versions 2 and 3 (convert the"
                + " model again with a current llama.cpp)");
      }
      long tensorCount = in.count("the tensor count");
      long kvCount = in.count("the metadata count");
      Map<String, Object> metadata = new LinkedHashMap<>();
      for (long i = 0; i < kvCount; i++) {
        String key = in.string("metadata key " + i);
        int type = in.u32("the value type of " + key);
        metadata.put(key, in.value(type, key));
      }
      long alignment = DEFAULT_ALIGNMENT;
      if (metadata.containsKey("general.alignment")) {
        alignment = metadata.get("general.alignment") instanceof Long a ? a : -1;
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
          throw new IOException(
              path
                  + ": general.alignment is "
                  + metadata.get("general.alignment")
                  + ", it must be a power of two");
        }
      }
      List<TensorInfo> infos = new ArrayList<>();
      for (long i = 0; i < tensorCount; i++) {
        String name = in.string("the name of tensor " + i);
        int dims = in.u32("the dimension count of " + name);
        if (dims < 1 || dims > 4) {
          throw new IOException(
              path + ": tensor " + name + " has " + dims + " dimensions (GGUF allows 1 to 4)");
        }
        long[] ne = new long[dims];
        for (int d = 0; d < dims; d++) {
          ne[d] = in.count("dimension " + d + " of " + name);
        }
        int typeId = in.u32("the type of " + name);
        long offset = in.count("the data offset of " + name);
        if (offset % alignment != 0) {
          throw new IOException(
              path
                  + ": tensor "
                  + name
                  + " starts at data offset "
                  + offset
                  + ", not a multiple of the alignment "
                  + alignment);
        }
        infos.add(new TensorInfo(name, ne, typeId, offset));
      }
      long start = (in.position + alignment - 1) / alignment * alignment;
      if (start > all.byteSize()) {
        throw new IOException(
            path
                + ": truncated: the tensor data should start at byte "
                + start
                + " but the file has "
                + all.byteSize());
      }
      MemorySegment data = all.asSlice(start);
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      for (TensorInfo t : infos) {
        GgmlType type = t.type();
        if (type != null && type.bytes(t.ne()[0], t.elements()) < 0) {
          throw new IOException(
              path
                  + ": tensor "
                  + t.name()
                  + " has "
                  + t.ne()[0]
                  + " values per row, not a"
                  + " multiple of the "
                  + type
                  + " block of "
                  + type.blockValues);
        }
        long end = type == null ? t.offset() : t.offset() + type.bytes(t.ne()[0], t.elements());
        if (end > data.byteSize()) {
          throw new IOException(
              path
                  + ": truncated: tensor "
                  + t.name()
                  + " ends at byte "
                  + (start + end)
                  + " but the file has "
                  + all.byteSize());
        }
        if (tensors.put(t.name(), t) != null) {
          throw new IOException(path + ": tensor " + t.name() + " appears twice");
        }
      }
      return new GgufFile(path, arena, data, metadata, tensors);
    } catch (IOException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  /** Metadata in file order. */
  public Map<String, Object> metadata() {
    return metadata;
  }

  /** Tensor infos in file order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** Whether tensor {@code name} is stored. */
  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  /** String metadata {@code key}, or a clear error when it is absent or not a string. */
  public String string(String key) {
    return typed(key, String.class);
  }

  /** Integer metadata {@code key} (any integer type) as an int. */
  public int integer(String key) {
    long v = typed(key, Long.class);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(path + ": metadata " + key + " = " + v + " is too large");
    }
    return (int) v;
  }

  /** Integer metadata {@code key}, or {@code fallback} when absent. */
  public int integer(String key, int fallback) {
    return metadata.containsKey(key) ? integer(key) : fallback;
  }

  /** Numeric metadata {@code key} (integer or float) as a double, or {@code fallback}. */
  public double number(String key, double fallback) {
    return metadata.containsKey(key) ? typed(key, Number.class).doubleValue() : fallback;
  }

  /** Array metadata {@code key}. */
  public List<?> array(String key) {
    return typed(key, List.class);
  }

  private <T> T typed(String key, Class<T> type) {
    Object v = metadata.get(key);
    if (v == null) {
      throw new IllegalArgumentException(path + ": metadata key " + key + " is missing");
    }
    if (!type.isInstance(v)) {
      throw new IllegalArgumentException(
          path
              + ": metadata "
              + key
              + " is a "
              + v.getClass().getSimpleName()
              + ", expected a "
              + type.getSimpleName());
    }
    return type.cast(v);
  }

  /** Tensor {@code name} as f32, dequantized, checked against the row-major {@code shape}. */
  public float[] floats(String name, long... shape) {
    TensorInfo t = info(name, shape);
    if (t.elements() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(path + ": tensor " + name + " is too large for float[]");
    }
    float[] out = new float[(int) t.elements()];
    GgufQuants.dequantize(t.type(), data, t.offset(), out);
    return out;
  }

  /** The ggml type matrix {@code name} is stored in, or null when there is no such tensor. */
  GgmlType typeOf(String name) {
    TensorInfo t = tensors.get(name);
    return t == null ? null : t.type();
  }

  /**
   * Matrix {@code name} (rows, cols), stored as Q8_0 or Q4_0, held as its blocks: the quants and
   * scales as the file has them, nothing requantized.
   */
  BlockMatrix blocks(String name, long rows, long cols) {
    TensorInfo t = info(name, rows, cols);
    if (t.elements() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(path + ": tensor " + name + " is too large to hold");
    }
    return GgufQuants.blocks(t.type(), data, t.offset(), (int) rows, (int) cols);
  }

  /** Matrix {@code name} (rows, cols), stored as BF16, as its bf16 values (copied, not widened). */
  short[] bf16(String name, long rows, long cols) {
    TensorInfo t = bf16Info(name, rows, cols);
    if (t.elements() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(path + ": tensor " + name + " is too large to hold");
    }
    short[] out = new short[(int) t.elements()];
    MemorySegment.copy(data, I16_LE, t.offset(), out, 0, out.length);
    return out;
  }

  /**
   * Matrix {@code name} (rows, cols), stored as BF16, as a read-only view of this file mapped for
   * as long as the view is reachable (not for as long as this object is open): the model holding it
   * reads its weights from the page cache, with no copy on the heap.
   */
  MemorySegment mappedBf16(String name, long rows, long cols) {
    TensorInfo t = bf16Info(name, rows, cols);
    MemorySegment file = kept.file();
    long dataStart = file.byteSize() - data.byteSize(); // data runs to the end of the file
    return file.asSlice(dataStart + t.offset(), 2 * t.elements());
  }

  /** Matrix {@code name} (rows, cols), checked to be stored as BF16. */
  private TensorInfo bf16Info(String name, long rows, long cols) {
    TensorInfo t = info(name, rows, cols);
    if (t.type() != GgmlType.BF16) {
      throw new IllegalArgumentException(
          path + ": tensor " + name + " is " + t.type() + ", not BF16: read it with floats()");
    }
    return t;
  }

  /** The tensor {@code name}, checked against the row-major {@code shape} and readable. */
  private TensorInfo info(String name, long... shape) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(path + ": tensor " + name + " is missing");
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException(
          path
              + ": tensor "
              + name
              + " has shape "
              + Arrays.toString(t.shape())
              + ", the metadata implies "
              + Arrays.toString(shape));
    }
    if (t.type() == null) {
      throw new IllegalArgumentException(
          path
              + ": tensor "
              + name
              + " has ggml type "
              + GgmlType.describe(t.typeId())
              + ", which Lathe does not read (it reads "
              + Arrays.toString(GgmlType.values())
              + "): convert or quantize the model to one of those");
    }
    return t;
  }

  @Override
  public void close() {
    arena.close();
  }

  /** A bounds-checked cursor over the header; errors name the byte and what was being read. */
  private static final class Reader {
    private static final ValueLayout.OfInt I32 =
        ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment in;
    long position;

    Reader(Path path, MemorySegment in) {
      this.path = path;
      this.in = in;
    }

    private long take(long bytes, String what) throws IOException {
      if (bytes < 0 || bytes > in.byteSize() - position) {
        throw new IOException(
            path
                + ": truncated: "
                + what
                + " at byte "
                + position
                + " needs "
                + bytes
                + " bytes, the file has "
                + Math.max(0, in.byteSize() - position)
                + " left");
      }
      long at = position;
      position += bytes;
      return at;
    }

    int u32(String what) throws IOException {
      return in.get(I32, take(4, what));
    }

    /** A u64 count or size, refused when negative as a signed long (no real file has one). */
    long count(String what) throws IOException {
      long at = position;
      long v = in.get(I64, take(8, what));
      if (v < 0) {
        throw new IOException(path + ": " + what + " at byte " + at + " is " + v + ": corrupt");
      }
      return v;
    }

    String string(String what) throws IOException {
      long n = count("the length of " + what);
      long at = take(n, what);
      return new String(in.asSlice(at, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    Object value(int type, String key) throws IOException {
      String what = "the value of " + key;
      return switch (type) {
        case 0 -> (long) Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, take(1, what)));
        case 1 -> (long) in.get(ValueLayout.JAVA_BYTE, take(1, what));
        case 2 -> (long) Short.toUnsignedInt(in.get(I16, take(2, what)));
        case 3 -> (long) in.get(I16, take(2, what));
        case 4 -> Integer.toUnsignedLong(in.get(I32, take(4, what)));
        case 5 -> (long) in.get(I32, take(4, what));
        case 6 -> Float.intBitsToFloat(in.get(I32, take(4, what)));
        case 7 -> in.get(ValueLayout.JAVA_BYTE, take(1, what)) != 0;
        case 8 -> string(what);
        case 9 -> {
          int elementType = u32("the element type of " + key);
          if (elementType == 9) {
            throw new IOException(path + ": metadata " + key + " is an array of arrays");
          }
          long n = count("the length of " + key);
          if (n > in.byteSize() - position) { // every element takes at least one byte
            throw new IOException(
                path
                    + ": truncated: array "
                    + key
                    + " claims "
                    + n
                    + " elements at byte "
                    + position
                    + ", the file has "
                    + (in.byteSize() - position)
                    + " bytes left");
          }
          List<Object> list = new ArrayList<>((int) n);
          for (long i = 0; i < n; i++) {
            list.add(value(elementType, key + "[" + i + "]"));
          }
          yield list;
        }
        case 10, 11 -> in.get(I64, take(8, what));
        case 12 -> Double.longBitsToDouble(in.get(I64, take(8, what)));
        default ->
            throw new IOException(
                path
                    + ": metadata "
                    + key
                    + " has unknown value type "
                    + Integer.toUnsignedString(type)
                    + " at byte "
                    + (position - 4)
                    + " (GGUF value types are 0..12): corrupt or a newer GGUF");
      };
    }
  }
}
