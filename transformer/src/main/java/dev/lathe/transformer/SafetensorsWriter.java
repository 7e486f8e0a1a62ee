package dev.lathe.transformer;

import dev.lathe.tensor.Bf16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes f32 tensors as a {@code .safetensors} file, stored as F32 or rounded to BF16/F16. The
 * header is padded with spaces to a multiple of 8 bytes; the file is written to a temporary name,
 * forced to disk and renamed, so readers never see half a file.
 */
public final class SafetensorsWriter {
  private SafetensorsWriter() {}

  /** A tensor to write: its shape and row-major values. */
  public record Tensor(long[] shape, float[] data) {
    public Tensor {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      if (n != data.length) {
        throw new IllegalArgumentException(
            "shape "
                + java.util.Arrays.toString(shape)
                + " needs "
                + n
                + " values, got "
                + data.length);
      }
    }
  }

  /**
   * Writes {@code tensors} (in map order) with {@code metadata} to {@code file} as {@code dtype}.
   */
  public static void write(
      Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype)
      throws IOException {
    if (dtype.blocks()) {
      throw new IllegalArgumentException(
          file
              + ": safetensors has no "
              + dtype
              + " dtype: write F32, BF16 or F16 ("
              + dtype
              + " is for memory and GGUF)");
    }
    Map<String, Object> header = new LinkedHashMap<>();
    if (!metadata.isEmpty()) {
      header.put("__metadata__", new LinkedHashMap<>(metadata));
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long bytes = (long) e.getValue().data().length * dtype.bytes();
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("dtype", dtype.name());
      entry.put("shape", java.util.Arrays.stream(e.getValue().shape()).boxed().toList());
      entry.put("data_offsets", List.of(offset, offset + bytes));
      header.put(e.getKey(), entry);
      offset += bytes;
    }
    byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
      head.putLong(padded).put(json);
      while (head.hasRemaining()) {
        head.put((byte) ' ');
      }
      writeFully(ch, head.flip());
      ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors.values()) {
        for (float f : t.data()) {
          if (buf.remaining() < 4) {
            writeFully(ch, buf.flip());
            buf.clear();
          }
          switch (dtype) {
            case F32 -> buf.putFloat(f);
            case BF16 -> buf.putShort(Bf16.fromFloat(f));
            case F16 -> buf.putShort(Float.floatToFloat16(f));
            case Q8_0, Q4_0 -> throw new IllegalStateException("refused above");
          }
        }
      }
      writeFully(ch, buf.flip());
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
