package dev.lathe.bench;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.HfCheckpointWriter;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a Hugging Face directory holding a Llama-family model of a real model's shape with random
 * weights, for the training benchmarks (only the shape matters for their timings and memory):
 *
 * <ul>
 *   <li>{@code smol135}: SmolLM2-135M (llama; hidden 576, 30 layers, 9 heads, 3 KV heads,
 *       intermediate 1536, vocab 49152, tied embeddings, rope theta 100000)
 *   <li>{@code qwen05}: Qwen2.5-0.5B (qwen2; hidden 896, 24 layers, 14 heads, 2 KV heads,
 *       intermediate 4864, vocab 151936, tied embeddings, q/k/v bias, rope theta 1e6)
 * </ul>
 *
 * Matrices are uniform with standard deviation 0.02, biases 0, norms 1, drawn from {@code --seed}.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.lathe.bench.RandomLlamaCheckpoint \
 *   --shape smol135|qwen05 --out DIR [--dtype f32|bf16] [--seed 1]
 * </pre>
 */
public final class RandomLlamaCheckpoint {
  private RandomLlamaCheckpoint() {}

  public static void main(String[] args) throws Exception {
    String shape = null;
    Path out = null;
    DType dtype = DType.F32;
    long seed = 1;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--shape" -> shape = v;
        case "--out" -> out = Path.of(v);
        case "--dtype" -> dtype = v.equals("bf16") ? DType.BF16 : DType.F32;
        case "--seed" -> seed = Long.parseLong(v);
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + " (--shape --out --dtype --seed)");
      }
    }
    if (shape == null || out == null || args.length % 2 != 0) {
      throw new IllegalArgumentException(
          "usage: --shape smol135|qwen05 --out DIR [--dtype f32|bf16] [--seed N]");
    }
    LlamaConfig c = config(shape);
    String type = c.attentionBias() ? "qwen2" : "llama";
    HfCheckpointWriter.save(out, type, c, weights(c, seed), dtype);
    System.out.println("wrote " + out + ": " + shape + " (" + type + ", " + dtype + ")");
  }

  /** The named shape. */
  static LlamaConfig config(String shape) {
    return switch (shape) {
      case "smol135" ->
          new LlamaConfig(
              576,
              1536,
              30,
              9,
              3,
              64,
              49152,
              2048,
              1e-5f,
              100_000,
              RopeScaling.NONE,
              Rope.Style.ROTATE_HALF,
              false,
              false,
              false,
              true);
      case "qwen05" ->
          new LlamaConfig(
              896,
              4864,
              24,
              14,
              2,
              64,
              151936,
              4096,
              1e-6f,
              1_000_000,
              RopeScaling.NONE,
              Rope.Style.ROTATE_HALF,
              true,
              false,
              false,
              true);
      default -> throw new IllegalArgumentException("--shape is smol135 or qwen05: " + shape);
    };
  }

  static LlamaWeights weights(LlamaConfig c, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int C = c.dim();
    int F = c.hiddenDim();
    int q = c.queryDim();
    int kv = c.kvDim();
    float[] embedding = uniform(r, (long) c.vocabSize() * C);
    List<LlamaWeights.Layer<float[]>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      boolean b = c.attentionBias();
      layers.add(
          new LlamaWeights.Layer<>(
              ones(C),
              uniform(r, (long) q * C),
              uniform(r, (long) kv * C),
              uniform(r, (long) kv * C),
              uniform(r, (long) C * q),
              b ? new float[q] : null,
              b ? new float[kv] : null,
              b ? new float[kv] : null,
              null,
              null,
              null,
              ones(C),
              uniform(r, (long) F * C),
              uniform(r, (long) F * C),
              uniform(r, (long) C * F)));
    }
    return new LlamaWeights(embedding, layers, ones(C), embedding);
  }

  /** Uniform in ±0.02·√3 (standard deviation 0.02). */
  private static float[] uniform(SplittableRandom r, long n) {
    float[] a = new float[Math.toIntExact(n)];
    float half = (float) (0.02 * Math.sqrt(3));
    for (int i = 0; i < a.length; i++) {
      a[i] = (r.nextFloat() * 2 - 1) * half;
    }
    return a;
  }

  private static float[] ones(int n) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, 1f);
    return a;
  }
}
