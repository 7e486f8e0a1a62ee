package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.OpenAiEncoding;
import dev.lathe.tokenizer.OpenAiTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The cookbook's published output for {@code toy_chat_fine_tuning.jsonl} (notebook {@code
 * Chat_finetuning_data_prep.ipynb}, cl100k_base, 4096-token cap in the stored run):
 *
 * <pre>
 * Num examples missing system message: 1 / missing user message: 1
 * num_messages_per_example:         min/max 2, 9      mean/median 3.8, 3.0     "p5/p95" 2.0, 6.6000000000000005
 * num_total_tokens_per_example:     min/max 26, 8032  mean/median 1648.4, 45.0 "p5/p95" 26.8, 4863.6
 * num_assistant_tokens_per_example: min/max 4, 8000   mean/median 1610.2, 10.0 "p5/p95" 6.0, 4811.200000000001
 * 1 examples may be over the 4096 token limit; ~4306 tokens charged; 20 epochs; ~86120 tokens
 * </pre>
 *
 * <p>The printed "p5/p95" are numpy's 0.1/0.9 quantiles. From them, the mean and the median, the
 * five sorted values follow by hand: tokens 26, 28, 45, 111, 8032; assistant tokens 4, 9, 10, 28,
 * 8000; messages 2, 2, 3, 3, 9 (e.g. q10 = 26 + 0.4·(x − 26) = 26.8 gives x = 28, and the mean
 * gives the fourth). The true p5/p95 below were computed by hand from those values with numpy's
 * linear rule: h = 4·q, value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 */
class TokenStatisticsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TokenCounter CL100K =
      new TokenCounter(OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE));

  static List<JsonNode> readJsonl(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .filter(line -> !line.isBlank())
        .map(
            line -> {
              try {
                return JSON.readTree(line);
              } catch (IOException e) {
                throw new IllegalArgumentException(e);
              }
            })
        .toList();
  }

  private static DatasetStatistics run(TokenStatistics statistics, List<JsonNode> examples) {
    long line = 1;
    for (JsonNode example : examples) {
      statistics.onExample(line++, DatasetFormat.CHAT, example, true);
    }
    return statistics.finish();
  }

  @Test
  void reproducesTheCookbookOnTheToyFile() throws IOException {
    List<JsonNode> toy =
        readJsonl(SharedAssets.require("datasets/real/toy_chat_fine_tuning.jsonl"));
    DatasetStatistics stats = run(new TokenStatistics(CL100K, 4096), toy);

    assertThat(stats.examples()).isEqualTo(5);
    assertThat(stats.examplesMissingSystem()).isEqualTo(1);
    assertThat(stats.examplesMissingUser()).isEqualTo(1);

    StatisticSummary messages = stats.messagesPerExample();
    assertThat(List.of(messages.min(), messages.max())).containsExactly(2L, 9L);
    assertThat(messages.mean()).isEqualTo(3.8);
    assertThat(messages.median()).isEqualTo(3.0);
    assertThat(messages.q10()).isEqualTo(2.0);
    assertThat(messages.q90()).isEqualTo(6.6000000000000005);
    assertThat(messages.p5()).isCloseTo(2.0, within(1e-9));
    assertThat(messages.p95()).isCloseTo(7.8, within(1e-9));

    StatisticSummary tokens = stats.tokensPerExample();
    assertThat(List.of(tokens.min(), tokens.max())).containsExactly(26L, 8032L);
    assertThat(tokens.mean()).isEqualTo(1648.4);
    assertThat(tokens.median()).isEqualTo(45.0);
    assertThat(tokens.q10()).isEqualTo(26.8);
    assertThat(tokens.q90()).isEqualTo(4863.6);
    assertThat(tokens.p5()).isCloseTo(26.4, within(1e-9));
    assertThat(tokens.p95()).isCloseTo(6447.8, within(1e-9));
    assertThat(tokens.exact()).isTrue();

    StatisticSummary assistant = stats.assistantTokensPerExample();
    assertThat(List.of(assistant.min(), assistant.max())).containsExactly(4L, 8000L);
    assertThat(assistant.mean()).isEqualTo(1610.2);
    assertThat(assistant.median()).isEqualTo(10.0);
    assertThat(assistant.q10()).isEqualTo(6.0);
    assertThat(assistant.q90()).isEqualTo(4811.200000000001);
    assertThat(assistant.p5()).isCloseTo(5.0, within(1e-9));
    assertThat(assistant.p95()).isCloseTo(6405.6, within(1e-9));
    // No weights in the file: every assistant token is trained.
    assertThat(stats.trainedTokensPerExample()).isEqualTo(assistant);

    assertThat(stats.examplesOverLimit()).isEqualTo(1);
    assertThat(stats.totalTokens()).isEqualTo(8242);
    TrainingEstimate old = stats.estimate();
    assertThat(old.epochs()).isEqualTo(20);
    assertThat(old.billedTokensPerEpoch()).isEqualTo(4306);
    assertThat(old.chargedTokens()).isEqualTo(86120);
  }

  @Test
  void withTheCurrentCapNothingIsTruncated() throws IOException {
    List<JsonNode> toy =
        readJsonl(SharedAssets.require("datasets/real/toy_chat_fine_tuning.jsonl"));
    DatasetStatistics stats =
        run(new TokenStatistics(CL100K, TrainingTokenLimits.COOKBOOK_DEFAULT), toy);
    assertThat(stats.examplesOverLimit()).isZero();
    TrainingEstimate estimate = stats.estimate();
    assertThat(estimate.epochs()).isEqualTo(20);
    assertThat(estimate.billedTokensPerEpoch()).isEqualTo(8242);
    assertThat(estimate.chargedTokens()).isEqualTo(164840);
  }

  @Test
  void parallelCountingGivesTheSameStatistics() throws IOException {
    List<JsonNode> gsm8k = readJsonl(SharedAssets.require("datasets/real/gsm8k-chat_train.jsonl"));
    DatasetStatistics serial = run(new TokenStatistics(CL100K, 16_385), gsm8k);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      DatasetStatistics parallel = run(TokenStatistics.parallel(CL100K, 16_385, pool, 2), gsm8k);
      assertThat(parallel).isEqualTo(serial);
      assertThat(parallel.examples()).isEqualTo(449);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void trainedTokensSkipWeightZeroAssistantMessages() throws IOException {
    List<JsonNode> marv =
        readJsonl(SharedAssets.require("datasets/seed-examples/marv-multiturn-weighted.jsonl"));
    OpenAiTokenizer tokenizer = OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE);
    long expectedTrained = 0;
    long expectedAssistant = 0;
    for (JsonNode example : marv) {
      for (JsonNode message : example.get("messages")) {
        if (message.get("role").asText().equals("assistant")) {
          int n = tokenizer.countTokens(message.get("content").asText());
          expectedAssistant += n;
          if (message.path("weight").asInt(1) == 1) {
            expectedTrained += n;
          }
        }
      }
    }
    DatasetStatistics stats = run(new TokenStatistics(CL100K, 16_385), marv);
    long trained = Math.round(stats.trainedTokensPerExample().mean() * stats.examples());
    long assistant = Math.round(stats.assistantTokensPerExample().mean() * stats.examples());
    assertThat(trained).isEqualTo(expectedTrained).isLessThan(assistant);
    assertThat(assistant).isEqualTo(expectedAssistant);
  }

  @Test
  void anEmptyFileHasNoDistributions() {
    DatasetStatistics stats = new TokenStatistics(CL100K, 16_385).finish();
    assertThat(stats.examples()).isZero();
    assertThat(stats.tokensPerExample()).isNull();
    assertThat(stats.messagesPerExample()).isNull();
    assertThat(stats.estimate().chargedTokens()).isZero();
  }
}
