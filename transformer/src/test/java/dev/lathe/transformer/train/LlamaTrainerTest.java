package dev.lathe.transformer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.transformer.DoubleKernels;
import dev.lathe.transformer.GenerationConfig;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Properties of the Llama-family training path beyond its gradients. */
class LlamaTrainerTest {
  private static final float[] SCALE = {0.5f, -0.3f, 0.25f};

  @ParameterizedTest
  @ValueSource(strings = {"llama", "mistral", "qwen2", "qwen3"})
  void evaluationEqualsTheInferencePathTokenByToken(String type) {
    LoadedModel model = TrainFixtures.model(type, 3);
    TokenBatch batch = TrainFixtures.packedBatch();
    double[] trained = Training.full(model).evaluate(batch).segmentLogProb();
    double[] inference = inferenceLogProbs(model.model(), batch);
    for (int s = 0; s < trained.length; s++) {
      assertThat(trained[s]).as("example %d", s).isCloseTo(inference[s], within(2e-4));
    }
  }

  @Test
  void anExampleSplitAcrossRowsIsRejected() {
    TokenBatch ok = TrainFixtures.packedBatch();
    int[] segments = ok.segments().clone();
    segments[12] = 0; // row 1 padding claims example 0 of row 0
    TokenBatch split =
        new TokenBatch(2, 7, ok.tokens(), ok.targets(), ok.positions(), segments, 3, null);
    assertThatThrownBy(() -> Training.full(TrainFixtures.model("llama", 3)).evaluate(split))
        .hasMessageContaining(
            "segment 0 appears at row 0, position 0 and again at row 1, position 5");
  }

  @Test
  void aFreshLoraModelAndDisabledAdaptersGiveExactlyTheBaseModel() {
    LoadedModel model = TrainFixtures.model("qwen3", 3);
    TokenBatch batch = TrainFixtures.packedBatch();
    double[] base = Training.full(model).evaluate(batch).segmentLogProb();
    LlamaTrainer lora =
        (LlamaTrainer) Training.lora(model, LoraConfig.DEFAULT, new SplittableRandom(5));
    assertThat(lora.evaluate(batch).segmentLogProb()).containsExactly(base); // B = 0
    randomizeB(lora, 6);
    assertThat(lora.evaluate(batch).segmentLogProb()).isNotEqualTo(base);
    lora.setAdaptersEnabled(false);
    assertThat(lora.evaluate(batch).segmentLogProb()).containsExactly(base);
    lora.setAdaptersEnabled(true);
    assertThat(lora.evaluate(batch).segmentLogProb()).isNotEqualTo(base);
  }

