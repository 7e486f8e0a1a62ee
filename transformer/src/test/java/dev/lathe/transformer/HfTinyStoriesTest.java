package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real Hugging Face Llama checkpoint hf-TinyStories-656K through {@link ModelLoader}. */
class HfTinyStoriesTest {

  private static Path dir() {
    return SharedAssets.require("models/hf-TinyStories-656K");
  }

  @Test
  void loadsConfigGenerationConfigAndTheAliasedTiedEmbedding() throws Exception {
    LoadedModel m = ModelLoader.load(dir());
    assertThat(m.modelType()).isEqualTo("llama");
    LlamaConfig c = (LlamaConfig) m.config();
    assertThat(c.dim()).isEqualTo(128);
    assertThat(c.kvHeads()).isEqualTo(4);
    assertThat(c.headDim()).isEqualTo(16);
    assertThat(c.tiedEmbeddings()).isTrue();
    assertThat(m.generation().bosTokenId()).isEqualTo(1);
    assertThat(m.generation().eosTokenIds()).containsExactly(2);
    LlamaWeights w = ((LlamaModel) m.model()).weights();
    assertThat(w.classifier()).isSameAs(w.tokenEmbedding());
  }

  @Test
  void lastPositionLogitsMatchTheIndependentDoubleReferenceWithin1e4() throws Exception {
    List<String> lines;
    try (InputStream in = getClass().getResourceAsStream("/golden/tinystories656k_logits.txt")) {
      lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
    List<String> body = lines.stream().filter(l -> !l.startsWith("#")).toList();
    int[] ids = Arrays.stream(body.get(0).split(" ")).mapToInt(Integer::parseInt).toArray();
    double[] golden = body.stream().skip(1).mapToDouble(Double::parseDouble).toArray();

    LanguageModel model = ModelLoader.load(dir()).model();
    assertThat(golden).hasSize(model.vocabularySize());
    float[] prefill = new float[model.vocabularySize()];
    model.forward(ids, 0, ids.length, model.newCache(16), prefill);
    float[] decode = new float[model.vocabularySize()];
    KvCache cache = model.newCache(16);
    for (int i = 0; i < ids.length; i++) {
      model.forward(ids, i, 1, cache, decode);
    }
    double worst = 0;
    for (int v = 0; v < golden.length; v++) {
      worst = Math.max(worst, Math.abs(prefill[v] - golden[v]));
      worst = Math.max(worst, Math.abs(decode[v] - golden[v]));
    }
    System.out.printf("hf-TinyStories-656K: max |engine - double reference| = %.3g%n", worst);
    assertThat(worst).isLessThan(1e-4);
  }

  @Test
  void theGoldenFileIsWhatTheReferenceComputes() throws Exception {
    ReferenceLlama ref = new ReferenceLlama(dir());
    double[] logits = ref.lastLogits(new int[] {1, 296, 286, 258, 284, 285, 10});
    assertThat(logits[0]).isCloseTo(-2.7938242905, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(logits[2]).isCloseTo(-5.7549175560, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void greedyFromStartStoryTellsTheStoryOfLily() throws Exception {
    LanguageModel model = ModelLoader.load(dir()).model();
    String[] pieces = vocabulary(dir().resolve("tokenizer.json"), model.vocabularySize());
    int steps = 40;
    int[] ids = new int[steps + 1];
    ids[0] = 1; // <|start_story|>
    KvCache cache = model.newCache(steps);
    float[] logits = new float[model.vocabularySize()];
    StringBuilder text = new StringBuilder();
    for (int pos = 0; pos < steps; pos++) {
      model.forward(ids, pos, 1, cache, logits);
      int next = 0;
      for (int v = 1; v < logits.length; v++) {
        next = logits[v] > logits[next] ? v : next;
      }
      ids[pos + 1] = next;
      text.append(pieces[next]);
    }
    String story = text.toString().replace("<|start_story|>", "").replace('▁', ' ').strip();
    System.out.println("hf-TinyStories-656K greedy: " + story);
    assertThat(story).startsWith("Once upon a time, there was a little girl named Lily");
  }

  @SuppressWarnings("unchecked")
  private static String[] vocabulary(Path tokenizerJson, int size) throws Exception {
    Map<String, Object> json = Json.parseObject(Files.readString(tokenizerJson), "tokenizer.json");
    Map<String, Object> vocab =
        (Map<String, Object>) ((Map<String, Object>) json.get("model")).get("vocab");
    String[] pieces = new String[size];
    vocab.forEach((piece, id) -> pieces[((Number) id).intValue()] = piece);
    return pieces;
  }
}
