package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HfTokenizerQwenTest {
  private static HfTokenizer qwen;

  @BeforeAll
  static void load() {
    qwen = SharedTokenizers.qwen3();
  }

  @Test
  void reproducesAllLlamaCppQwen2Vectors() {
    assertThat(VectorAssertions.assertAllMatch(qwen, "qwen2")).isEqualTo(46);
  }

  @Test
  void decodeRoundTripsEveryVectorInput() {
    VectorAssertions.assertRoundTrips(qwen, "qwen2");
  }

  @Test
  void chatMlSpecialsAndNoBos() {
    assertThat(qwen.tokenId("<|im_start|>")).hasValue(151644);
    assertThat(qwen.tokenId("<|im_end|>")).hasValue(151645);
    assertThat(qwen.bosToken()).isNull();
    assertThat(qwen.bosTokenId()).isEmpty();
    assertThat(qwen.eosToken()).isEqualTo("<|im_end|>");
    assertThat(qwen.eosTokenIds()).containsExactly(151645);
    assertThat(qwen.encodeWithSpecials("Hello", true)).isEqualTo(qwen.encode("Hello"));
  }

  @Test
  void specialTokensMapForTemplates() {
    assertThat(qwen.specialTokensMap())
        .containsEntry("eos_token", "<|im_end|>")
        .containsEntry("pad_token", "<|endoftext|>")
        .doesNotContainKey("bos_token");
    assertThat(qwen.specialTokensMap().get("additional_special_tokens").toString())
        .startsWith("[<|im_start|>, <|im_end|>, <|object_ref_start|>");
    ChatTemplate template = ChatTemplate.of(qwen).orElseThrow();
    assertThat(template.render(java.util.List.of(), java.util.List.of(), false, java.util.Map.of()))
        .isEmpty();
  }

  @Test
  void nonSpecialAddedTokensStayTokensInPlainText() {
    // <think> is an added token with special=false: Hugging Face always matches it.
    int think = qwen.tokenId("<think>").orElseThrow();
    assertThat(qwen.isSpecial(think)).isFalse();
    assertThat(qwen.encode("<think>x")).startsWith(think);
    assertThat(qwen.encode("<|im_start|>")).doesNotContain(151644);
  }
}
