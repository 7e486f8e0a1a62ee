package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.Rope;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A llama2.c checkpoint (interleaved RoPE) saved as a Hugging Face directory gets its q/k rows
 * permuted for rotate-half RoPE; reloaded it computes the same function.
 */
class Llama2cExportTest {

  @Test
  void stories260KExportedToHfFormatComputesTheSameLogitsAndGreedyText(@TempDir Path dir)
      throws Exception {
    LlamaModel original =
        Llama2cCheckpoint.load(SharedAssets.require("models/llama2c-stories260K/stories260K.bin"));
    HfCheckpointWriter.save(dir, "llama", original.config(), original.weights(), DType.F32);
    LoadedModel exported = ModelLoader.load(dir);
    LlamaConfig c = (LlamaConfig) exported.config();
    assertThat(c.ropeStyle()).isEqualTo(Rope.Style.ROTATE_HALF);
    assertThat(c.kvHeads()).isEqualTo(4);

    int steps = 100;
    int[] a = greedy(original, steps);
    int[] b = greedy(exported.model(), steps);
    assertThat(b).containsExactly(a);

    float[] la = new float[512];
    float[] lb = new float[512];
    original.forward(a, 0, steps, original.newCache(steps), la);
    exported.model().forward(a, 0, steps, exported.model().newCache(steps), lb);
    for (int v = 0; v < la.length; v++) {
      assertThat(lb[v]).isCloseTo(la[v], org.assertj.core.data.Offset.offset(1e-4f));
    }
  }

  static int[] greedy(LanguageModel m, int steps) {
    int[] ids = new int[steps + 1];
    ids[0] = 1;
    KvCache cache = m.newCache(steps);
    float[] logits = new float[m.vocabularySize()];
    for (int p = 0; p < steps; p++) {
      m.forward(ids, p, 1, cache, logits);
      int best = 0;
      for (int v = 1; v < logits.length; v++) {
        best = logits[v] > logits[best] ? v : best;
      }
      ids[p + 1] = best;
    }
    return ids;
  }
}
