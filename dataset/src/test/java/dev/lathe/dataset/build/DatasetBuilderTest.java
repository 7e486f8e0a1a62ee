package dev.lathe.dataset.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.dataset.IssueCode;
import dev.lathe.dataset.TokenCounter;
import dev.lathe.tokenizer.OpenAiEncoding;
import dev.lathe.tokenizer.OpenAiTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetBuilderTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String QA =
      "<|system|> You answer questions about cities.\n"
          + "<|user|> {{ question }}\n"
          + "<|assistant|> {{ answer }}\n";

  /** A CSV of {@code n} records, {@code perGroup} consecutive ones sharing a {@code city}. */
  private static Path csv(Path dir, int n, int perGroup) throws IOException {
    StringBuilder s = new StringBuilder("city,question,answer\n");
    for (int i = 0; i < n; i++) {
      int city = i / perGroup;
      s.append("City ")
          .append(city)
          .append(",\"Question " + i + " about city " + city + ", please?\",")
          .append("Answer number " + i + ".\n");
    }
    Path file = dir.resolve("qa-" + n + ".csv");
    Files.writeString(file, s);
    return file;
  }

  private static BuildReport build(Path input, String groupBy, BuildOptions options)
      throws IOException {
    return BuildFixtures.build(
        List.of(input), Map.of(), BuildFixtures.template("qa.jinja", QA), groupBy, options);
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file);
  }

  private static Set<String> citiesIn(Path file) throws IOException {
    Set<String> cities = new HashSet<>();
    for (String line : lines(file)) {
      String question = JSON.readTree(line).at("/messages/1/content").asText();
      cities.add(question.substring(question.indexOf("city ") + 5, question.indexOf(',')));
    }
    return cities;
  }

  @Test
  void theSameSeedGivesTheSameSplitAndAnotherSeedADifferentOne(@TempDir Path dir) throws Exception {
    Path input = csv(dir, 300, 1);
    String[] runs = new String[3];
    for (int run = 0; run < 3; run++) {
      Path train = dir.resolve("train" + run + ".jsonl");
      Path valid = dir.resolve("valid" + run + ".jsonl");
      long seed = run < 2 ? 42 : 43;
      BuildReport report =
          build(input, null, BuildOptions.to(train).withSplit(valid, 0.2, null, seed));
      assertThat(report.written()).isTrue();
      assertThat(report.trainExamples() + report.validationExamples()).isEqualTo(300);
      // About a fifth: 60 expected, binomial standard deviation about 7.
      assertThat(report.validationExamples()).isBetween(30L, 90L);
      runs[run] = Files.readString(valid);
      assertThat(lines(train)).doesNotContainAnyElementsOf(lines(valid));
    }
    assertThat(runs[1]).isEqualTo(runs[0]);
    assertThat(runs[2]).isNotEqualTo(runs[0]);
  }

  @Test
  void aSplitByCountPutsExactlyThatManyGroupsInValidation(@TempDir Path dir) throws Exception {
    Path train = dir.resolve("train.jsonl");
    Path valid = dir.resolve("valid.jsonl");
    BuildReport report =
        build(csv(dir, 120, 4), "city", BuildOptions.to(train).withSplit(valid, null, 5, 7));

    assertThat(report.validationExamples()).isEqualTo(20);
    assertThat(citiesIn(valid)).hasSize(5);
  }

  @Test
  void aGroupedSplitNeverPutsOneGroupOnBothSides(@TempDir Path dir) throws Exception {
    Path input = csv(dir, 400, 5);
    for (long seed = 0; seed < 5; seed++) {
      Path train = dir.resolve("train.jsonl");
      Path valid = dir.resolve("valid.jsonl");
      BuildReport report =
          build(input, "city", BuildOptions.to(train).withSplit(valid, 0.3, null, seed));
      assertThat(report.written()).isTrue();
      Set<String> trainCities = citiesIn(train);
      Set<String> validCities = citiesIn(valid);
      assertThat(trainCities).doesNotContainAnyElementsOf(validCities);
      assertThat(trainCities.size() + validCities.size()).isEqualTo(80);
    }
  }

  @Test
  void aCsvRowWithAMissingColumnNamesTheColumnAndTheLineAndWritesNothing(@TempDir Path dir)
      throws Exception {
    Path input = dir.resolve("bad.csv");
    Files.writeString(
        input,
        "city,question,answer\n"
            + "Lyon,\"What is Lyon known for,\nbriefly?\",Food.\n"
            + "Nice,Where is Nice?\n");
    Path out = dir.resolve("out.jsonl");

    assertThatThrownBy(() -> build(input, null, BuildOptions.to(out)))
        .isInstanceOf(DatasetBuildException.class)
        .hasMessageContaining("bad.csv line 4")
        .hasMessageContaining("no value for column 'answer'");
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).containsExactly(input);
    }
  }

  @Test
  void aTemplateThatFailsNamesTheRecordAndTheUndefinedField(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.jsonl");
    Path input = csv(dir, 12, 1);
    ExampleTemplate misspelt =
        BuildFixtures.template("qa.jinja", "<|user|> {{ question }}\n<|assistant|> {{ answr }}");

    assertThatThrownBy(
            () ->
                BuildFixtures.build(List.of(input), Map.of(), misspelt, null, BuildOptions.to(out)))
        .isInstanceOf(DatasetBuildException.class)
        .hasMessageContaining("qa-12.csv line 2")
        .hasMessageContaining("answr");
    assertThat(out).doesNotExist();
  }

  @Test
  void outputThatFailsValidationIsNotWrittenAndTheReportSaysWhy(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("out.jsonl");
    Files.writeString(out, "previous contents\n");
    ExampleTemplate noAnswer = BuildFixtures.template("q.jinja", "<|user|> {{ question }}");

    BuildReport report =
        BuildFixtures.build(
            List.of(csv(dir, 12, 1)), Map.of(), noAnswer, null, BuildOptions.to(out));

    assertThat(report.written()).isFalse();
    assertThat(report.trainReport().count(IssueCode.EXAMPLE_MISSING_ASSISTANT_MESSAGE))
        .isEqualTo(12);
    assertThat(report.trainOrigins()).containsEntry(1L, dir.resolve("qa-12.csv") + " line 2");
    assertThat(report.trainOrigins()).containsEntry(5L, dir.resolve("qa-12.csv") + " line 6");
    assertThat(Files.readString(out)).isEqualTo("previous contents\n");
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void exactAndNearDuplicatesAreDroppedAndExamplesOverTheTokenBudget(@TempDir Path dir)
      throws Exception {
    Path input = dir.resolve("dups.jsonl");
    String[][] facts = {
      {"Lyon", "Lyon sits where the Rhone meets the Saone and is famous for its bouchons."},
      {"Porto", "Porto climbs the banks of the Douro and ships port wine from its cellars."},
      {"Kyoto", "Kyoto keeps over a thousand temples and the wooden streets of Gion."},
      {"Quebec", "Quebec City has the only fortified walls north of Mexico in America."},
      {"Hue", "Hue was Vietnam's imperial capital; its citadel lies on the Perfume River."},
      {"Fes", "Fes has a medieval medina of nine thousand alleys and leather tanneries."},
      {"Cusco", "Cusco was the Inca capital, high in the Andes at 3,400 metres."},
      {"Bergen", "Bergen is rainy, ringed by seven hills, with a Hanseatic wharf."},
      {"Luang Prabang", "Luang Prabang wakes to monks collecting alms at dawn by the Mekong."},
      {"Valparaiso", "Valparaiso is painted in bright murals and climbed by old funiculars."},
      {"Tbilisi", "Tbilisi has sulphur baths under brick domes in its old town."},
      {"Hobart", "Hobart is Tasmania's harbour capital below kunanyi / Mount Wellington."},
    };
    StringBuilder s = new StringBuilder();
    for (String[] fact : facts) {
      s.append(line("Tell me about " + fact[0] + ".", fact[1]));
    }
    s.append(
        line(
            "tell me about LYON",
            "Lyon sits where the Rhone meets the Saone, and is famous for its bouchons!"));
    s.append(
        line(
            "Tell me about Porto.",
            "Porto climbs the banks of the Douro and ships port wine from its cellars."));
    s.append(
        line(
            "Tell me about Kyoto.",
            "Kyoto keeps over a thousand temples and the wooden streets of Gion, they say."));
    s.append(line("Tell me about Oslo.", "word ".repeat(200)));
    Files.writeString(input, s);
    Path out = dir.resolve("out.jsonl");

    BuildReport report =
        BuildFixtures.build(
            List.of(input),
            Map.of(),
            BuildFixtures.template("qa.jinja", QA),
            null,
            BuildOptions.to(out)
                .withDedupe(true, 0.7)
                .withBudget(new TokenCounter(OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE)), 100));

    assertThat(report.examples()).isEqualTo(16);
    assertThat(report.exactDuplicates()).isEqualTo(2);
    assertThat(report.nearDuplicates()).isEqualTo(1);
    assertThat(report.overBudget()).isEqualTo(1);
    assertThat(report.trainExamples()).isEqualTo(12);
    assertThat(report.dropped())
        .containsExactly(
            input + " line 13: exact duplicate",
            input + " line 14: exact duplicate",
            input + " line 15: near duplicate",
            input + " line 16: 226 tokens, over the budget of 100");
    assertThat(lines(out)).hasSize(12);
    JsonNode first = JSON.readTree(lines(out).get(0));
    assertThat(first.at("/messages/1/content").asText()).isEqualTo("Tell me about Lyon.");
  }

  private static String line(String question, String answer) {
    return JSON.createObjectNode().put("question", question).put("answer", answer) + "\n";
  }
}
