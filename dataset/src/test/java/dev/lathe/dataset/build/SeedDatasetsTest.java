package dev.lathe.dataset.build;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.testkit.SharedAssets;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seeds' two datasets, rebuilt from raw data with templates. */
class SeedDatasetsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aFolderOfPlacePagesBecomesQuestionAndAnswerChatsEqualToTheGoldenFile(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("places.jsonl");
    BuildReport report =
        BuildFixtures.build(
            List.of(BuildFixtures.resource("places")),
            BuildFixtures.PLACE_SELECTORS,
            BuildFixtures.templateFile("place-qa.jinja"),
            null,
            BuildOptions.to(out));

    assertThat(report.written()).isTrue();
    assertThat(report.records()).isEqualTo(4);
    assertThat(report.examples()).isEqualTo(12);
    assertThat(report.trainReport().errors()).isZero();
    assertThat(Files.readString(out))
        .isEqualTo(Files.readString(BuildFixtures.resource("places-golden.jsonl")));
  }

  /**
   * Seed 004 wrote its ten limericks by hand as JSONL. Here its 14 examples (training and
   * validation files) become a CSV of elements and limericks, and the template gives them back
   * exactly: same messages, same text.
   */
  @Test
  void aCsvOfElementsAndLimericksBecomesTheSeedsLimerickFile(@TempDir Path dir) throws Exception {
    List<JsonNode> seed = new ArrayList<>();
    for (String name :
        List.of("limericks-training-data.jsonl", "limericks-validation-data.jsonl")) {
      for (String line : Files.readAllLines(SharedAssets.require("datasets/real/" + name))) {
        if (!line.isBlank()) {
          seed.add(JSON.readTree(line));
        }
      }
    }
    Path csv = dir.resolve("elements.csv");
    try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8);
        CSVPrinter printer = new CSVPrinter(w, CSVFormat.RFC4180)) {
      printer.printRecord("element", "limerick");
      for (JsonNode example : seed) {
        String user = example.at("/messages/1/content").asText();
        printer.printRecord(
            user.substring("Tell me about ".length()), example.at("/messages/2/content").asText());
      }
    }
    Path out = dir.resolve("limericks.jsonl");
    BuildReport report =
        BuildFixtures.build(
            List.of(csv),
            Map.of(),
            BuildFixtures.templateFile("limerick.jinja"),
            null,
            BuildOptions.to(out));

    assertThat(report.written()).isTrue();
    List<JsonNode> built = new ArrayList<>();
    for (String line : Files.readAllLines(out)) {
      built.add(JSON.readTree(line));
    }
    assertThat(built).containsExactlyElementsOf(seed);
  }
}
