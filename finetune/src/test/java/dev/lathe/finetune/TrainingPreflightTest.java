package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.testkit.ChatFiles;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TrainingPreflight}: the checks before step 1 pass on real data rendered for the plain
 * format of TinyStories-656K and the ChatML template of Qwen3 (whose end-of-turn tokens are {@code
 * <|end_story|>} and {@code <|im_end|>}), and fail, naming the lines, on data that trains nothing
 * or not the end-of-turn token; a job on such data fails before training.
 */
class TrainingPreflightTest {

  /** OpenAI's thresholds off: the seed files are smaller than a training file may be. */
  static final DatasetValidator VALIDATOR =
      new DatasetValidator(new ValidationOptions(null, 100, 0, 0, 64 << 20, 2 << 20), 1);

  @ParameterizedTest
  @CsvSource({
    "models/hf-TinyStories-656K, seed-examples/marv-multiturn-weighted.jsonl, 512, <|end_story|>",
    "models/hf-TinyStories-656K, real/toolcall-stock_validation.jsonl, 512, <|end_story|>",
    "models/hf-TinyStories-656K, seed-examples/legacy-prompt-completion.jsonl, 512, <|end_story|>",
    "tokenizers/qwen3, seed-examples/marv-multiturn-weighted.jsonl, 4096, <|im_end|>",
    "tokenizers/qwen3, real/toolcall-stock_validation.jsonl, 4096, <|im_end|>",
  })
  void realTemplatesTrainTheEndOfTurnTokenOfEveryExample(
      String tokenizerDir, String file, int context, String endOfTurn) throws Exception {
    Path path = SharedAssets.require("datasets/" + file);
    try (HfTokenizer tokenizer = HfTokenizer.load(SharedAssets.require(tokenizerDir))) {
      assertThat(tokenizer.eosToken()).isEqualTo(endOfTurn);
      int end = tokenizer.eosTokenIds()[0];
      TrainingData.Rendered<TrainingExample> data =
          TrainingData.render(path, VALIDATOR, ExampleRenderer.forTokenizer(tokenizer, context));
      assertThat(data.examples()).isNotEmpty();
      for (TrainingExample e : data.examples()) {
        if (!e.truncated()) { // a truncated example may have lost its end (and is reported)
          assertThat(e.targets()).as("line %d", e.line()).contains(end);
        }
      }
      assertThat(data.examples()).filteredOn(e -> !e.truncated()).isNotEmpty();
      List<String> messages = new ArrayList<>();
      TrainingPreflight.check(
          path,
          InvalidTrainingFileException.Field.TRAINING,
          data,
          tokenizer.eosTokenIds(),
          endOfTurn,
          listener(messages));
      assertThat(messages).isEmpty();
    }
  }

  @Test
  void anExampleWhoseEndOfTurnIsNotTrainedFailsNamingItsLine() {
    int eos = 2;
    // line 7: "a b </s>" with only "b" trained; line 8 trains its </s>
    TrainingExample noEnd =
        TrainingExample.of(
            7, new int[] {1, 10, 11, eos}, new boolean[] {false, false, true, false}, 16);
    TrainingExample good =
        TrainingExample.of(
            8, new int[] {1, 10, 11, eos}, new boolean[] {false, false, true, true}, 16);
    TrainingData.Rendered<TrainingExample> data = rendered(List.of(good, noEnd), List.of());
    assertThatThrownBy(
            () ->
                TrainingPreflight.check(
                    Path.of("train.jsonl"),
                    InvalidTrainingFileException.Field.TRAINING,
                    data,
                    new int[] {eos},
                    "</s>",
                    TrainingListener.NONE))
        .isInstanceOf(UntrainableDataException.class)
        .hasMessageStartingWith("train.jsonl: The end-of-turn token </s> is not trained in line 7,")
        .hasMessageContaining("could not learn to stop")
        .satisfies(e -> assertThat(((UntrainableDataException) e).lines()).containsExactly(7L));
  }

  @Test
  void untrainedExamplesAmongTrainedOnesAreReportedByLine() {
    TrainingExample good =
        TrainingExample.of(1, new int[] {1, 10, 2}, new boolean[] {false, true, true}, 16);
    List<String> messages = new ArrayList<>();
    TrainingPreflight.check(
        Path.of("train.jsonl"),
        InvalidTrainingFileException.Field.TRAINING,
        rendered(List.of(good), List.of(3L, 5L)),
        new int[] {2},
        "</s>",
        listener(messages));
    assertThat(messages)
        .containsExactly("train.jsonl: 2 example(s) train no token and are left out: lines 3, 5");
  }

  @Test
  void aJobWhoseExamplesAllTrainNothingFailsBeforeStepOneNamingTheLines(@TempDir Path dir)
      throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    Path train =
        Files.writeString(
            dir.resolve("train.jsonl"), ChatFiles.questionsLongerThanTinyStoriesContext(10));
    List<String> messages = new ArrayList<>();
    FineTuneJob job =
        new FineTuneJob(
            model, train, null, dir.resolve("out"), FineTuneOptions.defaults().withEpochs(1));
    assertThatThrownBy(() -> job.run(listener(messages), () -> false))
        .isInstanceOf(UntrainableDataException.class)
        .hasMessage(
            "train.jsonl: No example trains any token (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)."
                + " Give at least one assistant message per example a weight above 0, or raise"
                + " the context length if truncation cut the answers.");
    assertThat(messages)
        .contains(
            "train.jsonl: 10 example(s) train no token and are left out: lines 1, 2, 3, 4, 5, 6,"
                + " 7, 8, 9, 10")
        .anySatisfy(m -> assertThat(m).startsWith("train.jsonl line 3: skipped, no trained token"));
    assertThat(job.layout().checkpoints()).doesNotExist();
  }

  @Test
  void linesAreListedUpToTenThenCounted() {
    List<Long> many = new ArrayList<>();
    for (long l = 1; l <= 12; l++) {
      many.add(l);
    }
    assertThat(TrainingPreflight.lines(List.of(4L))).isEqualTo("line 4");
    assertThat(TrainingPreflight.lines(many))
        .isEqualTo("lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more");
  }

  private static TrainingData.Rendered<TrainingExample> rendered(
      List<TrainingExample> examples, List<Long> untrained) {
    return new TrainingData.Rendered<>(examples, null, 0, untrained.size(), List.of(), untrained);
  }

  private static TrainingListener listener(List<String> messages) {
    return new TrainingListener() {
      @Override
      public void onMessage(String message) {
        messages.add(message);
      }
    };
  }
}
