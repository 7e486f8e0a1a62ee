package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.LlamaCppVocabVectors;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.GgufTokenizerJson;
import dev.lathe.tokenizer.GgufVocab;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.Llama2cTokenizer;
import dev.lathe.transformer.GgufFile;
import dev.lathe.transformer.GgufWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hugging Face tokenizer Lathe trains a GGUF base with ({@link GgufTokenizerJson}), rebuilt
 * from the file's embedded vocabulary, must give the ids of llama2.c's own tokenizer for the same
 * model ({@code tok512.bin}) and of the SentencePiece reader serving used ({@link
 * Llama2cTokenizer#sentencePiece}), and decode back to the text.
 */
class GgufTokenizerJsonTest {

  @TempDir Path dir;

  private static final List<String> CORPUS =
      List.of(
          "Once upon a time, there was a little girl named Lily.",
          "hello",
          " leading space",
          "  two leading spaces and trailing  ",
          "line one\nline two\n\nthree",
          "tabs\tand\r\nwindows",
          "Unicode: café, naïve, Straße, Ελληνικά, 日本語, emoji 🙂🚀",
          "bytes not in the vocabulary: ½ ¿ ƒ ∑ ☃",
          "12345 + 678 = 13023!?",
          "<s> and </s> as plain text",
          "a",
          " ",
          "\n",
          "The cat sat. \"Yes,\" she said; (quietly) — then ran away...",
          "");

  private static Map<String, Object> stories() throws Exception {
    try (GgufFile g = GgufFile.open(SharedAssets.require("models/gguf/stories260K.gguf"))) {
      return g.metadata();
    }
  }

  @Test
  void sentencePieceRebuildEncodesLikeLlama2cAndTheServingReader() throws Exception {
    Map<String, Object> md = stories();
    Llama2cTokenizer llama2c =
        Llama2cTokenizer.load(SharedAssets.require("models/llama2c-stories260K/tok512.bin"));
    Llama2cTokenizer serving = (Llama2cTokenizer) GgufVocab.tokenizer(md, "stories260K.gguf");
    GgufTokenizerJson files = GgufTokenizerJson.of(md, "stories260K.gguf");
    try (HfTokenizer training = files.open()) {
      List<String> mismatches = new ArrayList<>();
      for (String text : CORPUS) {
        int[] expected = llama2c.encode(text);
        int[] ids = training.encode(text);
        if (!Arrays.equals(ids, expected) || !Arrays.equals(serving.encode(text), expected)) {
          mismatches.add(
              text
                  + ": llama2.c "
                  + Arrays.toString(expected)
                  + ", rebuilt "
                  + Arrays.toString(ids));
        }
        assertThat(training.decode(ids)).as(text).isEqualTo(text);
      }
      assertThat(mismatches).isEmpty();
      // the model's default framing: BOS (tokenizer.ggml.add_bos_token defaults to true for llama)
      assertThat(training.encodeWithSpecials("hello", true))
          .containsExactly(llama2c.encode("hello", true, false));
      // a rendered chat: </s> is the EOS id, each text span gets SentencePiece's dummy prefix
      String rendered = "User: hi\nAssistant: yes</s>";
      assertThat(training.encodeChat(rendered).ids())
          .containsExactly(ChatModel.encodeWithSpecials(serving, rendered, false, "<s>", "</s>"));
      assertThat(training.bosToken()).isEqualTo("<s>");
      assertThat(training.eosToken()).isEqualTo("</s>");
      assertThat(training.eosTokenIds()).contains(2);
      assertThat(training.file()).isNull();
    }
    // written out, the files are a tokenizer Hugging Face loads, with the same ids
    files.write(dir);
    try (HfTokenizer written = HfTokenizer.load(dir)) {
      for (String text : CORPUS) {
        assertThat(written.encode(text)).containsExactly(llama2c.encode(text));
      }
      assertThat(Files.readString(dir.resolve("tokenizer.json"))).isEqualTo(files.tokenizerJson());
    }
  }

  @Test
  void sentencePieceDecodesWithoutTheDummyPrefix() throws Exception {
    try (HfTokenizer t = GgufTokenizerJson.of(stories(), "stories260K.gguf").open()) {
      assertThat(t.decode(t.encode("Once upon a time"))).isEqualTo("Once upon a time");
      assertThat(t.decode(t.encode("a\n b"))).isEqualTo("a\n b");
    }
  }

  @Test
  void byteLevelVocabularyMatchesLlamaCppsVectors() throws Exception {
    Path source = SharedAssets.require("tokenizers/gpt2-hf");
    Map<String, Object> md;
    try (HfTokenizer hf = HfTokenizer.load(source)) {
      Path file = dir.resolve("gpt2.gguf");
      new GgufWriter().putAll(GgufVocab.metadata(source, hf.vocabularySize())).write(file);
      try (GgufFile g = GgufFile.open(file)) {
        md = g.metadata();
      }
    }
    try (HfTokenizer back = GgufTokenizerJson.of(md, "gpt2.gguf").open()) {
      LlamaCppVocabVectors cases = LlamaCppVocabVectors.named("gpt-2");
      for (int i = 0; i < cases.inputs().size(); i++) {
        assertThat(back.encode(cases.inputs().get(i)))
            .as(cases.inputs().get(i))
            .containsExactly(cases.expected().get(i));
      }
    }
  }

  @Test
  void untrainableVocabulariesAreRefusedNamingFileAndField() throws Exception {
    Map<String, Object> bert = new HashMap<>(stories());
    bert.put("tokenizer.ggml.model", "bert");
    assertThatThrownBy(() -> GgufTokenizerJson.of(bert, "x.gguf"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.gguf")
        .hasMessageContaining("tokenizer.ggml.model bert is not supported");
    Map<String, Object> none = new HashMap<>(stories());
    none.remove("tokenizer.ggml.model");
    assertThatThrownBy(() -> GgufTokenizerJson.of(none, "x.gguf"))
        .hasMessageContaining("x.gguf: metadata tokenizer.ggml.model is missing");
    Map<String, Object> noTokens = new HashMap<>(stories());
    noTokens.remove("tokenizer.ggml.tokens");
    assertThatThrownBy(() -> GgufTokenizerJson.of(noTokens, "x.gguf"))
        .hasMessageContaining("x.gguf: metadata tokenizer.ggml.tokens is missing");
  }
}
