package dev.lathe.bench;

import dev.lathe.transformer.GgmlType;
import dev.lathe.transformer.GgufCheckpoint;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.LoadOptions;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * GGUF files of a real model's shape with random weights ({@link RandomLlamaCheckpoint}'s shapes
 * and weights), and how long {@link ModelLoader} takes to load one: mapping, parsing, dequantizing
 * to f32 (or keeping bf16) and building the model. One untimed load precedes {@code --repeat} timed
 * ones (the file is in the page cache); the median and range are printed.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.lathe.bench.GgufLoadTime \
 *   --write DIR [--shape smol135]        writes DIR/SHAPE-{f32,bf16,q8_0,q4_0}.gguf
 * java -cp bench/target/benchmarks.jar dev.lathe.bench.GgufLoadTime --load FILE [--repeat 5] \
 *   [--mmap true|false]
 * </pre>
 *
 * <p>With {@code --mmap true} (as {@code lathe serve --mmap}) a BF16 file's matrices are views of
 * the mapped file; {@code false} (the default) copies them onto the heap.
 */
public final class GgufLoadTime {
  private GgufLoadTime() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      o.put(args[i], args[i + 1]);
    }
    if (args.length % 2 != 0 || !(o.containsKey("--write") || o.containsKey("--load"))) {
      throw new IllegalArgumentException(
          "usage: --write DIR [--shape smol135|qwen05] | --load FILE [--repeat N] [--mmap B]");
    }
    if (o.containsKey("--write")) {
      String shape = o.getOrDefault("--shape", "smol135");
      LlamaConfig c = RandomLlamaCheckpoint.config(shape);
      LlamaWeights w = RandomLlamaCheckpoint.weights(c, 1);
      Path dir = Path.of(o.get("--write"));
      Files.createDirectories(dir);
      for (GgmlType t :
          new GgmlType[] {GgmlType.F32, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
        Path file = dir.resolve(shape + "-" + t.name().toLowerCase(Locale.ROOT) + ".gguf");
        // no vocabulary: llama.cpp's llama-bench reads such a file with vocab_size dummy tokens
        GgufCheckpoint.save(
            file, "llama", c, w, t, Map.of("general.name", shape, "tokenizer.ggml.model", "none"));
        System.out.printf(Locale.ROOT, "wrote %s (%.1f MB)%n", file, Files.size(file) / 1e6);
      }
      return;
    }
    Path file = Path.of(o.get("--load"));
    int repeat = Integer.parseInt(o.getOrDefault("--repeat", "5"));
    LoadOptions options =
        LoadOptions.DEFAULT.mapped(Boolean.parseBoolean(o.getOrDefault("--mmap", "false")));
    double[] seconds = new double[repeat];
    String held = "";
    for (int r = -1; r < repeat; r++) { // r == -1: warm-up
      System.gc();
      long t0 = System.nanoTime();
      LoadedModel m = ModelLoader.load(file, options);
      double s = (System.nanoTime() - t0) / 1e9;
      LlamaModel model = (LlamaModel) m.model();
      held = model.weightDtype() + (model.weightsMapped() ? " (mapped)" : "");
      if (r >= 0) {
        seconds[r] = s;
      }
    }
    Arrays.sort(seconds);
    System.out.printf(
        Locale.ROOT,
        "load %s  %.1f MB  held as %s  median %.2f s (min %.2f max %.2f) over %d loads%n",
        file.getFileName(),
        Files.size(file) / 1e6,
        held,
        seconds[repeat / 2],
        seconds[0],
        seconds[repeat - 1],
        repeat);
  }
}
