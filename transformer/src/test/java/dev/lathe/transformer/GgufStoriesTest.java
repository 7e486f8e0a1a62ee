package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.Rope;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.Parameter;
import dev.lathe.transformer.train.TokenBatch;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * llama.cpp's own test model {@code stories260K.gguf} (GGUF v3, F32) against the llama2.c
 * checkpoint it was converted from: the same weights bit for bit, and llama2.c's published greedy
 * output (an independent implementation's) from the GGUF model.
 */
class GgufStoriesTest {

  private static LlamaModel gguf() throws Exception {
    Path file = SharedAssets.require("models/gguf/stories260K.gguf");
    LoadedModel loaded = ModelLoader.load(file);
    assertThat(loaded.modelType()).isEqualTo("llama");
    return (LlamaModel) loaded.model();
  }

  @Test
  void headerAndMetadataAreReadAsWritten() throws Exception {
    try (GgufFile g = GgufFile.open(SharedAssets.require("models/gguf/stories260K.gguf"))) {
      assertThat(g.string("general.architecture")).isEqualTo("llama");
      assertThat(g.string("tokenizer.ggml.model")).isEqualTo("llama");
      assertThat(g.array("tokenizer.ggml.tokens")).hasSize(512);
      assertThat(g.array("tokenizer.ggml.scores")).hasSize(512).allMatch(Float.class::isInstance);
      assertThat(g.integer("tokenizer.ggml.bos_token_id")).isEqualTo(1);
      assertThat(g.integer("llama.embedding_length")).isEqualTo(64);
      GgufFile.TensorInfo embedding = g.tensors().get("token_embd.weight");
      assertThat(embedding.ne()).containsExactly(64, 512);
      assertThat(embedding.shape()).containsExactly(512, 64);
      assertThat(embedding.type()).isEqualTo(GgmlType.F32);
    }
  }

  @Test
  void everyWeightIsBitIdenticalToTheLlama2cCheckpoint() throws Exception {
    LlamaModel bin =
        Llama2cCheckpoint.load(SharedAssets.require("models/llama2c-stories260K/stories260K.bin"));
    LlamaModel gguf = gguf();
    LlamaConfig expected = bin.config();
    LlamaConfig actual = gguf.config();
    assertThat(actual.ropeStyle()).isEqualTo(Rope.Style.INTERLEAVED);
    assertThat(actual.withRope(expected.ropeScaling(), expected.ropeStyle()))
        .usingRecursiveComparison()
        // the converter wrote the shared classifier out as output.weight, and a context of 2048
        .ignoringFields("contextLength", "tiedEmbeddings")
        .isEqualTo(expected);
    LlamaWeights a = bin.weights();
    LlamaWeights b = gguf.weights();
    assertBits("token embedding", a.tokenEmbedding(), b.tokenEmbedding());
    assertBits("final norm", a.finalNorm(), b.finalNorm());
    assertBits("classifier", a.classifier(), b.classifier());
    List<Function<LlamaWeights.Layer<float[]>, float[]>> parts =
        List.of(
            LlamaWeights.Layer::attnNorm,
            LlamaWeights.Layer::wq,
            LlamaWeights.Layer::wk,
            LlamaWeights.Layer::wv,
            LlamaWeights.Layer::wo,
            LlamaWeights.Layer::ffnNorm,
            LlamaWeights.Layer::wGate,
            LlamaWeights.Layer::wUp,
            LlamaWeights.Layer::wDown);
    for (int l = 0; l < expected.layers(); l++) {
      for (int p = 0; p < parts.size(); p++) {
        assertBits(
            "layer " + l + " part " + p,
            parts.get(p).apply(a.layers().get(l)),
            parts.get(p).apply(b.layers().get(l)));
      }
    }
  }

  @Test
  void greedyTwoHundredStepsFromBosReproducesLlama2c() throws Exception {
    Path vector = SharedAssets.require("testvectors/published/llama2c_stories260K_greedy.json");
    LlamaModel model = gguf();
    int steps = 200;
    int[] ids = new int[steps + 1];
    ids[0] = 1; // BOS
    KvCache cache = model.newCache(steps);
    float[] logits = new float[model.vocabularySize()];
    for (int pos = 0; pos < steps; pos++) {
      model.forward(ids, pos, 1, cache, logits);
      int best = 0;
      for (int v = 1; v < logits.length; v++) {
        best = logits[v] > logits[best] ? v : best;
      }
      ids[pos + 1] = best;
    }
    Matcher m =
        Pattern.compile("\"generated_ids\"\\s*:\\s*\\[([^\\]]*)\\]")
            .matcher(Files.readString(vector));
    assertThat(m.find()).isTrue();
    int[] expected =
        Arrays.stream(m.group(1).split(","))
            .map(String::trim)
            .mapToInt(Integer::parseInt)
            .toArray();
    assertThat(Arrays.copyOfRange(ids, 1, steps + 1)).containsExactly(expected);
  }

  @Test
  void oneLoraStepOnTheGgufModelEqualsTheSameStepOnTheBin() throws Exception {
    LoadedModel bin =
        ModelLoader.load(SharedAssets.require("models/llama2c-stories260K/stories260K.bin"));
    LoadedModel gguf = ModelLoader.load(SharedAssets.require("models/gguf/stories260K.gguf"));
    int[] tokens = {1, 403, 407, 261, 378, 430, 271, 350};
    int[] targets = {403, 407, 261, 378, 430, 271, 350, -1};
    TokenBatch batch =
        new TokenBatch(
            1, 8, tokens, targets, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, new int[8], 1, null);
    LoraConfig lora = LoraConfig.of(4, 8, 0);
    TrainableModel a = Training.lora(bin, lora, new SplittableRandom(7));
    TrainableModel b = Training.lora(gguf, lora, new SplittableRandom(7));
    double lossA = a.forwardBackward(batch, new float[] {1}).lossSum();
    double lossB = b.forwardBackward(batch, new float[] {1}).lossSum();
    assertThat(lossB).isFinite().isGreaterThan(0).isEqualTo(lossA);
    boolean moved = false;
    for (int p = 0; p < a.trainableParameters().size(); p++) {
      Parameter pa = a.trainableParameters().get(p);
      Parameter pb = b.trainableParameters().get(p);
      assertThat(pb.name()).isEqualTo(pa.name());
      assertBits(pb.name() + " grad", pa.grad(), pb.grad());
      for (float g : pb.grad()) {
        moved |= g != 0;
      }
    }
    assertThat(moved).as("some LoRA gradient is non-zero").isTrue();
  }

  private static void assertBits(String what, float[] expected, float[] actual) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
        throw new AssertionError(
            what + "[" + i + "]: " + actual[i] + " where the .bin holds " + expected[i]);
      }
    }
  }
}
