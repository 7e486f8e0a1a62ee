package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleRendererTest {

  static HfTokenizer tokenizer;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void load() {
    tokenizer = HfTokenizer.load(SharedAssets.require("models/hf-TinyStories-656K"));
  }

  @AfterAll
  static void close() {
    if (tokenizer != null) {
      tokenizer.close();
    }
  }

  static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  /** The text of the trained targets, run by run. */
  static List<String> trainedRuns(TrainingExample e) {
    List<String> runs = new ArrayList<>();
    List<Integer> run = new ArrayList<>();
    for (int t = 0; t <= e.length(); t++) {
      int target = t < e.length() ? e.targets()[t] : -1;
      if (target >= 0) {
        run.add(target);
      } else if (!run.isEmpty()) {
        runs.add(tokenizer.decode(run.stream().mapToInt(Integer::intValue).toArray()));
        run.clear();
      }
    }
    return runs;
  }

  @Test
  void plainTemplateStartsWithBosAndTrainsAssistantContentAndEos() throws Exception {
    ExampleRenderer r = ExampleRenderer.forTokenizer(tokenizer, 512);
    TrainingExample e =
        r.render(
            3,
            DatasetFormat.CHAT,
            json(
                """
                {"messages":[{"role":"system","content":"Be brief."},
                {"role":"user","content":"Who is Lily?"},
                {"role":"assistant","content":"A girl who likes cats."},
                {"role":"user","content":"And Tom?"},
                {"role":"assistant","content":"Her dog.","weight":1}]}"""));
    assertThat(e.tokens()[0]).isEqualTo(tokenizer.bosTokenId().getAsInt());
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.truncated()).isFalse();
    List<String> runs = trainedRuns(e);
    assertThat(runs).hasSize(2);
    assertThat(runs.get(0)).contains("A girl who likes cats.").endsWith("<|end_story|>");
    assertThat(runs.get(1)).contains("Her dog.").endsWith("<|end_story|>");
    assertThat(String.join("", runs)).doesNotContain("Lily").doesNotContain("User");
    // targets are the next input token wherever trained
    for (int t = 0; t + 1 < e.length(); t++) {
      if (e.targets()[t] >= 0) {
        assertThat(e.targets()[t]).isEqualTo(e.tokens()[t + 1]);
      }
    }
    assertThat(e.targets()[e.length() - 1]).isEqualTo(tokenizer.eosTokenIds()[0]);
  }

  @Test
  void weightZeroAssistantMessagesAreNotTrained() throws Exception {
    ExampleRenderer r = ExampleRenderer.forTokenizer(tokenizer, 512);
    TrainingExample e =
        r.render(
            1,
            DatasetFormat.CHAT,
            json(
                """
                {"messages":[{"role":"user","content":"Hi"},
                {"role":"assistant","content":"Wrong answer.","weight":0},
                {"role":"user","content":"Again"},
                {"role":"assistant","content":"Right answer."}]}"""));
    List<String> runs = trainedRuns(e);
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0)).contains("Right answer.");
  }

  @Test
  void longExamplesAreCutFromTheEnd() throws Exception {
    ExampleRenderer r = ExampleRenderer.forTokenizer(tokenizer, 18);
    TrainingExample e =
        r.render(
            1,
            DatasetFormat.CHAT,
            json(
                """
                {"messages":[{"role":"user","content":"Tell me a story"},
                {"role":"assistant","content":"Once upon a time there was a little girl named Lily who loved to play."}]}"""));
    assertThat(e.truncated()).isTrue();
    assertThat(e.length()).isEqualTo(18);
    assertThat(e.tokens()[0]).isEqualTo(tokenizer.bosTokenId().getAsInt());
    assertThat(e.trainedTokens()).isPositive();
  }

  @Test
  void promptCompletionTrainsTheCompletionAndEos() throws Exception {
    ExampleRenderer r = ExampleRenderer.forTokenizer(tokenizer, 512);
    TrainingExample e =
        r.render(
            1,
            DatasetFormat.PROMPT_COMPLETION,
            json("{\"prompt\":\"The cat sat\",\"completion\":\" on the mat.\"}"));
    List<String> runs = trainedRuns(e);
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0)).contains("on the mat.").doesNotContain("cat").endsWith("<|end_story|>");
    assertThatThrownBy(() -> r.render(1, DatasetFormat.PREFERENCE, json("{\"input\":{}}")))
        .hasMessageContaining("preference");
  }

  @Test
  void loadingReportsTruncatedAndSkippedExamples(@TempDir Path dir) throws Exception {
    StringBuilder file = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      file.append(
          "{\"messages\":[{\"role\":\"user\",\"content\":\"Say hi number "
              + i
              + "\"},{\"role\":\"assistant\",\"content\":\"Hi!\"}]}\n");
    }
    file.append(
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"},{\"role\":\"assistant\","
            + "\"content\":\""
            + "Once upon a time there was a little girl named Lily. ".repeat(6)
            + "\"}]}\n");
    file.append(
        "{\"messages\":[{\"role\":\"system\",\"content\":\""
            + "You are a storyteller who likes long words. ".repeat(8)
            + "\"},{\"role\":\"user\",\"content\":\"Hi\"},"
            + "{\"role\":\"assistant\",\"content\":\"Hello.\"}]}\n");
    Path p = dir.resolve("train.jsonl");
    Files.writeString(p, file);
    List<String> messages = new ArrayList<>();
    TrainingData data =
        TrainingData.load(
            p,
            new DatasetValidator(),
            ExampleRenderer.forTokenizer(tokenizer, 48),
            new TrainingListener() {
              @Override
              public void onMessage(String message) {
                messages.add(message);
              }
            });
    assertThat(data.report().hasErrors()).isFalse();
    assertThat(data.notes()).hasSize(2);
    assertThat(data.examples()).hasSize(11);
    assertThat(data.truncated()).isEqualTo(1);
    assertThat(data.skipped()).isEqualTo(1);
    assertThat(messages).containsExactlyElementsOf(data.notes());
    assertThat(messages)
        .anySatisfy(m -> assertThat(m).contains("line 11").contains("truncated"))
        .anySatisfy(m -> assertThat(m).contains("line 12").contains("skipped, no trained token"));
  }

  @Test
  void aFileWithErrorsYieldsNoExamples(@TempDir Path dir) throws Exception {
    Path p = dir.resolve("bad.jsonl");
    Files.writeString(p, "{\"messages\": [\n");
    TrainingData data =
        TrainingData.load(
            p,
            new DatasetValidator(),
            ExampleRenderer.forTokenizer(tokenizer, 16),
            TrainingListener.NONE);
    assertThat(data.report().hasErrors()).isTrue();
    assertThat(data.examples()).isEmpty();
  }
}
