package dev.lathe.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * llama.cpp's published tokenizer vectors: {@code <name>.inp} holds strings separated by {@code
 * "\n__ggml_vocab_test__\n"} (the text after the last separator is not a case), {@code <name>.out}
 * one line of space-separated ids per string.
 */
public record LlamaCppVocabVectors(List<String> inputs, List<int[]> expected) {

  private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

  /** The vectors of {@code ggml-vocab-<name>.gguf} in the shared assets. */
  public static LlamaCppVocabVectors named(String name) {
    Path dir = SharedAssets.require("testvectors/llama.cpp-vocab");
    return read(
        dir.resolve("ggml-vocab-" + name + ".gguf.inp"),
        dir.resolve("ggml-vocab-" + name + ".gguf.out"));
  }

  public static LlamaCppVocabVectors read(Path inp, Path out) {
    try {
      String all = Files.readString(inp, StandardCharsets.UTF_8);
      List<String> inputs = new ArrayList<>(Arrays.asList(all.split(SEPARATOR, -1)));
      inputs.remove(inputs.size() - 1);
      List<int[]> expected = new ArrayList<>();
      for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
        String trimmed = line.strip();
        expected.add(
            trimmed.isEmpty()
                ? new int[0]
                : Arrays.stream(trimmed.split(" ")).mapToInt(Integer::parseInt).toArray());
      }
      if (expected.size() != inputs.size()) {
        throw new IllegalStateException(
            inp + " has " + inputs.size() + " cases but " + out + " " + expected.size() + " lines");
      }
      return new LlamaCppVocabVectors(inputs, expected);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
