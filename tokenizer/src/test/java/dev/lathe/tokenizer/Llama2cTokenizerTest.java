package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {

  private static Llama2cTokenizer tok512() throws Exception {
    return Llama2cTokenizer.load(SharedAssets.require("models/llama2c-stories260K/tok512.bin"));
  }

  @Test
  void mergesByScoreAndRoundTripsWithTheDummyPrefixStrippedAfterBos() throws Exception {
    Llama2cTokenizer t = tok512();
    assertThat(t.vocabularySize()).isEqualTo(512);
    String text = "Once upon a time, there was a little girl named Lily.";
    int[] ids = t.encode(text, true, false);
    assertThat(ids[0]).isEqualTo(Llama2cTokenizer.BOS);
    // merges happened: far fewer tokens than characters
    assertThat(ids.length).isLessThan(text.length() / 2);
    assertThat(t.decode(ids)).isEqualTo(text);
    // without BOS the dummy-prefix space stays
    assertThat(t.decode(t.encode(text))).isEqualTo(" " + text);
  }

  @Test
  void unknownCharactersFallBackToByteTokensAndDecodeBack() throws Exception {
    Llama2cTokenizer t = tok512();
    int[] ids = t.encode("中", false, true);
    // dummy prefix, then the UTF-8 bytes E4 B8 AD as byte tokens, then EOS
    assertThat(ids).containsExactly(ids[0], 3 + 0xE4, 3 + 0xB8, 3 + 0xAD, Llama2cTokenizer.EOS);
    assertThat(t.decode(new int[] {Llama2cTokenizer.BOS, 3 + 0xE4, 3 + 0xB8, 3 + 0xAD}))
        .isEqualTo("中");
  }

  @Test
  void truncatedFileIsAClearError(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.bin");
    Files.write(bad, new byte[] {7, 0, 0, 0, 0, 0, 0, 0, 99, 0, 0, 0, 'a'});
    assertThatThrownBy(() -> Llama2cTokenizer.load(bad)).hasMessageContaining("claims 99 bytes");
  }
}
