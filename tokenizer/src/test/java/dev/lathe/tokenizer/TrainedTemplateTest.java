package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The template a fine-tune was trained with: its hashes are SHA-256 of the bytes the class comment
 * names (computed here by hand on TinyStories-656K's tokenizer and Lathe's plain template), it is
 * written and read back whole, a changed template, special token or tokenizer file is named as the
 * part that changed, and a damaged record is an error naming the file.
 */
class TrainedTemplateTest {
  @TempDir Path dir;

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void hashesRoundTripAndTheChangedPartIsNamed() throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    TrainedTemplate trained;
    try (HfTokenizer tokenizer = HfTokenizer.load(model)) {
      trained = TrainedTemplate.of(tokenizer, ChatTemplate.orPlain(tokenizer));
    }
    String tokens =
        "{\"bos_token\":\"<|start_story|>\",\"eos_token\":\"<|end_story|>\","
            + "\"pad_token\":\"<unk>\",\"unk_token\":\"<unk>\"}";
    assertThat(trained.templateSource()).isEqualTo(ChatTemplate.PLAIN_SOURCE);
    assertThat(trained.templateSha256())
        .isEqualTo(
            sha256((ChatTemplate.PLAIN_SOURCE + "\0" + tokens).getBytes(StandardCharsets.UTF_8)));
    assertThat(trained.tokenizerSha256())
        .isEqualTo(sha256(Files.readAllBytes(model.resolve("tokenizer.json"))));

    assertThat(TrainedTemplate.read(dir)).isEmpty();
    trained.write(dir);
    TrainedTemplate back = TrainedTemplate.read(dir).orElseThrow();
    assertThat(back).isEqualTo(trained);
    back.requireSame(trained, "ft:x");

    TrainedTemplate otherSource =
        new TrainedTemplate("{{ x }}", trained.specialTokens(), "aa", trained.tokenizerSha256());
    assertThatThrownBy(() -> trained.requireSame(otherSource, "ft:x"))
        .isInstanceOf(TemplateMismatchException.class)
        .hasMessageStartingWith(
            "The fine-tune `ft:x` was trained with another chat template than its base has now"
                + " (template_sha256 "
                + trained.templateSha256()
                + " when trained, aa now)");
    TrainedTemplate otherTokens =
        new TrainedTemplate(
            trained.templateSource(), Map.of("eos_token", "</s>"), "bb", trained.tokenizerSha256());
    assertThatThrownBy(() -> trained.requireSame(otherTokens, "ft:x"))
        .isInstanceOf(TemplateMismatchException.class)
        .hasMessageContaining("another special tokens than its base has now")
        .extracting(e -> ((TemplateMismatchException) e).part())
        .isEqualTo(TemplateMismatchException.Part.SPECIAL_TOKENS);
    TrainedTemplate otherTokenizer =
        new TrainedTemplate(
            trained.templateSource(), trained.specialTokens(), trained.templateSha256(), "cc");
    assertThatThrownBy(() -> trained.requireSame(otherTokenizer, "ft:x"))
        .isInstanceOf(TemplateMismatchException.class)
        .hasMessageContaining(
            "(tokenizer_sha256 " + trained.tokenizerSha256() + " when trained, cc now)")
        .hasMessageContaining("or train the fine-tune again on the changed base");
  }

  @Test
  void aDamagedRecordIsAnErrorNamingTheFile() throws Exception {
    Files.writeString(dir.resolve(TrainedTemplate.FILE_NAME), "{\"template_source\": ");
    assertThatThrownBy(() -> TrainedTemplate.read(dir))
        .hasMessageStartingWith(dir.resolve(TrainedTemplate.FILE_NAME).toString())
        .hasMessageContaining(
            "not a readable record of the template the fine-tune was trained with")
        .hasMessageContaining("restore it from the run directory, or re-train");
  }
}
