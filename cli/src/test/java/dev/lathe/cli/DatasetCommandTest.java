package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lathe dataset build|split|dedupe|stats} as a user runs them, on real files. */
class DatasetCommandTest {

  private static Path records(Path dir, int n) throws Exception {
    StringBuilder csv = new StringBuilder("topic,question,answer\n");
    for (int i = 0; i < n; i++) {
      csv.append("topic ")
          .append(i % 7)
          .append(",\"How do I fold paper crane number ")
          .append(i)
          .append("?\",\"Fold it ")
          .append(i)
          .append(" times, then \"\"pull\"\".\"\n");
    }
    Path file = dir.resolve("records.csv");
    Files.writeString(file, csv);
    return file;
  }

  private static Path template(Path dir) throws Exception {
    Path file = dir.resolve("qa.jinja");
    Files.writeString(
        file,
        "<|system|> You teach origami.\n<|user|> {{ question }}\n<|assistant|> {{ answer }}\n");
    return file;
  }

  @Test
  void buildSplitsByGroupValidatesAndWritesBothFiles(@TempDir Path dir) throws Exception {
    Path train = dir.resolve("train.jsonl");
    Path valid = dir.resolve("valid.jsonl");
    LatheRun run =
        LatheRun.of(
            "dataset",
            "build",
            records(dir, 60).toString(),
            "--template",
            template(dir).toString(),
            "-o",
            train.toString(),
            "--valid-out",
            valid.toString(),
            "--valid-count",
            "2",
            "--group-by",
            "topic",
            "--seed",
            "5");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("Records read: 60; examples: 60");
    List<String> lines = new ArrayList<>(Files.readAllLines(train));
    lines.addAll(Files.readAllLines(valid));
    assertThat(lines).hasSize(60);
    assertThat(Files.readAllLines(train).getFirst())
        .contains("\"content\":\"Fold it 0 times, then \\\"pull\\\".\"");
    // 60 records over 7 topics: two topics hold 8 or 9 records each.
    assertThat(Files.readAllLines(valid).size()).isBetween(16, 18);

    LatheRun stats = LatheRun.of("dataset", "stats", train.toString());
    assertThat(stats.exit()).as(stats.err()).isZero();
    assertThat(stats.out()).contains("Duplicates (normalised text): 0 exact");
  }

  @Test
  void aMissingCsvValueIsReportedWithItsLineAndColumnAndNothingIsWritten(@TempDir Path dir)
      throws Exception {
    Path csv = dir.resolve("bad.csv");
    Files.writeString(csv, "topic,question,answer\npaper,\"Why?\",Because.\npaper,How?\n");
    Path out = dir.resolve("out.jsonl");

    LatheRun run =
        LatheRun.of(
            "dataset",
            "build",
            csv.toString(),
            "--template",
            template(dir).toString(),
            "-o",
            out.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("bad.csv line 3: no value for column 'answer'");
    assertThat(run.err()).contains("Nothing was written.");
    assertThat(out).doesNotExist();
  }

  @Test
  void dedupeAndSplitWorkOnAnExistingFile(@TempDir Path dir) throws Exception {
    Path built = dir.resolve("built.jsonl");
    assertThat(
            LatheRun.of(
                    "dataset",
                    "build",
                    records(dir, 30).toString(),
                    "--template",
                    template(dir).toString(),
                    "-o",
                    built.toString())
                .exit())
        .isZero();
    List<String> doubled = new ArrayList<>(Files.readAllLines(built));
    doubled.addAll(Files.readAllLines(built).subList(0, 5));
    Path withDups = dir.resolve("dups.jsonl");
    Files.write(withDups, doubled);

    Path deduped = dir.resolve("deduped.jsonl");
    LatheRun dedupe =
        LatheRun.of("dataset", "dedupe", withDups.toString(), "-o", deduped.toString());
    assertThat(dedupe.exit()).as(dedupe.err()).isZero();
    assertThat(dedupe.out()).contains("Dropped: 5 exact duplicates");
    assertThat(Files.readAllLines(deduped)).isEqualTo(Files.readAllLines(built));

    Path train = dir.resolve("t.jsonl");
    Path valid = dir.resolve("v.jsonl");
    LatheRun split =
        LatheRun.of(
            "dataset",
            "split",
            deduped.toString(),
            "--train-out",
            train.toString(),
            "--valid-out",
            valid.toString(),
            "--valid-count",
            "4");
    assertThat(split.exit()).as(split.err()).isZero();
    assertThat(Files.readAllLines(valid)).hasSize(4);
    assertThat(Files.readAllLines(train)).hasSize(26);
  }

  @Test
  void anOutputThatFailsValidationNamesTheRecordsOfItsLines(@TempDir Path dir) throws Exception {
    Path template = dir.resolve("q.jinja");
    Files.writeString(template, "<|user|> {{ question }}\n");
    Path out = dir.resolve("o.jsonl");
    LatheRun run =
        LatheRun.of(
            "dataset",
            "build",
            records(dir, 12).toString(),
            "--template",
            template.toString(),
            "-o",
            out.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("example_missing_assistant_message: 12");
    assertThat(run.out())
        .contains(
            "The lines above come from:\n  line 1: " + dir.resolve("records.csv") + " line 2");
    assertThat(run.out()).contains("Nothing was written");
    assertThat(out).doesNotExist();
  }

  @Test
  void aHalfGivenSplitIsAnUnusableCall(@TempDir Path dir) throws Exception {
    LatheRun run =
        LatheRun.of(
            "dataset",
            "build",
            records(dir, 20).toString(),
            "--template",
            template(dir).toString(),
            "-o",
            dir.resolve("o.jsonl").toString(),
            "--valid-ratio",
            "0.2");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("A split needs --valid-out FILE");
  }
}