  @Test
  void loraNeverWritesTheBaseWeights() {
    LoadedModel model = TrainFixtures.model("qwen2", 3);
    List<float[]> before = new ArrayList<>();
    for (Parameter p : Training.full(model).trainableParameters()) {
      before.add(p.value().clone());
    }
    LlamaTrainer lora =
        (LlamaTrainer) Training.lora(model, LoraConfig.of(4, 8, 0.1), new SplittableRandom(5));
    randomizeB(lora, 6);
    lora.forwardBackward(TrainFixtures.packedBatch(), SCALE);
    lora.mergedWeights();
    List<Parameter> after = Training.full(model).trainableParameters();
    for (int i = 0; i < after.size(); i++) {
      assertThat(after.get(i).value()).as(after.get(i).name()).containsExactly(before.get(i));
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void packedExamplesGiveTheSameLogProbsAndGradientsAsSeparateRows(boolean lora) {
    LoadedModel model = TrainFixtures.model("llama", 3);
    TrainableModel packed = trainer(model, lora);
    TrainableModel separate = trainer(model, lora);
    BatchResult p = packed.forwardBackward(TrainFixtures.packedBatch(), SCALE);
    BatchResult s = separate.forwardBackward(TrainFixtures.separateBatch(), SCALE);
    assertThat(p.segmentTokens()).containsExactly(s.segmentTokens()).containsExactly(2, 1, 3);
    for (int i = 0; i < 3; i++) {
      assertThat(p.segmentLogProb()[i]).isCloseTo(s.segmentLogProb()[i], within(1e-5));
    }
    List<Parameter> a = packed.trainableParameters();
    List<Parameter> b = separate.trainableParameters();
    for (int i = 0; i < a.size(); i++) {
      float[] ga = a.get(i).grad();
      float[] gb = b.get(i).grad();
      for (int j = 0; j < ga.length; j++) {
        assertThat(ga[j])
            .as(a.get(i).name())
            .isCloseTo(gb[j], within(1e-5f + 1e-4f * Math.abs(gb[j])));
      }
    }
  }

  /**
   * Same seed, same dropout masks: bit-identical gradients with the default (Vector API) kernels,
   * whose float reductions sum lanes in a fixed order whether interpreted or JIT-compiled. Another
   * seed draws other masks and changes the gradients far more.
   */
  @Test
  void theSameSeedGivesBitIdenticalGradientsWithDropoutAndADifferentSeedDoesNot() {
    LoadedModel model = TrainFixtures.model("qwen3", 3);
    LoraConfig lc = LoraConfig.of(4, 8, 0.1);
    float[][] first = twoSteps(Training.lora(model, lc, new SplittableRandom(42)));
    float[][] again = twoSteps(Training.lora(model, lc, new SplittableRandom(42)));
    float[][] other = twoSteps(Training.lora(model, lc, new SplittableRandom(43)));
    assertThat(again).isDeepEqualTo(first);
    assertThat(maxRelativeDifference(other, first)).isGreaterThan(1e-2);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void recomputingTheFeedForwardOutputChangesNoBit(boolean lora) {
    LoadedModel model = TrainFixtures.model("mistral", 3);
    TrainableModel saved =
        lora
            ? Training.lora(model, LoraConfig.of(4, 8, 0.1), new SplittableRandom(1), false)
            : Training.full(model, false);
    TrainableModel recomputed =
        lora
            ? Training.lora(model, LoraConfig.of(4, 8, 0.1), new SplittableRandom(1), true)
            : Training.full(model, true);
    if (lora) {
      randomizeB(saved, 2);
      randomizeB(recomputed, 2);
    }
    BatchResult a = saved.forwardBackward(TrainFixtures.packedBatch(), SCALE);
    BatchResult b = recomputed.forwardBackward(TrainFixtures.packedBatch(), SCALE);
    assertThat(b.segmentLogProb()).containsExactly(a.segmentLogProb());
    for (int i = 0; i < saved.trainableParameters().size(); i++) {
      assertThat(recomputed.trainableParameters().get(i).grad())
          .containsExactly(saved.trainableParameters().get(i).grad());
    }
  }

  @Test
  void mergedWeightsRunByTheInferenceModelEqualTheAdaptedModel() {
    LoadedModel model = TrainFixtures.model("qwen2", 3);
    LlamaTrainer lora =
        (LlamaTrainer) Training.lora(model, LoraConfig.of(4, 8, 0), new SplittableRandom(5));
    randomizeB(lora, 6);
    LlamaWeights merged = lora.mergedWeights();
    LoadedModel mergedModel =
        new LoadedModel(
            new LlamaModel(lora.config(), merged), "qwen2", lora.config(), GenerationConfig.EMPTY);
    TokenBatch batch = TrainFixtures.packedBatch();
    double[] adapted = lora.evaluate(batch).segmentLogProb();
    double[] viaMerge = inferenceLogProbs(mergedModel.model(), batch);
    for (int s = 0; s < adapted.length; s++) {
      assertThat(adapted[s]).isCloseTo(viaMerge[s], within(2e-4));
    }
    assertThat(Training.full(model).evaluate(batch).segmentLogProb()[0])
        .isNotCloseTo(adapted[0], within(1e-3));
  }

  @Test
  void adapterTensorsHavePeftNamesShapesAndInitialisation() {
    LoadedModel model = TrainFixtures.model("llama", 3);
    LlamaTrainer lora =
        (LlamaTrainer) Training.lora(model, LoraConfig.DEFAULT, new SplittableRandom(5));
    List<Parameter> ps = lora.trainableParameters();
    assertThat(ps).hasSize(2 * 7 * 2);
    Parameter a = lora.parameter("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight");
    Parameter b = lora.parameter("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight");
    assertThat(a.shape()).containsExactly(16, 24); // (r, in = F)
    assertThat(b.shape()).containsExactly(16, 16); // (out = C, r)
    double bound = 1 / Math.sqrt(24);
    for (float v : a.value()) {
      assertThat(Math.abs(v)).isLessThanOrEqualTo((float) bound);
    }
    double sumSq = 0;
    for (float v : a.value()) {
      sumSq += v * v;
    }
    // uniform in ±bound has variance bound²/3
    assertThat(sumSq / a.value().length).isCloseTo(bound * bound / 3, within(bound * bound / 10));
    assertThat(b.value()).containsOnly(0f);
    assertThat(ps.get(0).name())
        .isEqualTo("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
    float[] values = new float[b.value().length];
    values[3] = 0.5f;
    lora.setParameter(b.name(), values);
    assertThat(b.value()[3]).isEqualTo(0.5f);
    assertThatThrownBy(() -> lora.setParameter(b.name(), new float[2]))
        .hasMessageContaining("holds 256 values, got 2");
    assertThatThrownBy(() -> lora.parameter("nope")).hasMessageContaining("no trainable parameter");
  }

  @Test
  void loraTargetsChooseTheAdaptedProjections() {
    LoadedModel model = TrainFixtures.model("llama", 3);
    LoraConfig attention = new LoraConfig(2, 4, 0, java.util.Set.of("q_proj", "v_proj"));
    List<Parameter> ps =
        Training.lora(model, attention, new SplittableRandom(5)).trainableParameters();
    assertThat(ps)
        .extracting(Parameter::name)
        .containsExactly(
            "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
            "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
            "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
            "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
            "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight",
            "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight",
            "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight",
            "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
  }

  @Test
  void fullFineTuningNamesEveryWeightAsHuggingFaceAndHasNoAdapters() {
    LlamaTrainer full = (LlamaTrainer) Training.full(TrainFixtures.model("mistral", 3));
    assertThat(full.trainableParameters().get(0).name()).isEqualTo("model.embed_tokens.weight");
    assertThat(full.trainableParameters().getLast().name()).isEqualTo("lm_head.weight");
    assertThat(full.parameter("model.layers.1.mlp.gate_proj.weight").shape())
        .containsExactly(24, 16);
    assertThatThrownBy(() -> full.setAdaptersEnabled(false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no adapters");
  }

  @Test
  void badInputGetsAClearError() {
    LlamaTrainer full = (LlamaTrainer) Training.full(TrainFixtures.model("llama", 3));
    TokenBatch ok = TrainFixtures.packedBatch();
    assertThatThrownBy(() -> full.forwardBackward(ok, new float[2]))
        .hasMessageContaining("segmentScale has 2 entries but the batch has 3 segments");
    int[] tokens = ok.tokens().clone();
    tokens[9] = 23;
    TokenBatch badToken =
        new TokenBatch(2, 7, tokens, ok.targets(), ok.positions(), ok.segments(), 3, null);
    assertThatThrownBy(() -> full.evaluate(badToken))
        .hasMessageContaining("token 23 at row 1, position 2 is outside the vocabulary [0, 23)");
    int[] positions = ok.positions().clone();
    positions[0] = 32;
    TokenBatch badPos =
        new TokenBatch(2, 7, ok.tokens(), ok.targets(), positions, ok.segments(), 3, null);
    assertThatThrownBy(() -> full.evaluate(badPos))
        .hasMessageContaining("outside the model's context");
    assertThatThrownBy(() -> new LoraConfig(0, 8, 0, LoraConfig.LLAMA_LINEAR))
        .hasMessageContaining("rank must be >= 1");
    assertThatThrownBy(() -> new LoraConfig(8, 8, 1, LoraConfig.LLAMA_LINEAR))
        .hasMessageContaining("dropout must be in [0, 1)");
    assertThatThrownBy(() -> new LoraConfig(8, 8, 0, java.util.Set.of("qproj")))
        .hasMessageContaining("unknown LoRA targets [qproj]");
  }

  /** max over tensors of max |a − b| / max |b|. */
  private static double maxRelativeDifference(float[][] a, float[][] b) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      double scale = 0;
      double diff = 0;
      for (int j = 0; j < a[i].length; j++) {
        scale = Math.max(scale, Math.abs(b[i][j]));
        diff = Math.max(diff, Math.abs(a[i][j] - b[i][j]));
      }
      worst = Math.max(worst, diff / Math.max(scale, 1e-30));
    }
    return worst;
  }

  private static float[][] twoSteps(TrainableModel t) {
    randomizeB(t, 9);
    t.zeroGradients();
    t.forwardBackward(TrainFixtures.packedBatch(), SCALE);
    t.forwardBackward(TrainFixtures.separateBatch(), SCALE);
    List<Parameter> ps = t.trainableParameters();
    float[][] g = new float[ps.size()][];
    for (int i = 0; i < g.length; i++) {
      g[i] = ps.get(i).grad().clone();
    }
    return g;
  }

  private static TrainableModel trainer(LoadedModel model, boolean lora) {
    if (!lora) {
      return Training.full(model);
    }
    LlamaTrainer t =
        (LlamaTrainer) Training.lora(model, LoraConfig.of(4, 8, 0), new SplittableRandom(5));
    randomizeB(t, 6);
    return t;
  }

  static void randomizeB(TrainableModel t, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    for (Parameter p : t.trainableParameters()) {
      if (p.name().endsWith("lora_B.weight")) {
        t.setParameter(p.name(), TrainFixtures.random(r, p.value().length, 0.3f));
      }
    }
  }

  /** Per example: Σ log p(target) computed by the inference model, one token at a time. */
  static double[] inferenceLogProbs(LanguageModel m, TokenBatch b) {
    double[] out = new double[b.segmentCount()];
    float[] logits = new float[m.vocabularySize()];
    KvCache cache = null;
    int prev = -2;
    for (int i = 0; i < b.rows() * b.seqLen(); i++) {
      int seg = b.segments()[i];
      if (seg < 0) {
        prev = -2;
        continue;
      }
      if (seg != prev) {
        cache = m.newCache(b.seqLen());
        prev = seg;
      }
      m.forward(b.tokens(), i, 1, cache, logits);
      int target = b.targets()[i];
      if (target >= 0) {
        double[] z = new double[logits.length];
        for (int v = 0; v < z.length; v++) {
          z[v] = logits[v];
        }
        out[seg] += DoubleKernels.logProb(z, target);
      }
    }
    return out;
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }

  private static org.assertj.core.data.Offset<Float> within(float d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}
