package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bf16 weights read straight from the mapped checkpoint (safetensors or GGUF, {@code --mmap})
 * compute exactly what the same weights copied onto the heap (the default) compute: a prompt's
 * prefill, decode steps (fused products on the pool), and a batched step of a base and two LoRA
 * fine-tunes. A mapped model gives training heap arrays of the same values.
 */
class MappedWeightsTest {

  @TempDir Path dir;

  private static final LoadOptions MAPPED = LoadOptions.DEFAULT.mapped(true);

  /** Wide enough that the fused decode products and the prompt's GEMM run on the pool. */
  private static final LlamaConfig WIDE = DecodeAllocation.WIDE;

  @Test
  void aMappedSafetensorsModelComputesTheBitsOfItsHeapCopy() throws Exception {
    for (LlamaConfig c : List.of(WIDE, DecodeAllocation.MEDIUM, TinyModels.config("qwen2"))) {
      Path d = dir.resolve("m" + c.dim() + c.attentionBias());
      String type = c.attentionBias() ? "qwen2" : "llama";
      HfCheckpointWriter.save(d, type, c, TinyModels.llama(c, 17), DType.BF16);
      LlamaModel mapped = (LlamaModel) ModelLoader.load(d, MAPPED).model();
      LlamaModel heap = (LlamaModel) ModelLoader.load(d, LoadOptions.DEFAULT.mapped(false)).model();
      assertThat(mapped.weightsMapped()).isTrue();
      assertThat(heap.weightsMapped()).isFalse();
      assertThat(mapped.weightDtype()).isEqualTo(DType.BF16);
      assertThat(mapped.weightBytes()).isEqualTo(heap.weightBytes());
      assertSameRun(mapped, heap, Math.min(70, c.contextLength() - 12), 10);
    }
  }

  @Test
  void aMappedGgufModelComputesTheBitsOfItsHeapCopy() throws Exception {
    LlamaConfig c = WIDE;
    Path file = dir.resolve("m.gguf");
    GgufCheckpoint.save(file, "llama", c, TinyModels.llama(c, 5), GgmlType.BF16, Map.of());
    LlamaModel mapped = (LlamaModel) ModelLoader.load(file, MAPPED).model();
    LlamaModel heap =
        (LlamaModel) ModelLoader.load(file, LoadOptions.DEFAULT.mapped(false)).model();
    assertThat(mapped.weightsMapped()).isTrue();
    assertThat(heap.weightsMapped()).isFalse();
    assertSameRun(mapped, heap, 40, 8);
  }

  @Test
  void batchedStepsOverAMappedBaseAndItsFineTunesGetTheBitsOfTheHeapCopy() throws Exception {
    LlamaConfig c = DecodeAllocation.MEDIUM;
    Path d = dir.resolve("batch");
    HfCheckpointWriter.save(d, "llama", c, TinyModels.llama(c, 8), DType.BF16);
    LlamaModel mapped = (LlamaModel) ModelLoader.load(d, MAPPED).model();
    LlamaModel heap = (LlamaModel) ModelLoader.load(d, LoadOptions.DEFAULT.mapped(false)).model();
    assertThat(mapped.weightsMapped()).isTrue();
    float[][][] a = BatchDecoderTest.decode(BatchDecoderTest.eight(mapped), true);
    float[][][] b = BatchDecoderTest.decode(BatchDecoderTest.eight(heap), true);
    for (int i = 0; i < a.length; i++) {
      for (int s = 0; s < a[i].length; s++) {
        assertThat(a[i][s]).as("sequence %d step %d", i, s).containsExactly(b[i][s]);
      }
    }
  }

  @Test
  void aMappedModelGivesTrainingTheHeapArraysOfItsCopy() throws Exception {
    LlamaConfig c = TinyModels.config("qwen2");
    Path d = dir.resolve("train");
    HfCheckpointWriter.save(d, "qwen2", c, TinyModels.llama(c, 3), DType.BF16);
    LlamaModel mapped = (LlamaModel) ModelLoader.load(d, MAPPED).model();
    LlamaModel heap = (LlamaModel) ModelLoader.load(d, LoadOptions.DEFAULT.mapped(false)).model();
    LlamaModel.Bf16Weights fromMap = mapped.bf16Weights();
    LlamaModel.Bf16Weights fromHeap = heap.bf16Weights();
    assertThat(fromMap.tokenEmbedding()).containsExactly(fromHeap.tokenEmbedding());
    assertThat(fromMap.layers().get(1).wDown()).containsExactly(fromHeap.layers().get(1).wDown());
    assertThat(mapped.weights().layers().get(0).wq())
        .containsExactly(heap.weights().layers().get(0).wq());
    assertThat(Files.size(d.resolve("model.safetensors"))).isPositive();
  }

  /** Prefill of {@code prompt} tokens then {@code steps} greedy decode steps: identical logits. */
  private static void assertSameRun(LlamaModel a, LlamaModel b, int prompt, int steps) {
    int v = a.vocabularySize();
    KvCache ca = a.newCache(prompt + steps + 1);
    KvCache cb = b.newCache(prompt + steps + 1);
    int[] tokens = new int[prompt];
    for (int i = 0; i < prompt; i++) {
      tokens[i] = (i * 7 + 3) % v;
    }
    float[] la = new float[v];
    float[] lb = new float[v];
    a.forward(tokens, 0, prompt, ca, la);
    b.forward(tokens, 0, prompt, cb, lb);
    assertThat(la).as("prefill").containsExactly(lb);
    for (int s = 0; s < steps; s++) {
      int[] next = {BatchDecoderTest.argmax(la)};
      a.forward(next, 0, 1, ca, la);
      b.forward(next, 0, 1, cb, lb);
      assertThat(la).as("decode step %d", s).containsExactly(lb);
    }
  }
}
