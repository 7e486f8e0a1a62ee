package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each family's forward pass against an independent double-precision reference of the Hugging Face
 * modeling code, on tiny seeded random checkpoints written as HF directories: Llama with Llama-3
 * RoPE scaling, Mistral with an untied head, Qwen2 q/k/v biases, Qwen3 per-head QK-norm with an
 * explicit head_dim, GPT-2 with Conv1D weights and learned positions.
 */
class FamilyReferenceTest {

  @ParameterizedTest
  @ValueSource(strings = {"llama", "mistral", "qwen2", "qwen3"})
  void llamaFamilyMatchesTheDoubleReferenceWithin1e4(String type, @TempDir Path dir)
      throws Exception {
    LlamaConfig c = TinyModels.config(type);
    HfCheckpointWriter.save(dir, type, c, TinyModels.llama(c, 11), DType.F32);
    double[] expected = new ReferenceLlama(dir).lastLogits(TinyModels.PROMPT);
    float[] actual = TinyModels.logits(ModelLoader.load(dir).model());
    assertThat(maxDifference(actual, expected)).as(type).isLessThan(1e-4);
  }

  @Test
  void gpt2MatchesTheDoubleReferenceWithin1e4(@TempDir Path dir) throws Exception {
    Gpt2Config c = TinyModels.gpt2Config();
    HfCheckpointWriter.save(dir, c, TinyModels.gpt2(c, 11), DType.F32);
    double[] expected = new ReferenceGpt2(dir).lastLogits(TinyModels.PROMPT);
    float[] actual = TinyModels.logits(ModelLoader.load(dir).model());
    assertThat(maxDifference(actual, expected)).isLessThan(1e-4);
  }

  @Test
  void llama3ScalingChangesTheLogitsSoTheReferenceReallyChecksIt(@TempDir Path dir)
      throws Exception {
    LlamaConfig c = TinyModels.config("llama");
    HfCheckpointWriter.save(dir, "llama", c, TinyModels.llama(c, 11), DType.F32);
    LlamaConfig unscaled = c.withRope(dev.lathe.tensor.RopeScaling.NONE, c.ropeStyle());
    float[] plain = TinyModels.logits(new LlamaModel(unscaled, TinyModels.llama(c, 11)));
    double[] expected = new ReferenceLlama(dir).lastLogits(TinyModels.PROMPT);
    assertThat(maxDifference(plain, expected)).isGreaterThan(1e-3);
  }

  private static double maxDifference(float[] a, double[] b) {
    assertThat(a).hasSize(b.length);
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }
}
