package dev.lathe.bench;

import dev.lathe.transformer.DType;
import dev.lathe.transformer.LoadOptions;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelConfig;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.optim.AdamW;
import dev.lathe.transformer.optim.AdamWConfig;
import dev.lathe.transformer.train.BatchResult;
import dev.lathe.transformer.train.DecoderTrainer;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.TokenBatch;
import dev.lathe.transformer.train.Training;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Whole-process training-step throughput on the real training path: {@link Training#full} or {@link
 * Training#lora} over a loaded model, {@code forwardBackward} on (B, T) rows of consecutive tokens
 * (one example per row, targets = next token, mean loss over all B·T positions), then one AdamW
 * step (lr 1e-4, β 0.9/0.999, eps 1e-8, weight decay 0: llm.c's {@code train_gpt2} settings). A
 * step is timed from the batch's forward to the end of the optimizer update, like llm.c times its
 * step. {@code --warmup} untimed steps precede {@code --steps} timed ones; medians are printed.
 *
 * <p>Tokens come from an llm.c token file ({@code --tokens}: 256 int32 header, then uint16 ids),
 * read from its start as llm.c reads it without shuffling (batch s = tokens [s·B·T, (s+1)·B·T]), or
 * are drawn at random from {@code --seed}.
 *
 * <p>FLOPs per step (the PaLM / llm.c convention, attention counted as a full T×T square): {@code 6
 * · P · B·T + 12 · L · T · A · B·T} where {@code P} counts the matmul weights (every projection and
 * the output head, not embeddings lookups, norms or biases) and {@code A} is the attention width
 * (heads · head_dim). MFU = FLOPs per step / step time / {@code --peak-gflops}, the fp32 FMA peak
 * that {@code bench/peak.sh} measured in the same run (no MFU without it). LoRA steps do less work
 * than this count: for them the FLOPs line counts the frozen weights' forward and input-gradient
 * products ({@code 4 · P · B·T}), attention as above and the adapters ({@code 6 · P_lora · B·T}),
 * and gives that count as a share of full fine-tuning's: the ratio of the two steps' times at equal
 * GFLOP/s.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *   dev.lathe.bench.TrainThroughput --model DIR [--mode full|lora] [--batch 4] [--seq 256]
 *   [--steps 10] [--warmup 3] [--threads 2] [--tokens FILE] [--dtype f32|bf16] [--recompute]
 * </pre>
 */
public final class TrainThroughput {
  private TrainThroughput() {}

  /** Parsed command line. */
  record Options(
      Path model,
      boolean lora,
      int batch,
      int seq,
      int steps,
      int warmup,
      int threads,
      Path tokens,
      DType dtype,
      boolean recompute,
      double peakGflops,
      long seed) {
    Options {
      if (batch < 1 || seq < 2 || steps < 1 || warmup < 0 || threads < 1 || !(peakGflops >= 0)) {
        throw new IllegalArgumentException(
            "--batch, --steps, --threads must be >= 1, --seq >= 2, --warmup >= 0,"
                + " --peak-gflops >= 0 (0: unknown, no MFU)");
      }
    }

    static Options parse(String[] args) {
      Path model = null;
      Path tokens = null;
      boolean lora = false;
      boolean recompute = false;
      DType dtype = null;
      int batch = 4;
      int seq = 256;
      int steps = 10;
      int warmup = 3;
      int threads = 2;
      double peak = 0;
      long seed = 1337;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (flag.equals("--recompute")) {
          recompute = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String v = args[++i];
        switch (flag) {
          case "--model" -> model = Path.of(v);
          case "--mode" ->
              lora =
                  switch (v) {
                    case "full" -> false;
                    case "lora" -> true;
                    default -> throw new IllegalArgumentException("--mode is full or lora: " + v);
                  };
          case "--batch" -> batch = Integer.parseInt(v);
          case "--seq" -> seq = Integer.parseInt(v);
          case "--steps" -> steps = Integer.parseInt(v);
          case "--warmup" -> warmup = Integer.parseInt(v);
          case "--threads" -> threads = Integer.parseInt(v);
          case "--tokens" -> tokens = Path.of(v);
          case "--peak-gflops" -> peak = Double.parseDouble(v);
          case "--seed" -> seed = Long.parseLong(v);
          case "--dtype" ->
              dtype =
                  switch (v) {
                    case "f32" -> DType.F32;
                    case "bf16" -> DType.BF16;
                    default -> throw new IllegalArgumentException("--dtype is f32 or bf16: " + v);
                  };
          default ->
              throw new IllegalArgumentException(
                  "unknown option "
                      + flag
                      + " (--model --mode --batch --seq --steps --warmup --threads --tokens"
                      + " --dtype --recompute --peak-gflops --seed)");
        }
      }
      if (model == null || !Files.isDirectory(model)) {
        throw new IllegalArgumentException("--model must name a model directory: " + model);
      }
      return new Options(
          model, lora, batch, seq, steps, warmup, threads, tokens, dtype, recompute, peak, seed);
    }
  }

  /** This process's peak resident set so far, as /proc/self/status reports it (Linux). */
  private static String peakRss() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return "unknown";
    }
    return Files.readAllLines(status).stream()
        .filter(l -> l.startsWith("VmHWM:"))
        .map(l -> l.substring(6).trim())
        .findFirst()
        .orElse("unknown");
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    // the compute pool reads its size once, when first used
    System.setProperty("lathe.threads", Integer.toString(o.threads()));
    LoadedModel loaded = ModelLoader.load(o.model(), new LoadOptions(o.dtype()).mapped(false));
    String afterLoad = peakRss();
    Shape shape = Shape.of(loaded);
    DecoderTrainer<?, ?, ?, ?> model =
        o.lora()
            ? Training.lora(
                loaded, LoraConfig.DEFAULT, new SplittableRandom(o.seed()), o.recompute())
            : Training.full(loaded, o.recompute());
    AdamW adamw = new AdamW(new AdamWConfig(0.9, 0.999, 1e-8, 0), model.trainableParameters());
    long trainable = model.trainableParameters().stream().mapToLong(p -> p.value().length).sum();
    int n = o.batch() * o.seq();
    int[] stream = tokens(o, shape.vocab(), (o.warmup() + o.steps()) * n + 1);
    float[] scale = new float[o.batch()];
    Arrays.fill(scale, 1f / n);
    double[] ms = new double[o.steps()];
    // CPU time of the whole process: on a busy machine it shows the work apart from the waiting
    var os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    System.out.printf(
        Locale.ROOT,
        "model %s (%s)  mode %s  base held in %s  B=%d T=%d  threads %d  trainable parameters"
            + " %d%n",
        o.model().getFileName(),
        loaded.modelType(),
        o.lora() ? "lora r16 all-linear" : "full",
        model.baseDtype(),
        o.batch(),
        o.seq(),
        o.threads(),
        trainable);
    for (int s = 0; s < o.warmup() + o.steps(); s++) {
      TokenBatch batch = batch(stream, s * n, o.batch(), o.seq());
      long t0 = System.nanoTime();
      long cpu0 = os.getProcessCpuTime();
      model.zeroGradients();
      BatchResult r = model.forwardBackward(batch, scale);
      adamw.step(1e-4);
      double stepMs = (System.nanoTime() - t0) / 1e6;
      double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6;
      double loss = r.lossSum() / r.trainedTokens();
      System.out.printf(
          Locale.ROOT,
          "step %d: train loss %.6f (took %.1f ms)  process cpu %.1f ms%s%n",
          s,
          loss,
          stepMs,
          cpuMs,
          s < o.warmup() ? " warm-up" : "");
      if (s >= o.warmup()) {
        ms[s - o.warmup()] = stepMs;
      }
    }
    System.out.println(
        "peak RSS (VmHWM): after load " + afterLoad + ", after the steps " + peakRss());
    double med = median(ms);
    double flops = shape.flopsPerStep(o.batch(), o.seq());
    System.out.printf(
        Locale.ROOT,
        "step ms %.1f (min %.1f max %.1f)  tok/s %.0f  [median of %d steps after %d warm-up]%n",
        med,
        Arrays.stream(ms).min().orElseThrow(),
        Arrays.stream(ms).max().orElseThrow(),
        n / (med / 1e3),
        o.steps(),
        o.warmup());
    if (!o.lora()) {
      double gflops = flops / (med / 1e3) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "flops/step %.4g = 6*%d*%d + 12*%d*%d*%d*%d  GFLOP/s %.1f%s%n",
          flops,
          shape.matmulParams(),
          n,
          shape.layers(),
          o.seq(),
          shape.attentionWidth(),
          n,
          gflops,
          o.peakGflops() > 0
              ? String.format(
                  Locale.ROOT,
                  "  MFU %.1f%% of %.1f GFLOP/s",
                  100 * gflops / o.peakGflops(),
                  o.peakGflops())
              : "");
    } else {
      double lora = shape.loraFlopsPerStep(o.batch(), o.seq(), trainable);
      System.out.printf(
          Locale.ROOT,
          "flops/step %.4g = 4*%d*%d + 12*%d*%d*%d*%d + 6*%d*%d (frozen weights: forward and input"
              + " gradient; adapters: all three)  %.3fx the full step's %.4g  GFLOP/s %.1f%n",
          lora,
          shape.matmulParams(),
          n,
          shape.layers(),
          o.seq(),
          shape.attentionWidth(),
          n,
          trainable,
          n,
          lora / flops,
          flops,
          lora / (med / 1e3) / 1e9);
    }
  }

  /** The dimensions that the FLOP count needs. */
  record Shape(long matmulParams, int layers, int attentionWidth, int vocab) {
    static Shape of(LoadedModel m) {
      ModelConfig c = m.config();
      return new Shape(
          c.layers() * c.projectionWeights() + (long) c.vocabSize() * c.dim(),
          c.layers(),
          c.heads() * c.headDim(),
          c.vocabSize());
    }

    double flopsPerStep(int b, int t) {
      double tokens = (double) b * t;
      return 6.0 * matmulParams * tokens + 12.0 * layers * t * attentionWidth * tokens;
    }

    /**
     * A LoRA step: the frozen weights' forward and input-gradient products (no weight gradient),
     * attention as in full fine-tuning, and the adapters' three products ({@code trainable} their
     * parameters).
     */
    double loraFlopsPerStep(int b, int t, long trainable) {
      double tokens = (double) b * t;
      return 4.0 * matmulParams * tokens
          + 12.0 * layers * t * attentionWidth * tokens
          + 6.0 * trainable * tokens;
    }
  }

  /** {@code count} token ids from the llm.c token file, or random ones when none is given. */
  private static int[] tokens(Options o, int vocab, int count) throws IOException {
    int[] ids = new int[count];
    if (o.tokens() == null) {
      SplittableRandom r = new SplittableRandom(o.seed());
      for (int i = 0; i < count; i++) {
        ids[i] = r.nextInt(vocab);
      }
      return ids;
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(o.tokens())).order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < 1024 || b.getInt(0) != 20240520 || b.getInt(4) != 1) {
      throw new IOException(
          o.tokens() + ": not an llm.c token file (magic 20240520, version 1 expected)");
    }
    int have = b.getInt(8);
    if (have < count || b.capacity() < 1024 + 2L * have) {
      throw new IOException(
          o.tokens()
              + " holds "
              + have
              + " tokens; this run needs "
              + count
              + ": write more (make_random_gpt2.py --tokens) or take fewer steps");
    }
    for (int i = 0; i < count; i++) {
      ids[i] = Short.toUnsignedInt(b.getShort(1024 + 2 * i));
      if (ids[i] >= vocab) {
        throw new IOException(o.tokens() + ": token " + ids[i] + " at " + i + " >= vocab " + vocab);
      }
    }
    return ids;
  }

  /** Rows of consecutive tokens from {@code start}; one example per row, every position trained. */
  private static TokenBatch batch(int[] stream, int start, int rows, int seq) {
    int n = rows * seq;
    int[] tokens = Arrays.copyOfRange(stream, start, start + n);
    int[] targets = Arrays.copyOfRange(stream, start + 1, start + n + 1);
    int[] positions = new int[n];
    int[] segments = new int[n];
    for (int i = 0; i < n; i++) {
      positions[i] = i % seq;
      segments[i] = i / seq;
    }
    return new TokenBatch(rows, seq, tokens, targets, positions, segments, rows, null);
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
