package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiTokenizerTest {

  private static final OpenAiTokenizer CL100K = OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE);
  private static final OpenAiTokenizer O200K = OpenAiTokenizer.of(OpenAiEncoding.O200K_BASE);

  @Test
  void reproducesTheIdsPublishedInTheTiktokenCookbook() {
    // The OpenAI cookbook "How to count tokens with tiktoken" prints these ids.
    assertThat(CL100K.encode("tiktoken is great!")).containsExactly(83, 1609, 5963, 374, 2294, 0);
    assertThat(O200K.encode("tiktoken is great!")).containsExactly(83, 8251, 2488, 382, 2212, 0);
    assertThat(CL100K.countTokens("tiktoken is great!")).isEqualTo(6);
    assertThat(CL100K.decode(new int[] {83, 1609, 5963, 374, 2294, 0}))
        .isEqualTo("tiktoken is great!");
  }

  @Test
  void specialTokenTextIsEncodedAsPlainText() {
    int[] ids = CL100K.encode("<|endoftext|>");
    assertThat(ids).doesNotContain(100257).hasSizeGreaterThan(1);
    assertThat(CL100K.countTokens("<|endoftext|>")).isEqualTo(ids.length);
    assertThat(CL100K.decode(ids)).isEqualTo("<|endoftext|>");
  }

  @Test
  void vocabularySizesAreTiktokensNVocab() {
    assertThat(CL100K.vocabularySize()).isEqualTo(100_277);
    assertThat(O200K.vocabularySize()).isEqualTo(200_019);
  }

  @Test
  void mapsFineTunableModelsToTheirEncoding() {
    for (String model :
        List.of(
            "gpt-4o",
            "gpt-4o-2024-08-06",
            "gpt-4o-mini",
            "gpt-4o-mini-2024-07-18",
            "gpt-4.1",
            "gpt-4.1-mini-2025-04-14",
            "gpt-4.1-nano",
            "ft:gpt-4o-mini-2024-07-18:acme::abc123")) {
      assertThat(OpenAiEncoding.forModel(model)).as(model).isEqualTo(OpenAiEncoding.O200K_BASE);
    }
    for (String model :
        List.of(
            "gpt-4",
            "gpt-4-0613",
            "gpt-3.5-turbo",
            "gpt-3.5-turbo-0125",
            "gpt-3.5-turbo-1106",
            "gpt-35-turbo",
            "babbage-002",
            "davinci-002",
            "ft:gpt-3.5-turbo-1106:personal:gpt3-5turbomodel1:8MY0VlsQ",
            "ft:davinci-002:acme::x")) {
      assertThat(OpenAiEncoding.forModel(model)).as(model).isEqualTo(OpenAiEncoding.CL100K_BASE);
    }
    assertThat(OpenAiTokenizer.forModel("GPT-4o-mini").encoding())
        .isEqualTo(OpenAiEncoding.O200K_BASE);
  }

  @Test
  void unknownModelIsAClearErrorListingTheKnownOnes() {
    assertThatThrownBy(() -> OpenAiEncoding.forModel("llama-3-8b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unknown OpenAI model 'llama-3-8b'")
        .hasMessageContaining("gpt-4o-mini")
        .hasMessageContaining("babbage-002");
    assertThat(OpenAiEncoding.isKnownModel("text-davinci-003")).isFalse();
    assertThat(OpenAiEncoding.byName("o200k_base")).isEqualTo(OpenAiEncoding.O200K_BASE);
    assertThatThrownBy(() -> OpenAiEncoding.byName("p50k_base"))
        .hasMessageContaining("cl100k_base or o200k_base");
  }

  /**
   * Llama 3's vocabulary starts with cl100k_base's 100,256 ranks and uses the same pre-tokenizer
   * pattern, so every llama.cpp vector whose expected ids (Hugging Face's output) all lie below
   * 100,256 never used a Llama-only merge and must be reproduced exactly by cl100k_base.
   */
  @Test
  void agreesWithLlama3VectorsThatUseOnlyCl100kRanks() throws IOException {
    Path dir = SharedAssets.require("testvectors/llama.cpp-vocab");
    String inputs =
        Files.readString(dir.resolve("ggml-vocab-llama-bpe.gguf.inp"), StandardCharsets.UTF_8);
    List<String> expected =
        Files.readAllLines(dir.resolve("ggml-vocab-llama-bpe.gguf.out"), StandardCharsets.UTF_8);
    String[] texts = inputs.split("\n__ggml_vocab_test__\n", -1);
    int checked = 0;
    for (int i = 0; i < texts.length - 1; i++) {
      String line = expected.get(i).trim();
      int[] ids =
          line.isEmpty()
              ? new int[0]
              : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
      if (Arrays.stream(ids).allMatch(id -> id < 100_256)) {
        assertThat(CL100K.encode(texts[i])).as("vector %d: %s", i, texts[i]).containsExactly(ids);
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(30);
  }
}
