package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTinyStoriesTest {
  private static HfTokenizer tiny;

  @BeforeAll
  static void load() {
    tiny = SharedTokenizers.tinyStories();
  }

  @Test
  void storyTokensAndVocabulary() {
    assertThat(tiny.vocabularySize()).isEqualTo(2048);
    assertThat(tiny.bosToken()).isEqualTo("<|start_story|>");
    assertThat(tiny.bosTokenId()).hasValue(1);
    assertThat(tiny.eosToken()).isEqualTo("<|end_story|>");
    assertThat(tiny.eosTokenIds()).containsExactly(2);
    assertThat(tiny.tokenId("<unk>")).hasValue(0);
  }

  @Test
  void defaultEncodingPrependsStartStory() {
    int[] plain = tiny.encode("Once upon a time");
    assertThat(plain).isNotEmpty().doesNotContain(0, 1, 2);
    int[] withBos = tiny.encodeWithSpecials("Once upon a time", true);
    assertThat(withBos[0]).isEqualTo(1);
    assertThat(withBos).hasSize(plain.length + 1);
    assertThat(java.util.Arrays.copyOfRange(withBos, 1, withBos.length)).isEqualTo(plain);
    assertThat(tiny.decode(plain)).isEqualTo("Once upon a time");
    assertThat(tiny.decode(withBos, true)).isEqualTo("Once upon a time");
  }

  @Test
  void normalizerPrependsAndReplacesSpacesWithMetaspace() {
    String text = "Once upon a time, there was a little girl named Lily.";
    int[] ids = tiny.encode(text);
    StringBuilder pieces = new StringBuilder();
    for (int id : ids) {
      pieces.append(tiny.token(id));
    }
    // Prepend "▁" + Replace " " -> "▁", no pre-tokenizer: the pieces spell the normalized text
    // (this BPE has multi-word pieces such as "there▁was▁a▁").
    assertThat(pieces.toString()).isEqualTo("▁" + text.replace(' ', '▁'));
    assertThat(ids.length).isLessThan(text.split(" ").length);
    assertThat(tiny.decode(ids)).isEqualTo(text);
  }

  @Test
  void llamaClassBosEosFlagsOverrideThePostProcessor(@TempDir Path dir) throws IOException {
    Files.copy(
        SharedAssets.require("models/hf-TinyStories-656K/tokenizer.json"),
        dir.resolve("tokenizer.json"));
    // Only add_eos_token is given: Hugging Face's LlamaTokenizerFast still adds BOS (default).
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"tokenizer_class\": \"LlamaTokenizerFast\", \"bos_token\": \"<|start_story|>\","
            + " \"eos_token\": \"<|end_story|>\", \"add_eos_token\": true}");
    try (HfTokenizer withEos = HfTokenizer.load(dir)) {
      int[] plain = withEos.encode("Once upon a time");
      int[] ids = withEos.encodeWithSpecials("Once upon a time", true);
      assertThat(ids).hasSize(plain.length + 2).startsWith(1).endsWith(2);
    }
  }

  @Test
  void unknownCharactersBecomeUnk() {
    assertThat(tiny.encode("☃")).contains(0);
  }
}
