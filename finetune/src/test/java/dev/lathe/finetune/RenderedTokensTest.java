package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ExampleRenderer#renderTokens} and {@link ExampleRenderer#renderPreferredTokens} against
 * the training code: for every example of the shared datasets (chat with a system message, weight-0
 * turns, tool calls, prompt/completion, preference pairs' preferred answers), rendered for the
 * plain template of TinyStories and the ChatML template of Qwen3, the tokens, targets and trained
 * count equal those of the file as training loads it ({@link TrainingData#render}, {@link
 * PreferenceData#render}), and the roles put every trained token in an assistant span or a
 * completion.
 */
class RenderedTokensTest {
  static final Map<String, HfTokenizer> TOKENIZERS = new LinkedHashMap<>();

  /** OpenAI's thresholds off: the seed files are smaller than a training file may be. */
  static final DatasetValidator VALIDATOR =
      new DatasetValidator(new ValidationOptions(null, 100, 0, 0, 64 << 20, 2 << 20), 1);

  @BeforeAll
  static void load() {
    TOKENIZERS.put(
        "tinystories", HfTokenizer.load(SharedAssets.require("models/hf-TinyStories-656K")));
    TOKENIZERS.put("qwen3", HfTokenizer.load(SharedAssets.require("tokenizers/qwen3")));
  }

  @AfterAll
  static void close() {
    TOKENIZERS.values().forEach(HfTokenizer::close);
  }

  record Line(long line, DatasetFormat format, JsonNode json) {}

  static List<Line> validLines(Path file) throws Exception {
    List<Line> lines = new ArrayList<>();
    VALIDATOR.validate(
        file,
        (line, format, json, valid) -> {
          if (valid) {
            lines.add(new Line(line, format, json));
          }
        });
    return lines;
  }

  @ParameterizedTest
  @CsvSource({
    "tinystories, seed-examples/marv-sarcastic.jsonl, 512",
    "tinystories, seed-examples/marv-multiturn-weighted.jsonl, 512",
    "tinystories, seed-examples/legacy-prompt-completion.jsonl, 512",
    "tinystories, seed-examples/sports-headlines.jsonl, 512",
    "tinystories, seed-examples/elements-limericks.jsonl, 512",
    "tinystories, real/toolcall-stock_validation.jsonl, 512",
    "qwen3, seed-examples/marv-sarcastic.jsonl, 4096",
    "qwen3, seed-examples/marv-multiturn-weighted.jsonl, 4096",
    "qwen3, seed-examples/legacy-prompt-completion.jsonl, 4096",
    "qwen3, real/toolcall-stock_validation.jsonl, 4096",
  })
  void supervisedPreviewsCountWhatTrainingTrains(String tokenizer, String file, int context)
      throws Exception {
    Path path = SharedAssets.require("datasets/" + file);
    ExampleRenderer renderer = ExampleRenderer.forTokenizer(TOKENIZERS.get(tokenizer), context);
    Map<Long, TrainingExample> trained = new LinkedHashMap<>();
    TrainingData.render(path, VALIDATOR, renderer)
        .examples()
        .forEach(e -> trained.put(e.line(), e));
    assertThat(trained).isNotEmpty();
    Set<String> roles = new HashSet<>();
    for (Line l : validLines(path)) {
      TrainingExample expected = trained.get(l.line());
      if (expected == null) {
        continue; // skipped by training (nothing trained): not previewed as trained either
      }
      RenderedTokens preview = renderer.renderTokens(l.line(), l.format(), l.json());
      assertSameAsTraining(
          preview, expected, l.format() == DatasetFormat.CHAT ? "assistant" : "completion");
      roles.addAll(List.of(preview.roles()));
    }
    if (file.contains("marv-sarcastic")) {
      assertThat(roles).contains("system", "user", "assistant", "template");
    }
    if (file.contains("prompt-completion")) {
      assertThat(roles).contains("prompt", "completion");
    }
  }

  @ParameterizedTest
  @CsvSource({"tinystories", "qwen3"})
  void truncatedExamplesShowTheKeptTokensAndCountWhatTrainingTrains(String tokenizer)
      throws Exception {
    Path path = SharedAssets.require("datasets/seed-examples/marv-sarcastic.jsonl");
    Line first = validLines(path).getFirst();
    int full =
        ExampleRenderer.forTokenizer(TOKENIZERS.get(tokenizer), 100_000)
            .render(first.line(), first.format(), first.json())
            .length();
    ExampleRenderer renderer = ExampleRenderer.forTokenizer(TOKENIZERS.get(tokenizer), full - 3);
    TrainingExample expected = TrainingData.render(path, VALIDATOR, renderer).examples().getFirst();
    RenderedTokens preview = renderer.renderTokens(first.line(), first.format(), first.json());
    assertThat(expected.truncated()).isTrue();
    assertThat(preview.ids()).hasSize(full - 2);
    assertSameAsTraining(preview, expected, "assistant");
  }

  @ParameterizedTest
  @CsvSource({"tinystories, 512", "qwen3, 4096"})
  void weightZeroTurnsAreAssistantTokensNotTrained(String tokenizer, int context) throws Exception {
    Path path = SharedAssets.require("datasets/seed-examples/marv-multiturn-weighted.jsonl");
    ExampleRenderer renderer = ExampleRenderer.forTokenizer(TOKENIZERS.get(tokenizer), context);
    Line first = validLines(path).getFirst();
    RenderedTokens preview = renderer.renderTokens(first.line(), first.format(), first.json());
    int assistantIgnored = 0;
    int assistantTrained = 0;
    for (int i = 0; i < preview.ids().length; i++) {
      if (preview.roles()[i].equals("assistant")) {
        if (preview.trained(i)) {
          assistantTrained++;
        } else {
          assistantIgnored++;
        }
      }
    }
    assertThat(assistantIgnored).isPositive(); // "Paris", weight 0
    assertThat(assistantTrained).isEqualTo(preview.example().trainedTokens());
  }

  @ParameterizedTest
  @CsvSource({
    "tinystories, seed-examples/weather-dpo.jsonl, 512",
    "tinystories, real/dpo-orca_dpo_pairs-validation.jsonl, 256",
    "qwen3, seed-examples/weather-dpo.jsonl, 4096",
  })
  void preferredAnswerPreviewsCountWhatDpoTrains(String tokenizer, String file, int context)
      throws Exception {
    Path path = SharedAssets.require("datasets/" + file);
    ExampleRenderer renderer = ExampleRenderer.forTokenizer(TOKENIZERS.get(tokenizer), context);
    Map<Long, PreferenceExample> pairs = new LinkedHashMap<>();
    PreferenceData.render(path, VALIDATOR, renderer)
        .examples()
        .forEach(p -> pairs.put(p.line(), p));
    assertThat(pairs).isNotEmpty();
    for (Line l : validLines(path)) {
      PreferenceExample expected = pairs.get(l.line());
      if (expected != null) {
        assertSameAsTraining(
            renderer.renderPreferredTokens(l.line(), l.json()), expected.chosen(), "assistant");
      }
    }
  }

  static void assertSameAsTraining(RenderedTokens preview, TrainingExample expected, String role) {
    TrainingExample e = preview.example();
    assertThat(e.tokens()).as("line %d tokens", expected.line()).isEqualTo(expected.tokens());
    assertThat(e.targets()).as("line %d targets", expected.line()).isEqualTo(expected.targets());
    assertThat(e.truncated()).isEqualTo(expected.truncated());
    int trained = 0;
    for (int i = 0; i < preview.ids().length; i++) {
      if (preview.trained(i)) {
        trained++;
        assertThat(preview.roles()[i]).as("line %d token %d", expected.line(), i).isEqualTo(role);
      }
      if (i < e.length()) {
        assertThat(preview.ids()[i]).isEqualTo(e.tokens()[i]);
      }
    }
    assertThat(trained).as("line %d trained", expected.line()).isEqualTo(expected.trainedTokens());
  }
}
