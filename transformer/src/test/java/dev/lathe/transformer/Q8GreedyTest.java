package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Models held in Q8_0 against the same checkpoints held in f32: greedy decoding from BOS for 50
 * tokens on the shared real checkpoints, and the memory the weights take.
 */
class Q8GreedyTest {
  private static final int TOKENS = 50;

  @Test
  void tinyStories656kGreedyOutputInQ8AgreesWithF32For50Tokens() throws Exception {
    Path dir = SharedAssets.require("models/hf-TinyStories-656K");
    LlamaModel f32 = (LlamaModel) ModelLoader.load(dir, LoadOptions.weights(DType.F32)).model();
    LlamaModel q8 = (LlamaModel) ModelLoader.load(dir, LoadOptions.weights(DType.Q8_0)).model();
    assertThat(q8.weightDtype()).isEqualTo(DType.Q8_0);
    int[] a = greedy(f32);
    int[] b = greedy(q8);
    System.out.println("656K f32 " + java.util.Arrays.toString(a));
    System.out.println("656K q8  " + java.util.Arrays.toString(b));
    assertThat(b).containsExactly(a);
    // one byte per value plus a 4-byte scale per 32, against 4 bytes per value
    assertThat((double) q8.weightBytes() / f32.weightBytes()).isLessThan(0.3);
  }

  @Test
  void stories260kGreedyOutputInQ8AgreesWithF32For50Tokens() throws Exception {
    Path bin = SharedAssets.require("models/llama2c-stories260K").resolve("stories260K.bin");
    LlamaModel f32 = (LlamaModel) ModelLoader.load(bin).model();
    LlamaModel q8 = (LlamaModel) ModelLoader.load(bin, LoadOptions.weights(DType.Q8_0)).model();
    assertThat(q8.weightDtype()).isEqualTo(DType.Q8_0);
    int[] a = greedy(f32);
    int[] b = greedy(q8);
    System.out.println("260K f32 " + java.util.Arrays.toString(a));
    System.out.println("260K q8  " + java.util.Arrays.toString(b));
    assertThat(b).containsExactly(a);
  }

  @Test
  void aGgufModelLoadsInQ8AndRequantizingItChangesNoValue() throws Exception {
    Path gguf = SharedAssets.require("models/gguf").resolve("stories260K.gguf");
    LlamaModel f32 = (LlamaModel) ModelLoader.load(gguf, LoadOptions.weights(DType.F32)).model();
    LlamaModel q8 = (LlamaModel) ModelLoader.load(gguf, LoadOptions.weights(DType.Q8_0)).model();
    // requantizing what a Q8_0 model holds changes nothing: a GGUF Q8_0 tensor loads unchanged
    LlamaModel again = new LlamaModel(q8.config(), q8.weights(), DType.Q8_0);
    assertThat(again.weights().layers().get(0).wq())
        .containsExactly(q8.weights().layers().get(0).wq());
    assertThat(greedy(q8)).hasSize(TOKENS);
    assertThat(f32.weightDtype()).isEqualTo(DType.F32);
  }

  /** BOS then the most likely token, {@link #TOKENS} times. */
  private static int[] greedy(LanguageModel m) {
    int[] out = new int[TOKENS];
    KvCache cache = m.newCache(TOKENS + 1);
    float[] logits = new float[m.vocabularySize()];
    int[] tok = {1};
    for (int i = 0; i < TOKENS; i++) {
      m.forward(tok, 0, 1, cache, logits);
      int best = 0;
      for (int v = 1; v < logits.length; v++) {
        if (logits[v] > logits[best]) {
          best = v;
        }
      }
      out[i] = best;
      tok[0] = best;
    }
    return out;
  }
}
