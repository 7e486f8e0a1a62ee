package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HfTokenizerLlama3Test {
  private static HfTokenizer llama3;

  @BeforeAll
  static void load() {
    llama3 = SharedTokenizers.llama3();
  }

  @Test
  void reproducesAllLlamaCppVectorsFromGzippedTokenizer() {
    assertThat(VectorAssertions.assertAllMatch(llama3, "llama-bpe")).isEqualTo(46);
  }

  @Test
  void decodeRoundTripsEveryVectorInput() {
    VectorAssertions.assertRoundTrips(llama3, "llama-bpe");
  }

  @Test
  void specialTokens() {
    assertThat(llama3.vocabularySize()).isEqualTo(128256);
    assertThat(llama3.bosToken()).isEqualTo("<|begin_of_text|>");
    assertThat(llama3.bosTokenId()).hasValue(128000);
    assertThat(llama3.tokenId("<|eot_id|>")).hasValue(128009);
    assertThat(llama3.tokenId("<|start_header_id|>")).hasValue(128006);
    // EOS plus the end-of-turn marker the chat template writes after every message.
    assertThat(llama3.eosTokenIds()).containsExactly(128001, 128009);
  }

  @Test
  void defaultEncodingFollowsThisFilesPostProcessor() {
    int[] plain = llama3.encode("Hello world");
    assertThat(plain).containsExactly(9906, 1917);
    // The first-release tokenizer.json's post-processor is ByteLevel only (no TemplateProcessing),
    // so Hugging Face adds no <|begin_of_text|> here either; the chat template writes bos_token.
    assertThat(llama3.encodeWithSpecials("Hello world", true)).containsExactly(9906, 1917);
    assertThat(llama3.encodeWithSpecials("Hello world", false)).containsExactly(9906, 1917);
  }

  @Test
  void headerMarkersAreSingleTokensOnlyWhenSpecialsAreParsed() {
    String text = "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>";
    assertThat(llama3.encodeWithSpecials(text, false))
        .containsExactly(128006, 882, 128007, 271, 13347, 128009);
    int[] plain = llama3.encode(text);
    assertThat(plain).doesNotContain(128006, 128007, 128009);
    assertThat(llama3.decode(plain)).isEqualTo(text);
    assertThat(llama3.decode(llama3.encodeWithSpecials(text, false), true)).isEqualTo("user\n\nHi");
  }
}
