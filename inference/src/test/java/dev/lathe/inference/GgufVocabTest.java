package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.LlamaCppVocabVectors;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.GgufVocab;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.Llama2cTokenizer;
import dev.lathe.transformer.GgufFile;
import dev.lathe.transformer.GgufWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hugging Face tokenizers written into GGUF files as {@link GgufVocab} metadata and read back from
 * them: the byte-level BPE ones (GPT-2, Llama 3, Qwen3) must tokenize llama.cpp's published vectors
 * exactly, the SentencePiece-style TinyStories tokenizer like its {@code tokenizer.json}.
 */
class GgufVocabTest {

  @TempDir Path dir;

  /** Writes {@code metadata} as a GGUF file without tensors and reads its metadata back. */
  private Map<String, Object> throughFile(Map<String, Object> metadata) throws Exception {
    Path file = dir.resolve("vocab.gguf");
    new GgufWriter().putAll(metadata).write(file);
    try (GgufFile g = GgufFile.open(file)) {
      return g.metadata();
    }
  }

  @ParameterizedTest
  @CsvSource({
    "tokenizers/gpt2-hf, gpt-2, gpt2",
    "tokenizers/llama3, llama-bpe, llama-bpe",
    "tokenizers/qwen3, qwen2, qwen2"
  })
  void byteLevelVocabulariesReadBackTokenizeLlamaCppsVectors(
      String path, String vectors, String pre) throws Exception {
    Path source = SharedAssets.require(path);
    Map<String, Object> md;
    String template;
    try (HfTokenizer hf = HfTokenizer.load(source)) {
      md = throughFile(GgufVocab.metadata(source, hf.vocabularySize()));
      template = ChatTemplate.of(hf).map(ChatTemplate::source).orElse(null);
    }
    assertThat(md.get("tokenizer.ggml.model")).isEqualTo("gpt2");
    assertThat(md.get("tokenizer.ggml.pre")).isEqualTo(pre);
    assertThat(md.get("tokenizer.chat_template")).isEqualTo(template);
    try (HfTokenizer back = (HfTokenizer) GgufVocab.tokenizer(md, "vocab.gguf")) {
      LlamaCppVocabVectors cases = LlamaCppVocabVectors.named(vectors);
      List<String> mismatches = new ArrayList<>();
      for (int i = 0; i < cases.inputs().size(); i++) {
        String text = cases.inputs().get(i);
        int[] ids = back.encode(text);
        if (!Arrays.equals(ids, cases.expected().get(i))) {
          mismatches.add(i + " " + text + ": " + Arrays.toString(ids));
        }
        assertThat(back.decode(ids)).isEqualTo(text);
      }
      assertThat(mismatches).isEmpty();
      assertThat(cases.inputs()).hasSize(46);
    }
  }

  @Test
  void llama3SpecialsAndBosSurviveTheFile() throws Exception {
    Path source = SharedAssets.require("tokenizers/llama3");
    try (HfTokenizer hf = HfTokenizer.load(source);
        HfTokenizer back =
            (HfTokenizer)
                GgufVocab.tokenizer(
                    throughFile(GgufVocab.metadata(source, hf.vocabularySize())), "f")) {
      String chat = "<|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>";
      assertThat(back.encodeWithSpecials(chat, true))
          .containsExactly(hf.encodeWithSpecials(chat, true));
      assertThat(back.encodeChat(chat).ids()).containsExactly(hf.encodeChat(chat).ids());
      assertThat(back.eosTokenIds()).containsExactly(hf.eosTokenIds());
      assertThat(back.bosToken()).isEqualTo("<|begin_of_text|>");
    }
  }

  @Test
  void tinyStoriesSentencePieceVocabularyTokenizesLikeItsTokenizerJson() throws Exception {
    Path source = SharedAssets.require("models/hf-TinyStories-656K");
    try (HfTokenizer hf = HfTokenizer.load(source)) {
      Map<String, Object> md = throughFile(GgufVocab.metadata(source, 2048));
      assertThat(md.get("tokenizer.ggml.model")).isEqualTo("llama");
      assertThat(md.get("tokenizer.ggml.add_bos_token")).isEqualTo(true);
      assertThat(md.get("tokenizer.ggml.unknown_token_id")).isEqualTo(0L);
      Llama2cTokenizer back = (Llama2cTokenizer) GgufVocab.tokenizer(md, "656K.gguf");
      for (String text :
          List.of(
              "Once upon a time, there was a little girl named Lily. She loved to play outside.",
              "\"Hello!\" said Tom. \"Can I have some cake?\" His mom smiled and said yes.",
              "  two spaces, a tab\tand a\nnewline",
              "The end.",
              "x",
              "Zebras jumped quickly over 12 lazy dogs; why? Because: fun!")) {
        int[] expected = hf.encodeWithSpecials(text, true);
        assertThat(back.encode(text, true, false)).as(text).containsExactly(expected);
        if (!text.contains("\t")) { // a tab has no piece: <unk>, which decodes as its text here
          assertThat(back.decode(expected)).as(text).isEqualTo(hf.decode(expected, true));
        }
      }
    }
  }

  @Test
  void unknownKindsAndPreTokenizersAreRefusedByName() {
    Map<String, Object> md =
        Map.of(
            "tokenizer.ggml.model", "bert",
            "tokenizer.ggml.tokens", List.of("a"),
            "tokenizer.ggml.token_type", List.of(1L));
    assertThatThrownBy(() -> GgufVocab.tokenizer(md, "x.gguf"))
        .hasMessageContaining("x.gguf: tokenizer.ggml.model bert is not supported");
    Map<String, Object> pre =
        Map.of(
            "tokenizer.ggml.model",
            "gpt2",
            "tokenizer.ggml.pre",
            "deepseek-llm",
            "tokenizer.ggml.tokens",
            List.of("a"),
            "tokenizer.ggml.token_type",
            List.of(1L));
    assertThatThrownBy(() -> GgufVocab.tokenizer(pre, "x.gguf"))
        .hasMessageContaining("tokenizer.ggml.pre deepseek-llm is not supported");
    Map<String, Object> noTypes =
        Map.of("tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", List.of("a"));
    assertThatThrownBy(() -> GgufVocab.tokenizer(noTypes, "x.gguf"))
        .hasMessageContaining("metadata tokenizer.ggml.token_type is missing");
  }
}
