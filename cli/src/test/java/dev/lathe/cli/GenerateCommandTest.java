package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GenerateCommandTest {

  private static LatheRun lathe(String... args) {
    return LatheRun.of(args);
  }

  /** llama2.c's expected greedy story (the JSON string, unescaped). */
  private static String expectedStory() throws IOException {
    Path vector = SharedAssets.require("testvectors/published/llama2c_stories260K_greedy.json");
    String json = Files.readString(vector);
    Matcher m =
        Pattern.compile("\"expected_text\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
    assertThat(m.find()).isTrue();
    return m.group(1).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
  }

  private static String stories260K() {
    return SharedAssets.require("models/llama2c-stories260K/stories260K.bin").toString();
  }

  private static String tinyStories656K() {
    return SharedAssets.require("models/hf-TinyStories-656K").toString();
  }

  @Test
  void greedyStories260KPrintsLlama2csOwnStory() throws IOException {
    LatheRun run =
        lathe("generate", "--model", stories260K(), "--temperature", "0", "--max-tokens", "200");
    assertThat(run.err()).isEmpty();
    assertThat(run.exit()).isZero();
    assertThat(run.out()).isEqualTo(expectedStory() + "\n");
  }

  @Test
  void aStopStringEndsTheTextBeforeIt() throws IOException {
    LatheRun run =
        lathe(
            "generate",
            "--model",
            stories260K(),
            "--temperature",
            "0",
            "--stop",
            "Lily",
            "--stop",
            "xyz");
    assertThat(run.exit()).isZero();
    String story = expectedStory();
    assertThat(run.out()).isEqualTo(story.substring(0, story.indexOf("Lily")) + "\n");
  }

  @Test
  void logprobsGoToStderrOneLinePerToken() {
    LatheRun run =
        lathe(
            "generate",
            "--model",
            stories260K(),
            "--temperature",
            "0",
            "--max-tokens",
            "5",
            "--logprobs",
            "2",
            "--prompt",
            "Once upon");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).startsWith(" a time");
    String[] lines = run.err().split("\n");
    assertThat(lines[0]).isEqualTo("finish_reason=length prompt_tokens=3 completion_tokens=5");
    assertThat(lines).hasSize(6);
    // greedy: the chosen token is the most likely alternative, listed first
    assertThat(lines[1]).contains("\" a\"").matches(".*\" a\" +-?\\d+\\.\\d{4}  \" a\" .*");
  }

  @Test
  void statsReportTheCountsAndFinishReason() {
    LatheRun run =
        lathe(
            "generate",
            "--model",
            stories260K(),
            "--prompt",
            "Lily",
            "--max-tokens",
            "7",
            "--seed",
            "1",
            "--stats");
    assertThat(run.exit()).isZero();
    assertThat(run.err())
        .containsPattern("prompt_tokens=\\d+ completion_tokens=7 finish_reason=length prefill ")
        .contains("tokens/s");
  }

  @Test
  void theSameSeedGivesTheSameStoryOnTinyStories656K() {
    String model = tinyStories656K();
    String[] common = {
      "generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "48"
    };
    LatheRun first = lathe(concat(common, "--seed", "7"));
    LatheRun again = lathe(concat(common, "--seed", "7"));
    LatheRun other = lathe(concat(common, "--seed", "8"));
    LatheRun third = lathe(concat(common, "--seed", "9"));
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out()).isNotBlank().isEqualTo(again.out());
    // different seeds usually differ: at least one of two other seeds must
    assertThat(first.out().equals(other.out()) && first.out().equals(third.out())).isFalse();
  }

  @Test
  void greedyTinyStories656KTellsLilysStory() {
    LatheRun run =
        lathe("generate", "--model", tinyStories656K(), "--temperature", "0", "--max-tokens", "12");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("Once upon a time, there was a little girl named Lily");
  }

  @Test
  void badOptionsAndMissingModelsExitTwoWithTheReason() {
    LatheRun hot = lathe("generate", "--model", "org/name", "--temperature", "3");
    assertThat(hot.exit()).isEqualTo(2);
    assertThat(hot.err()).contains("temperature is 3.0; it must be between 0 and 2");
    LatheRun penalty = lathe("generate", "--model", "org/name", "--frequency-penalty", "2.5");
    assertThat(penalty.exit()).isEqualTo(2);
    assertThat(penalty.err()).contains("frequency_penalty is 2.5");
    LatheRun missing = lathe("generate", "--model", "/no/such/model");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("does not exist on disk");
  }

  private static String[] concat(String[] head, String... tail) {
    String[] all = new String[head.length + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }
}
