package dev.lathe.transformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a Hugging Face model directory: a single {@code model.safetensors}, or shards
 * listed by {@code model.safetensors.index.json}. Honours tied-weight aliases recorded in a file's
 * {@code __metadata__} (an entry whose key is a missing tensor and whose value is a stored one).
 */
final class WeightSource implements AutoCloseable {
  private final Path dir;
  private final List<SafetensorsFile> files = new ArrayList<>();
  private final Map<String, SafetensorsFile> byName = new HashMap<>();
  private final Map<String, String> aliases = new LinkedHashMap<>();

  private WeightSource(Path dir) {
    this.dir = dir;
  }

  static WeightSource open(Path dir) throws IOException {
    WeightSource w = new WeightSource(dir);
    try {
      Path single = dir.resolve("model.safetensors");
      Path index = dir.resolve("model.safetensors.index.json");
      List<String> shards = new ArrayList<>();
      if (Files.exists(index)) {
        Map<String, Object> json = Json.parseObject(Files.readString(index), index.toString());
        if (!(json.get("weight_map") instanceof Map<?, ?> map)) {
          throw new IOException(index + ": no weight_map object");
        }
        map.values().stream().map(Object::toString).distinct().forEach(shards::add);
      } else if (Files.exists(single)) {
        shards.add("model.safetensors");
      } else {
        throw new IOException(
            dir + ": neither model.safetensors nor model.safetensors.index.json is there");
      }
      for (String shard : shards) {
        SafetensorsFile f = SafetensorsFile.open(dir.resolve(shard));
        w.files.add(f);
        for (String name : f.tensors().keySet()) {
          w.byName.put(name, f);
        }
      }
      for (SafetensorsFile f : w.files) {
        f.metadata()
            .forEach(
                (key, value) -> {
                  if (!w.byName.containsKey(key) && w.byName.containsKey(value)) {
                    w.aliases.put(key, value);
                  }
                });
      }
      return w;
    } catch (IOException | RuntimeException e) {
      w.close();
      throw e;
    }
  }

  /** Whether {@code name} is stored or aliased. */
  boolean has(String name) {
    return byName.containsKey(resolve(name));
  }

  /**
   * Matrix {@code name} (rows, cols) in bf16: a view of the mapped file when {@code map} and it is
   * stored as BF16, otherwise read onto the heap ({@link #getBf16}).
   */
  WeightMatrix bf16Matrix(String name, long rows, long cols, boolean map) {
    String stored = resolve(name);
    java.lang.foreign.MemorySegment seg =
        map ? checked(name, stored, rows, cols).mappedBf16(stored) : null;
    return seg != null
        ? WeightMatrix.ofMapped(seg, (int) rows, (int) cols)
        : WeightMatrix.ofBf16(getBf16(name, rows, cols), (int) rows, (int) cols);
  }

  /** Tensor {@code name} as f32, checked against {@code shape}. */
  float[] get(String name, long... shape) {
    String stored = resolve(name);
    return checked(name, stored, shape).floats(stored);
  }

  /**
   * Tensor {@code name} as bf16 (rounded when stored wider), checked against {@code shape}, without
   * an f32 copy of a BF16 tensor.
   */
  short[] getBf16(String name, long... shape) {
    String stored = resolve(name);
    return checked(name, stored, shape).bf16(stored);
  }

  /** The file holding {@code stored} (the name {@code name} resolves to), its shape checked. */
  private SafetensorsFile checked(String name, String stored, long... shape) {
    SafetensorsFile f = byName.get(stored);
    if (f == null) {
      throw new IllegalArgumentException(
          dir + ": tensor " + name + " is missing (is this the right model type?)");
    }
    long[] actual = f.tensors().get(stored).shape();
    if (!Arrays.equals(actual, shape)) {
      throw new IllegalArgumentException(
          dir
              + ": tensor "
              + name
              + " has shape "
              + Arrays.toString(actual)
              + ", config.json implies "
              + Arrays.toString(shape));
    }
    return f;
  }

  /** Whether any stored tensor of two or more dimensions (a matrix) is BF16. */
  boolean storesBf16Matrices() {
    for (SafetensorsFile f : files) {
      for (SafetensorsFile.TensorInfo t : f.tensors().values()) {
        if (t.shape().length >= 2 && t.dtype().equals("BF16")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Like {@link #get} but null when absent. */
  float[] optional(String name, long... shape) {
    return has(name) ? get(name, shape) : null;
  }

  private String resolve(String name) {
    return aliases.getOrDefault(name, name);
  }

  @Override
  public void close() {
    for (SafetensorsFile f : files) {
      f.close();
    }
  }
}
