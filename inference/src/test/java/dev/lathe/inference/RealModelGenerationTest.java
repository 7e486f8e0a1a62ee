package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.Llama2cTokenizer;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.ModelLoader;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator on the real shared models, and a real model fetched through a local Hub. */
class RealModelGenerationTest {

  private static int[] goldenIds(String json) {
    Matcher m = Pattern.compile("\"generated_ids\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
    assertThat(m.find()).isTrue();
    return Arrays.stream(m.group(1).split(","))
        .map(String::trim)
        .mapToInt(Integer::parseInt)
        .toArray();
  }

  @Test
  void greedyStories260KStreamsLlama2csTokensAndText() throws Exception {
    Path dir = SharedAssets.require("models/llama2c-stories260K");
    String json =
        Files.readString(
            SharedAssets.require("testvectors/published/llama2c_stories260K_greedy.json"));
    LanguageModel model = ModelLoader.load(dir.resolve("stories260K.bin")).model();
    Llama2cTokenizer tokenizer = Llama2cTokenizer.load(dir.resolve("tok512.bin"));
    List<String> deltas = new ArrayList<>();
    GenerationResult result =
        new Generator(model, tokenizer, () -> 0L)
            .generate(
                new int[] {Llama2cTokenizer.BOS},
                GenerationRequest.of(SamplingParams.GREEDY)
                    .withMaxTokens(200)
                    .withStopTokenIds(Set.of(Llama2cTokenizer.EOS)),
                GenerationListener.text(deltas::add),
                () -> false);
    int[] golden = goldenIds(json);
    assertThat(result.tokens()).containsExactly(golden);
    int[] all = new int[golden.length + 1];
    all[0] = Llama2cTokenizer.BOS;
    System.arraycopy(golden, 0, all, 1, golden.length);
    assertThat(String.join("", deltas)).isEqualTo(result.text()).isEqualTo(tokenizer.decode(all));
    assertThat(deltas.size()).isGreaterThan(100); // streamed, not delivered at the end
    assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
  }

  @Test
  void aModelFetchedFromALocalHubLoadsAndTellsLilysStory(@TempDir Path temp) throws Exception {
    Path source = SharedAssets.require("models/hf-TinyStories-656K");
    try (LocalHub hub =
        new LocalHub("lathe-test/TinyStories-656K", source, Set.of("model.safetensors"))) {
      HubSettings settings =
          new HubSettings(hub.endpoint(), Optional.empty(), temp.resolve("cache"), false);
      Path snapshot =
          new HubDownloader(settings, HttpClient.newHttpClient())
              .fetch(new ModelSource.Hub("lathe-test/TinyStories-656K", "main"));
      LanguageModel model = ModelLoader.load(snapshot).model();
      try (HfTokenizer tokenizer = HfTokenizer.load(snapshot)) {
        GenerationResult result =
            new Generator(model, tokenizer, () -> 0L)
                .generate(
                    tokenizer.encodeWithSpecials("", true),
                    GenerationRequest.of(SamplingParams.GREEDY).withMaxTokens(16));
        assertThat(result.text())
            .startsWith("Once upon a time, there was a little girl named Lily");
      }
    }
  }
}
