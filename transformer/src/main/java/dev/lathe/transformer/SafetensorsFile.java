package dev.lathe.transformer;

import dev.lathe.tensor.Bf16;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * mapping tensor names to dtype, shape and byte range, then the raw data. Tensors are read as f32
 * whatever their stored type (F32, BF16, F16).
 */
public final class SafetensorsFile implements AutoCloseable {

  /**
   * Where one tensor lives in the file. {@code dtype} is the header's name; tensors of types this
   * engine cannot convert (e.g. a BOOL mask buffer) may be present as long as nobody reads them.
   */
  public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {

    /** Number of elements. */
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  private static final ValueLayout.OfFloat F32_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16_LE =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Path path;
  private final KeptMapping kept; // for weights read straight from the file
  private final Arena arena;
  private final MemorySegment data;
  private final long dataStart; // file offset of the data (after the header)
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path path,
      Arena arena,
      MemorySegment data,
      long dataStart,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.kept = new KeptMapping(path);
    this.arena = arena;
    this.data = data;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Maps {@code path} and parses its header. */
  public static SafetensorsFile open(Path path) throws IOException {
    Arena arena = Arena.ofShared();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new IOException(path + ": " + size + " bytes is too short for safetensors");
      }
      MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      long headerLength =
          all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
      if (headerLength <= 0 || 8 + headerLength > size) {
        throw new IOException(
            path + ": header length " + headerLength + " does not fit in " + size + " bytes");
      }
      byte[] header = all.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
      MemorySegment data = all.asSlice(8 + headerLength);
      Map<String, Object> json;
      try {
        json = Json.parseObject(new String(header, StandardCharsets.UTF_8), path + " header");
      } catch (IllegalArgumentException e) {
        throw new IOException(e.getMessage(), e);
      }
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : json.entrySet()) {
        if (e.getKey().equals("__metadata__")) {
          if (e.getValue() instanceof Map<?, ?> m) {
            m.forEach((k, v) -> metadata.put(k.toString(), String.valueOf(v)));
          }
          continue;
        }
        TensorInfo info = info(path, e.getKey(), e.getValue());
        if (info.end() > data.byteSize()) {
          throw new IOException(
              path + ": tensor " + e.getKey() + " ends at byte " + info.end() + " past the data");
        }
        tensors.put(e.getKey(), info);
      }
      return new SafetensorsFile(path, arena, data, 8 + headerLength, tensors, metadata);
    } catch (IOException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static TensorInfo info(Path path, String name, Object entry) throws IOException {
    String where = path + ": tensor " + name;
    if (!(entry instanceof Map<?, ?> m)
        || !(m.get("dtype") instanceof String dtype)
        || !(m.get("shape") instanceof List<?> shape)
        || !(m.get("data_offsets") instanceof List<?> offsets)
        || offsets.size() != 2) {
      throw new IOException(where + ": header entry needs dtype, shape and data_offsets");
    }
    long[] dims = shape.stream().mapToLong(d -> ((Number) d).longValue()).toArray();
    long begin = ((Number) offsets.get(0)).longValue();
    long end = ((Number) offsets.get(1)).longValue();
    TensorInfo info = new TensorInfo(name, dtype, dims, begin, end);
    int size = elementSize(dtype);
    if (begin < 0 || end < begin || (size > 0 && end - begin != info.elements() * size)) {
      throw new IOException(
          where + ": byte range " + begin + ".." + end + " does not match its shape and dtype");
    }
    return info;
  }

  /** Bytes per element of a safetensors dtype, or 0 when unknown. */
  private static int elementSize(String dtype) {
    return switch (dtype) {
      case "F64", "I64", "U64" -> 8;
      case "F32", "I32", "U32" -> 4;
      case "F16", "BF16", "I16", "U16" -> 2;
      case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
      default -> 0;
    };
  }

  /** Tensors in header order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** The {@code __metadata__} strings. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Reads tensor {@code name} converted to f32. */
  public float[] floats(String name) {
    TensorInfo t = tensor(name);
    long n = t.elements();
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(path + ": tensor " + name + " is too large for float[]");
    }
    float[] out = new float[(int) n];
    DType type = DType.of(t.dtype(), path + ": tensor " + name);
    switch (type) {
      case F32 -> MemorySegment.copy(data, F32_LE, t.begin(), out, 0, out.length);
      case BF16, F16 -> {
        short[] raw = new short[out.length];
        MemorySegment.copy(data, I16_LE, t.begin(), raw, 0, raw.length);
        boolean bf16 = type == DType.BF16;
        for (int i = 0; i < out.length; i++) {
          out[i] = bf16 ? Bf16.toFloat(raw[i]) : Float.float16ToFloat(raw[i]);
        }
      }
    }
    return out;
  }

  /**
   * Reads tensor {@code name} as bf16: BF16 values as stored, F32 and F16 rounded to nearest even.
   * Stored BF16 is read from the file with positional reads, not through the mapping, so its pages
   * do not stay resident in this process while the file is open (a model held in bf16 then costs
   * its own arrays, not twice them).
   */
  public short[] bf16(String name) {
    TensorInfo t = tensor(name);
    DType type = DType.of(t.dtype(), path + ": tensor " + name);
    if (type != DType.BF16) {
      return Bf16.fromFloat(floats(name));
    }
    long n = t.elements();
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(path + ": tensor " + name + " is too large for short[]");
    }
    short[] out = new short[(int) n];
    ByteBuffer buf = ByteBuffer.allocateDirect(READ_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long at = dataStart + t.begin();
      for (int done = 0; done < out.length; ) {
        buf.clear().limit(Math.min(READ_CHUNK, 2 * (out.length - done)));
        while (buf.hasRemaining()) {
          if (ch.read(buf, at + 2L * done + buf.position()) < 0) {
            throw new IOException(path + ": tensor " + name + " ends past the end of the file");
          }
        }
        buf.flip();
        int count = buf.remaining() / 2;
        buf.asShortBuffer().get(out, done, count);
        done += count;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": reading tensor " + name + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * Tensor {@code name}, stored as BF16, as a read-only view of this file mapped for as long as the
   * view (or any slice of it) is reachable, not for as long as this object is open: the model that
   * holds it reads its weights from the page cache, with no copy on the heap. Null when the tensor
   * is stored in another type.
   */
  public MemorySegment mappedBf16(String name) {
    TensorInfo t = tensor(name);
    if (DType.of(t.dtype(), path + ": tensor " + name) != DType.BF16) {
      return null;
    }
    return kept.file().asSlice(dataStart + t.begin(), t.end() - t.begin());
  }

  /** The tensor {@code name}, or an error naming this file. */
  private TensorInfo tensor(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(path + ": no tensor named " + name);
    }
    return t;
  }

  /** Bytes read at a time by {@link #bf16}. */
  private static final int READ_CHUNK = 1 << 22;

  public Path path() {
    return path;
  }

  @Override
  public void close() {
    arena.close();
  }
}
