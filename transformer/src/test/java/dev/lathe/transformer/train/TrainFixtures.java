package dev.lathe.transformer.train;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import dev.lathe.transformer.GenerationConfig;
import dev.lathe.transformer.Gpt2Config;
import dev.lathe.transformer.Gpt2Model;
import dev.lathe.transformer.Gpt2Weights;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.TinyModels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Tiny seeded models and packed batches for the training tests. */
final class TrainFixtures {
  private TrainFixtures() {}

  /**
   * A tiny config of one flavour: llama (llama3 RoPE scaling, tied), llama2c (interleaved RoPE),
   * mistral (untied), qwen2 (q/k/v bias), qwen3 (biases, QK-norm, explicit head_dim).
   */
  static LlamaConfig config(String type) {
    boolean qwen3 = type.equals("qwen3");
    return new LlamaConfig(
        16,
        24,
        2,
        4,
        2,
        qwen3 ? 8 : 4,
        23,
        32,
        1e-6f,
        type.startsWith("qwen") ? 1_000_000 : 10_000,
        type.equals("llama") ? new RopeScaling("llama3", 8, 1, 4, 16) : RopeScaling.NONE,
        type.equals("llama2c") ? Rope.Style.INTERLEAVED : Rope.Style.ROTATE_HALF,
        type.equals("qwen2") || qwen3,
        qwen3,
        qwen3,
        !type.equals("mistral"));
  }

  static LlamaWeights weights(LlamaConfig c, long seed) {
    return TinyModels.llama(c, seed, 0.4f, 0.3f);
  }

  static LoadedModel model(String type, long seed) {
    if (type.equals("gpt2")) {
      Gpt2Config g = new Gpt2Config(16, 40, 2, 4, 23, 32, 1e-5f);
      return new LoadedModel(new Gpt2Model(g, gpt2(g, seed)), type, g, GenerationConfig.EMPTY);
    }
    LlamaConfig c = config(type);
    return new LoadedModel(new LlamaModel(c, weights(c, seed)), type, c, GenerationConfig.EMPTY);
  }

  static Gpt2Weights gpt2(Gpt2Config c, long seed) {
    return TinyModels.gpt2(c, seed, 0.4f, 0.3f);
  }

  /**
   * Two rows of 7: row 0 packs example 0 (4 positions) and example 1 (3); row 1 holds example 2 (5)
   * and 2 padding positions. Targets are the next token inside each example, with the first
   * position of each example untrained (a prompt) and each example's last position untrained.
   */
  static TokenBatch packedBatch() {
    int[] tokens = {3, 17, 9, 5, 20, 1, 11, 8, 0, 22, 14, 7, 2, 2};
    int[] segments = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, -1, -1};
    int[] positions = {0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 3, 4, 0, 1};
    return withNextTokenTargets(2, 7, tokens, positions, segments, 3);
  }

  /** The same three examples, one per row, padded to 5. */
  static TokenBatch separateBatch() {
    int[] tokens = {3, 17, 9, 5, 2, 20, 1, 11, 2, 2, 8, 0, 22, 14, 7};
    int[] segments = {0, 0, 0, 0, -1, 1, 1, 1, -1, -1, 2, 2, 2, 2, 2};
    int[] positions = {0, 1, 2, 3, 0, 0, 1, 2, 0, 1, 0, 1, 2, 3, 4};
    return withNextTokenTargets(3, 5, tokens, positions, segments, 3);
  }

  static TokenBatch withNextTokenTargets(
      int rows, int t, int[] tokens, int[] positions, int[] segments, int count) {
    int n = rows * t;
    int[] targets = new int[n];
    for (int i = 0; i < n; i++) {
      boolean lastOfExample = i + 1 == n || i % t == t - 1 || segments[i + 1] != segments[i];
      targets[i] = segments[i] < 0 || positions[i] == 0 || lastOfExample ? -1 : tokens[i + 1];
    }
    return new TokenBatch(rows, t, tokens, targets, positions, segments, count, null);
  }

  /** Every trainable tensor of a full trainer and the given extra parameters, in double. */
  static Map<String, double[]> tensors(List<Parameter> base, List<Parameter> extra) {
    Map<String, double[]> m = new LinkedHashMap<>();
    for (List<Parameter> list : List.of(base, extra)) {
      for (Parameter p : list) {
        double[] d = new double[p.value().length];
        for (int i = 0; i < d.length; i++) {
          d[i] = p.value()[i];
        }
        m.put(p.name(), d);
      }
    }
    return m;
  }

  static float[] random(SplittableRandom r, int n, float scale) {
    return TinyModels.random(r, n, scale);
  }
}
