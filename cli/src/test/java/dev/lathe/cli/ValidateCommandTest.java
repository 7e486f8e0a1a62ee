package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {

  /** What one {@code lathe} invocation printed and returned. */
  record Run(int exit, String out, String err) {}

  static Run lathe(String... args) {
    CommandLine cl = Lathe.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static Path writeChat(Path dir, int examples) throws IOException {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < examples; i++) {
      s.append("{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},")
          .append("{\"role\":\"user\",\"content\":\"What is ")
          .append(i)
          .append(" + 1?\"},{\"role\":\"assistant\",\"content\":\"")
          .append(i + 1)
          .append("\"}]}\n");
    }
    Path file = dir.resolve("train.jsonl");
    Files.writeString(file, s);
    return file;
  }

  @Test
  void toyFilePrintsTheCookbookFiguresWithTruthfulQuantileNames() {
    Path toy = SharedAssets.require("datasets/real/toy_chat_fine_tuning.jsonl");
    Run run = lathe("validate", toy.toString(), "--max-tokens", "4096");
    // The toy file has 5 examples: below OpenAI's minimum of 10, an error.
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out())
        .contains("Format: chat")
        .contains("invalid_n_examples: 1")
        .contains("Num examples missing system message: 1")
        .contains("Num examples missing user message: 1")
        .contains("#### Distribution of num_total_tokens_per_example:")
        .contains("min / max: 26, 8032")
        .contains("mean / median: 1648.4, 45.0")
        .contains("q10 / q90: 26.8, 4863.6")
        .contains("q10 / q90: 6.0, 4811.200000000001")
        .contains("1 examples may be over the 4,096 token limit")
        .contains("Dataset has ~4306 tokens that will be charged for during training")
        .contains("By default, you'll train for 20 epochs on this dataset")
        .contains("By default, you'll be charged for ~86120 tokens")
        .contains("Result: INVALID");
  }

  @Test
  void cleanFileExitsZeroAndPricesTheNamedModel(@TempDir Path dir) throws IOException {
    Path file = writeChat(dir, 60);
    Run run = lathe("validate", file.toString(), "--model", "gpt-4o-mini-2024-07-18");
    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.out())
        .contains("No errors found")
        .contains("Tokenizer: o200k_base")
        .contains("65,536 token limit")
        .contains("By default, you'll train for 3 epochs")
        .contains("Estimated training cost on gpt-4o-mini-2024-07-18: $")
        .contains("Result: OK");
  }

  @Test
  void jsonIsOneDocumentWithValidationStatisticsAndEstimate(@TempDir Path dir) throws IOException {
    Path file = writeChat(dir, 12);
    Run run = lathe("validate", "--json", file.toString(), "--model", "gpt-3.5-turbo");
    assertThat(run.exit()).isZero();
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertThat(json.get("valid").asBoolean()).isTrue();
    assertThat(json.at("/validation/examples").asLong()).isEqualTo(12);
    assertThat(json.get("tokenizer").asText()).isEqualTo("cl100k_base");
    assertThat(json.at("/statistics/tokens_per_example/count").asLong()).isEqualTo(12);
    assertThat(json.at("/estimate/epochs").asInt()).isEqualTo(8); // 100 / 12
    long charged = json.at("/estimate/charged_tokens").asLong();
    assertThat(charged).isEqualTo(8 * json.at("/statistics/billed_tokens_per_epoch").asLong());
    assertThat(json.at("/cost/usd").asDouble()).isEqualTo(charged * 8.0 / 1_000_000);
  }

  @Test
  void localModelUsesItsOwnTokenizerAndContextAndCostsNothing(@TempDir Path dir)
      throws IOException {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    Path file = writeChat(dir, 12);
    Run run = lathe("validate", "--json", file.toString(), "--model", model.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertThat(json.get("tokenizer").asText()).startsWith("Hugging Face tokenizer of");
    // config.json: max_position_embeddings = 512.
    assertThat(json.at("/statistics/max_tokens_per_example").asInt()).isEqualTo(512);
    assertThat(json.at("/cost/usd").asDouble()).isZero();
    assertThat(json.at("/cost/basis").asText()).contains("local model");
    // A different vocabulary than cl100k_base gives a different count for the same file.
    Run openai = lathe("validate", "--json", file.toString());
    long cl100k = new ObjectMapper().readTree(openai.out()).at("/statistics/total_tokens").asLong();
    assertThat(json.at("/statistics/total_tokens").asLong()).isPositive().isNotEqualTo(cl100k);
  }

  @Test
  void aUserPriceTableReplacesTheBuiltInOne(@TempDir Path dir) throws IOException {
    Path file = writeChat(dir, 12);
    Path prices = dir.resolve("prices.json");
    Files.writeString(
        prices,
        "{\"currency\": \"USD\", \"as_of\": \"2030-01\", \"source\": \"test\", \"models\":"
            + " [{\"model\": \"gpt-4o-mini-2024-07-18\", \"aliases\": [\"gpt-4o-mini\"],"
            + " \"usd_per_1m_training_tokens\": 1000000}]}");
    Run run =
        lathe(
            "validate",
            "--json",
            file.toString(),
            "--model",
            "gpt-4o-mini",
            "--prices",
            prices.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(run.out());
    // One dollar per token.
    assertThat(json.at("/cost/usd").asDouble())
        .isEqualTo(json.at("/estimate/charged_tokens").asDouble());
    assertThat(json.at("/cost/basis").asText()).contains("2030-01");

    Files.writeString(
        prices, "{\"models\": [{\"model\": \"x\", \"usd_per_1m_training_tokens\": -1}]}");
    Run bad = lathe("validate", file.toString(), "--prices", prices.toString());
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("Cannot read the price table");
  }

  @Test
  void requiredFormatMismatchIsAnError(@TempDir Path dir) throws IOException {
    Path file = writeChat(dir, 12);
    Run run = lathe("validate", file.toString(), "--format", "preference");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("Found").contains("Result: INVALID");
  }

  @Test
  void unusableCallsExitTwoWithAUsageMessage(@TempDir Path dir) throws IOException {
    Run missing = lathe("validate", dir.resolve("absent.jsonl").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("No readable file").contains("Usage: lathe validate");

    Path file = writeChat(dir, 12);
    Run unknown = lathe("validate", file.toString(), "--model", "llama-3-8b");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("Unknown OpenAI model 'llama-3-8b'").contains("gpt-4o-mini");

    Run badCap = lathe("validate", file.toString(), "--max-tokens", "0");
    assertThat(badCap.exit()).isEqualTo(2);
    assertThat(badCap.err()).contains("--max-tokens must be a positive");

    Run badFormat = lathe("validate", file.toString(), "--format", "dpo");
    assertThat(badFormat.exit()).isEqualTo(2);
  }
}
