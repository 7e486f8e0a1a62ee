package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HfTokenizerGpt2Test {
  private static HfTokenizer gpt2;

  @BeforeAll
  static void load() {
    gpt2 = SharedTokenizers.gpt2();
  }

  @Test
  void reproducesAllLlamaCppVectorsWithTruncationIgnored() {
    assertThat(VectorAssertions.assertAllMatch(gpt2, "gpt-2")).isEqualTo(46);
  }

  @Test
  void decodeRoundTripsEveryVectorInput() {
    VectorAssertions.assertRoundTrips(gpt2, "gpt-2");
  }

  @Test
  void longTextIsNotTruncatedAt50Tokens() {
    // tokenizer.json of this copy sets truncation.max_length = 50.
    String text = "Hello world! ".repeat(40);
    int[] ids = gpt2.encode(text);
    // 40 x (Hello, Ġworld, !) and the final space.
    assertThat(ids).hasSize(121);
    assertThat(gpt2.decode(ids)).isEqualTo(text);
  }

  @Test
  void specialTokensAndLookups() {
    assertThat(gpt2.vocabularySize()).isEqualTo(50257);
    assertThat(gpt2.eosToken()).isEqualTo("<|endoftext|>");
    assertThat(gpt2.eosTokenIds()).containsExactly(50256);
    assertThat(gpt2.bosTokenId()).hasValue(50256);
    assertThat(gpt2.tokenId("Ġworld")).hasValue(995);
    assertThat(gpt2.token(15496)).isEqualTo("Hello");
    assertThat(gpt2.isSpecial(50256)).isTrue();
    assertThat(gpt2.isSpecial(995)).isFalse();
    assertThatThrownBy(() -> gpt2.token(50257)).hasMessageContaining("no token has id 50257");
  }

  @Test
  void plainEncodeTreatsSpecialStringsAsText() {
    String text = "a<|endoftext|>b";
    assertThat(gpt2.encodeWithSpecials(text, false)).containsExactly(64, 50256, 65);
    int[] plain = gpt2.encode(text);
    assertThat(plain).doesNotContain(50256).hasSizeGreaterThan(3);
    assertThat(gpt2.decode(plain)).isEqualTo(text);
    // GPT-2's post-processor adds nothing.
    assertThat(gpt2.encodeWithSpecials("a", true)).containsExactly(64);
  }

  @Test
  void decodeCanSkipSpecials() {
    assertThat(gpt2.decode(new int[] {15496, 50256}, true)).isEqualTo("Hello");
    assertThat(gpt2.decode(new int[] {15496, 50256})).isEqualTo("Hello<|endoftext|>");
    assertThatThrownBy(() -> gpt2.decode(new int[] {1, 99999}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("99999")
        .hasMessageContaining("position 1");
  }

  @Test
  void offsetsAreJavaCharIndices() {
    String text = "é😀 x";
    HfTokenizer.TokenOffsets enc = gpt2.encodeWithOffsets(text);
    assertThat(enc.ids()).isEqualTo(gpt2.encode(text));
    assertThat(enc.starts()[0]).isZero();
    assertThat(enc.ends()[enc.ends().length - 1]).isEqualTo(text.length());
    int last = enc.ids().length - 1;
    assertThat(text.substring(enc.starts()[last], enc.ends()[last])).isEqualTo(" x");
  }
}
