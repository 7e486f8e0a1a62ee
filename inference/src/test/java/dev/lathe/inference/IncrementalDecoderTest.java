package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IncrementalDecoderTest {
  private final ByteTokenizer tokenizer = new ByteTokenizer();

  @Test
  void neverReleasesHalfAMultiByteCharacter() {
    String text = "héllo wörld ✓ 日本語 🙂!";
    IncrementalDecoder decoder = new IncrementalDecoder(tokenizer, tokenizer.prompt("x"));
    List<String> deltas = new ArrayList<>();
    for (int id : tokenizer.encode(text)) {
      String delta = decoder.push(id);
      if (!delta.isEmpty()) {
        deltas.add(delta);
      }
    }
    deltas.add(decoder.flush());
    assertThat(String.join("", deltas)).isEqualTo(text);
    assertThat(deltas).noneMatch(d -> d.contains("\uFFFD"));
    assertThat(deltas).contains("日", "本", "🙂");
  }

  @Test
  void flushReleasesAnIncompleteCharacterAsReplacement() {
    IncrementalDecoder decoder = new IncrementalDecoder(tokenizer, tokenizer.prompt(""));
    assertThat(decoder.push('a')).isEqualTo("a");
    assertThat(decoder.push(0xE6)).isEmpty();
    assertThat(decoder.flush()).isEqualTo("\uFFFD");
  }

  @Test
  void decodesTheFirstTokenInTheContextOfThePrompt() {
    // a decoder that drops a leading space, as SentencePiece does for the first piece
    ByteTokenizer stripping =
        new ByteTokenizer() {
          @Override
          public String decode(int[] ids) {
            String text = super.decode(ids);
            return text.startsWith(" ") ? text.substring(1) : text;
          }
        };
    IncrementalDecoder decoder = new IncrementalDecoder(stripping, stripping.encode("Once upon a"));
    assertThat(decoder.push(' ')).isEqualTo(" ");
    assertThat(decoder.push('t')).isEqualTo("t");
    // without the prompt as context the same decoder would lose the space
    IncrementalDecoder bare = new IncrementalDecoder(stripping, new int[0]);
    assertThat(bare.push(' ')).isEmpty();
  }
}
