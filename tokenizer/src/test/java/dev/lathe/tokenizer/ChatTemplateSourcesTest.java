package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a tokenizer's chat template comes from: config string, named list, or .jinja file. */
class ChatTemplateSourcesTest {

  /** A model directory with GPT-2's tokenizer.json and the given extra files. */
  private static Path modelDir(Path dir, String config, String jinjaFile) throws IOException {
    Files.copy(
        SharedAssets.require("tokenizers/gpt2-hf/tokenizer.json"), dir.resolve("tokenizer.json"));
    if (config != null) {
      Files.writeString(dir.resolve("tokenizer_config.json"), config);
    }
    if (jinjaFile != null) {
      Files.writeString(dir.resolve("chat_template.jinja"), jinjaFile);
    }
    return dir;
  }

  private static final List<ChatMessage> HI = List.of(ChatMessage.user("hi"));

  @Test
  void namedTemplatesFromAList(@TempDir Path dir) throws IOException {
    String config =
        "{\"eos_token\": \"<|endoftext|>\", \"chat_template\": ["
            + "{\"name\": \"default\", \"template\": \"D:{{ messages[0].content }}{{ eos_token }}\"},"
            + "{\"name\": \"tool_use\", \"template\": \"T:{{ messages[0].content }}\"}]}";
    try (HfTokenizer tok = HfTokenizer.load(modelDir(dir, config, null))) {
      assertThat(ChatTemplate.of(tok).orElseThrow().render(HI, false))
          .isEqualTo("D:hi<|endoftext|>");
      assertThat(ChatTemplate.of(tok, "tool_use").render(HI, false)).isEqualTo("T:hi");
      assertThatThrownBy(() -> ChatTemplate.of(tok, "rag"))
          .hasMessageContaining("no chat template named rag");
      assertThat(tok.eosTokenIds()).containsExactly(50256);
    }
  }

  @Test
  void templateFromChatTemplateJinjaFile(@TempDir Path dir) throws IOException {
    try (HfTokenizer tok =
        HfTokenizer.load(
            modelDir(dir, "{\"eos_token\": \"<|endoftext|>\"}", "J:{{ messages|length }}"))) {
      assertThat(ChatTemplate.of(tok).orElseThrow().render(HI, false)).isEqualTo("J:1");
    }
  }

  @Test
  void singleTokenizerFileAndGzip(@TempDir Path dir) throws IOException {
    Path file = modelDir(dir, null, null).resolve("tokenizer.json");
    try (HfTokenizer tok = HfTokenizer.load(file)) {
      assertThat(tok.encode("Hello world")).containsExactly(15496, 995);
      assertThat(ChatTemplate.of(tok)).isEmpty();
      assertThat(tok.eosToken()).isNull();
    }
  }

  @Test
  void missingOrBrokenFilesGiveClearErrors(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> HfTokenizer.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no tokenizer.json (or tokenizer.json.gz) in");
    assertThatThrownBy(() -> HfTokenizer.load(dir.resolve("nope")))
        .hasMessageContaining("does not exist");
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": ");
    assertThatThrownBy(() -> HfTokenizer.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not valid JSON");
    Files.writeString(
        dir.resolve("tokenizer.json"),
        "{\"model\": {\"type\": \"Nonsense\", \"vocab\": {\"a\": 0}}}");
    assertThatThrownBy(() -> HfTokenizer.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rejected");
  }
}
