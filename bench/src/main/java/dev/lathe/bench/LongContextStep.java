package dev.lathe.bench;

import dev.lathe.transformer.BatchDecoder;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.KvDtype;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LoadOptions;
import dev.lathe.transformer.ModelLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Decode steps deep into long sequences, with the key/value caches in f32 and in bf16: {@code
 * --rows} sequences each prefilled with {@code --positions} random tokens, then {@code --steps}
 * batched decode steps ({@link BatchDecoder#step}) of all rows, and the same steps for one row
 * alone. Each round times both cache types, alternated; the caches are cut back to the prompt
 * between rounds, so every round decodes the same positions. Medians over {@code --rounds}.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *   dev.lathe.bench.LongContextStep [--model M] [--dtype bf16] [--rows 8] [--positions 1000]
 *   [--steps 32] [--rounds 3] [--threads 2]
 * </pre>
 *
 * <p>Without {@code --model} the weights are random, of the SmolLM2-135M shape: the same bytes and
 * arithmetic per step as the real checkpoint.
 */
public final class LongContextStep {
  private LongContextStep() {}

  public static void main(String[] args) throws Exception {
    Path model = null;
    DType dtype = DType.BF16;
    int rows = 8, positions = 1000, steps = 32, rounds = 3, threads = 2;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--model" -> model = Path.of(v);
        case "--dtype" -> dtype = LoadOptions.named(v, "--dtype").weightDtype();
        case "--rows" -> rows = Integer.parseInt(v);
        case "--positions" -> positions = Integer.parseInt(v);
        case "--steps" -> steps = Integer.parseInt(v);
        case "--rounds" -> rounds = Integer.parseInt(v);
        case "--threads" -> threads = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.setProperty("lathe.threads", Integer.toString(threads));
    LlamaModel base =
        model != null
            ? (LlamaModel) ModelLoader.load(model, LoadOptions.weights(dtype)).model()
            : new LlamaModel(
                RandomLlamaCheckpoint.config("smol135"),
                RandomLlamaCheckpoint.weights(RandomLlamaCheckpoint.config("smol135"), 1),
                dtype);
    LlamaConfig c = base.config();
    KvDtype[] types = KvDtype.values();
    Run[] runs = new Run[types.length];
    for (int t = 0; t < types.length; t++) {
      runs[t] = new Run(base.withKvDtype(types[t]), rows, positions, steps);
    }
    double[][] many = new double[types.length][rounds];
    double[][] one = new double[types.length][rounds];
    for (int r = -1; r < rounds; r++) { // r == -1: warm-up
      for (int t = 0; t < types.length; t++) {
        double m = runs[t].time(rows);
        double o = runs[t].time(1);
        if (r >= 0) {
          many[t][r] = m;
          one[t][r] = o;
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s, %s weights, %d threads: %d rows at %d-%d positions, %d steps, median of %d%n",
        model != null ? model.getFileName() : "random weights of the SmolLM2-135M shape",
        dtype,
        threads,
        rows,
        positions,
        positions + steps,
        steps,
        rounds);
    System.out.println(
        "| cache | keys and values read per step, MB | "
            + rows
            + "-row step, ms | tok/s | 1-row step, ms | tok/s |");
    System.out.println("| --- | --- | --- | --- | --- | --- |");
    for (int t = 0; t < types.length; t++) {
      double kvBytes =
          2.0 * types[t].bytes() * c.layers() * c.kvHeads() * c.headDim() * (positions + steps / 2);
      double m = median(many[t]);
      double o = median(one[t]);
      System.out.printf(
          Locale.ROOT,
          "| %s | %.0f | %.2f | %.1f | %.2f | %.1f |%n",
          types[t].configName(),
          rows * kvBytes / 1e6,
          m * 1e3,
          rows / m,
          o * 1e3,
          1 / o);
    }
  }

  /** One cache type's sequences, prefilled once. */
  private static final class Run {
    private final LanguageModel model;
    private final int positions;
    private final int steps;
    private final KvCache[] caches;
    private final LanguageModel[] models;
    private final float[][] logits;
    private final int[] tokens;
    private final BatchDecoder decoder = new BatchDecoder();

    Run(LanguageModel model, int rows, int positions, int steps) {
      this.model = model;
      this.positions = positions;
      this.steps = steps;
      this.caches = new KvCache[rows];
      this.models = new LanguageModel[rows];
      this.logits = new float[rows][model.vocabularySize()];
      this.tokens = new int[rows];
      SplittableRandom random = new SplittableRandom(5);
      for (int i = 0; i < rows; i++) {
        int[] prompt = random.ints(positions, 3, model.vocabularySize()).toArray();
        caches[i] = model.newCache(positions + steps);
        model.forward(prompt, 0, positions, caches[i], logits[i]);
        models[i] = model;
      }
    }

    /** Seconds per step of {@code rows} rows over {@link #steps} steps from the prompt's end. */
    double time(int rows) {
      for (int i = 0; i < rows; i++) {
        caches[i].truncate(positions);
        tokens[i] = 3 + i;
      }
      long t0 = System.nanoTime();
      for (int s = 0; s < steps; s++) {
        decoder.step(models, caches, tokens, logits, rows);
        for (int i = 0; i < rows; i++) {
          tokens[i] = 3 + (tokens[i] * 31 + s) % (model.vocabularySize() - 3);
        }
      }
      return (System.nanoTime() - t0) / 1e9 / steps;
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
