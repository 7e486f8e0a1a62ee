package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.LlamaCppVocabVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Checks a tokenizer against one of llama.cpp's published vector files, every case exactly. */
final class VectorAssertions {
  private VectorAssertions() {}

  /** Asserts that all cases of {@code ggml-vocab-<name>.gguf} match; returns how many there are. */
  static int assertAllMatch(TextTokenizer tokenizer, String name) {
    LlamaCppVocabVectors vectors = LlamaCppVocabVectors.named(name);
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < vectors.inputs().size(); i++) {
      int[] actual = tokenizer.encode(vectors.inputs().get(i));
      if (!Arrays.equals(actual, vectors.expected().get(i))) {
        mismatches.add(
            "case "
                + i
                + " "
                + quote(vectors.inputs().get(i))
                + ": expected "
                + Arrays.toString(vectors.expected().get(i))
                + " got "
                + Arrays.toString(actual));
      }
    }
    assertThat(mismatches).as(name + " vectors").isEmpty();
    return vectors.inputs().size();
  }

  /** Asserts decode(encode(s)) == s for every input of the vector file. */
  static void assertRoundTrips(TextTokenizer tokenizer, String name) {
    LlamaCppVocabVectors vectors = LlamaCppVocabVectors.named(name);
    for (String input : vectors.inputs()) {
      assertThat(tokenizer.decode(tokenizer.encode(input))).as(quote(input)).isEqualTo(input);
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\n", "\\n").replace("\t", "\\t") + "\"";
  }
}
